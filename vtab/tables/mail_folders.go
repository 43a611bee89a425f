package tables

// MailFolders is the mail_folders table: the whole folder tree of a mailbox.
var MailFolders = &Table{
	Name:        "mail_folders",
	Doc:         "Every mail folder of a mailbox, nested ones included, with its path.",
	Collection:  "/{mailbox}/mailFolders",
	Item:        "/{mailbox}/mailFolders/{id}",
	Fetch:       Fetch{Tree: &Tree{Children: "/{id}/childFolders", Name: "displayName", Count: "childFolderCount", Path: "path"}},
	Query:       []string{"includeHiddenFolders=true"},
	Rows:        100,
	Header:      mailHeader,
	Needs:       []Need{mailRead, sharedMailboxes},
	MaxTop:      1000,
	DefaultPage: 10,
	Skip:        true,
	Writes: &Writes{
		Item:   "folder",
		Update: "/{mailbox}/mailFolders/{id}",
		Move:   "/{mailbox}/mailFolders/{id}/move",
		Delete: "/{mailbox}/mailFolders/{id}",
		Insert: []Action{
			{If: "parent_folder_id", Path: "/{mailbox}/mailFolders/{parent_folder_id}/childFolders", Creates: true},
			{Path: "/{mailbox}/mailFolders", Creates: true},
		},
		Scope: "Mail.ReadWrite",
		Verb:  "create a folder",
	},
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: "mailbox", Doc: "mailbox: me, a user id or a userPrincipalName", Write: scopeInsert},
		{Name: "id", Type: Text, Select: "id", Path: "id", Always: true},
		{Name: "display_name", Type: Text, Select: "displayName", Path: "displayName", Always: true, Write: always},
		{Name: "parent_folder_id", Type: Text, Select: "parentFolderId", Path: "parentFolderId", Always: true, Write: move},
		{Name: "path", Type: Text, Doc: "display names from the top, joined by /"},
		{Name: "child_folder_count", Type: Integer, Select: "childFolderCount", Path: "childFolderCount", Always: true},
		{Name: "unread_item_count", Type: Integer, Select: "unreadItemCount", Path: "unreadItemCount"},
		{Name: "total_item_count", Type: Integer, Select: "totalItemCount", Path: "totalItemCount"},
		{Name: "is_hidden", Type: Bool, Select: "isHidden", Path: "isHidden", Write: &Write{When: InsertOnly}},
	},
}
