package tables

// MessageRules is the message_rules table: the inbox rules,
// /{mailbox}/mailFolders/inbox/messageRules.
var MessageRules = &Table{
	Name:        "message_rules",
	Doc:         "The inbox rules of a mailbox, with their conditions, actions and exceptions as JSON.",
	Collection:  "/{mailbox}/mailFolders/inbox/messageRules",
	Item:        "/{mailbox}/mailFolders/inbox/messageRules/{id}",
	Rows:        10,
	Header:      mailHeader, // folder ids in actions match mail_folders' immutable ones
	Needs:       []Need{mailboxSettingsRead},
	Forbidden:   mailboxSettingsForbidden,
	MaxTop:      100,
	DefaultPage: 10,
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: KeyMailbox, Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "id", Type: Text, Select: "id", Path: "id"},
		{Name: "display_name", Type: Text, Select: "displayName", Path: "displayName"},
		{Name: "sequence", Type: Integer, Select: "sequence", Path: "sequence", Doc: "the order rules run in"},
		{Name: "is_enabled", Type: Bool, Select: "isEnabled", Path: "isEnabled"},
		{Name: "has_error", Type: Bool, Select: "hasError", Path: "hasError"},
		{Name: "is_read_only", Type: Bool, Select: "isReadOnly", Path: "isReadOnly"},
		{Name: "conditions", Type: JSON, Select: "conditions", Path: "conditions", Doc: "messageRulePredicates"},
		{Name: "actions", Type: JSON, Select: "actions", Path: "actions", Doc: "messageRuleActions"},
		{Name: "exceptions", Type: JSON, Select: "exceptions", Path: "exceptions", Doc: "messageRulePredicates"},
	},
}
