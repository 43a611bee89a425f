package tables

import "fmt"

// SearchCap is the most results Graph returns for one $search; a search
// that reaches it may be missing rows.
const SearchCap = 1000

// ErrSearchCapped ends a scan whose $search reached Graph's result cap: the
// rows already returned may not be all the rows that match.
var ErrSearchCapped = fmt.Errorf("the search reached Graph's cap of %d results, so the answer may be incomplete: narrow the search (more terms, a folder_id, a received: range)", SearchCap)

// mailHeader is the Prefer header of every mail request: immutable ids,
// and bodies as the connection asks.
func mailHeader(s Settings) map[string]string {
	p := `IdType="ImmutableId"`
	if s.BodyContentType != "" {
		p += `, outlook.body-content-type="` + s.BodyContentType + `"`
	}
	return map[string]string{"Prefer": p}
}

// mailRead is what reading any mail needs; mailBodies what reading bodies
// and attachments needs; sharedMailboxes what other users' mailboxes need.
var (
	mailRead = Need{Scope: "Mail.Read", Any: []string{"Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite",
		"Mail.ReadBasic.Shared", "Mail.Read.Shared", "Mail.ReadWrite.Shared"}}
	mailBodies      = Need{Scope: "Mail.Read", Any: []string{"Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared"}}
	sharedMailboxes = Need{Scope: "Mail.Read.Shared", Any: []string{"Mail.ReadBasic.Shared", "Mail.Read.Shared", "Mail.ReadWrite.Shared"},
		What: "other users' mailboxes (user_id other than me)"}
)

// WellKnownFolders are the folder names Graph accepts in place of a
// folder id.
var WellKnownFolders = []string{"archive", "clutter", "conflicts", "conversationhistory", "deleteditems",
	"drafts", "inbox", "junkemail", "localfailures", "msgfolderroot", "outbox", "recoverableitemsdeletions",
	"scheduled", "searchfolders", "sentitems", "serverfailures", "syncissues"}

// FolderAdvice says what a folder must be named by, for a move to a folder
// Graph does not know.
const FolderAdvice = "give a folder id or a well-known name (inbox, archive, deleteditems, …); SELECT id, path FROM mail_folders lists the ids"

// folderNotFound is the advice for a folder_id Graph does not know.
const folderNotFound = "folder_id %q is neither a folder id nor a well-known name (inbox, sentitems, drafts, deleteditems, archive, junkemail, outbox, …): SELECT id, path FROM mail_folders lists them"

// Messages is the messages table: /{mailbox}/messages, or one folder's.
var Messages = &Table{
	Name:       "messages",
	Doc:        "Mail messages of a mailbox, or of one folder with folder_id.",
	Collection: "/{mailbox}/messages",
	InFolder:   "/{mailbox}/mailFolders/{folder}/messages",
	Item:       "/{mailbox}/messages/{id}",
	Rows:       50000,
	Header:     mailHeader,
	Needs: []Need{mailRead, {Scope: mailBodies.Scope, Any: mailBodies.Any, What: "message bodies",
		Columns: []string{"body", "body_preview", "unique_body"}}, sharedMailboxes},
	MaxTop:      1000,
	DefaultPage: 10,
	Search:      true,
	Skip:        true,
	// Drafts carry a receivedDateTime too (REFERENCE §2.1), so ranges of
	// it cover every message.
	Partition: "receivedDateTime",
	Writes: &Writes{
		Item:   "message",
		Update: "/{mailbox}/messages/{id}",
		Move:   "/{mailbox}/messages/{id}/move",
		Delete: "/{mailbox}/messages/{id}",
		Insert: []Action{
			{If: "folder_id", Path: "/{mailbox}/mailFolders/{folder_id}/messages", Creates: true},
			{If: "parent_folder_id", Path: "/{mailbox}/mailFolders/{parent_folder_id}/messages", Creates: true},
			{Path: "/{mailbox}/messages", Creates: true},
		},
		Draft: "is_draft",
		Needs: []string{"is_draft", "parent_folder_id"},
		Scope: "Mail.ReadWrite",
		Verb:  "create a draft",
	},
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: "mailbox", Doc: "mailbox: me, a user id or a userPrincipalName", Write: scopeInsert},
		{Name: "folder_id", Type: Text, Hidden: true, Key: "folder", Rows: 5000, NotFound: folderNotFound, Doc: "scope to one folder: an id or a well-known name (inbox, sentitems, …)", Write: scopeInsert},
		{Name: "search", Type: Text, Hidden: true, Key: "search", Doc: "KQL for Graph $search"},
		{Name: "id", Type: Text, Key: "id", Select: "id", Path: "id", Property: "id", Filter: Eq, Doc: "immutable message id"},
		{Name: "subject", Type: Text, Select: "subject", Path: "subject", Property: "subject", Filter: Eq | StartsWith | Contains, CaseInsensitive: true, Write: draftOnly},
		{Name: "body_preview", Type: Text, Select: "bodyPreview", Path: "bodyPreview"},
		{Name: "body", Type: Text, Select: "body", Path: "body.content", Sparse: true, HeavyPage: bodyPage, Write: draftOnly},
		{Name: "body_content_type", Type: Enum, Select: "body", Path: "body.contentType", Sparse: true, HeavyPage: bodyPage, Write: draftOnly},
		{Name: "unique_body", Type: Text, Select: "uniqueBody", Path: "uniqueBody.content", Sparse: true, HeavyPage: bodyPage},
		{Name: "from_name", Type: Text, Select: "from", Path: "from.emailAddress.name"},
		{Name: "from_address", Type: Text, Select: "from", Path: "from.emailAddress.address", Property: "from/emailAddress/address", Filter: Eq | Contains, CaseInsensitive: true},
		{Name: "sender_name", Type: Text, Select: "sender", Path: "sender.emailAddress.name"},
		{Name: "sender_address", Type: Text, Select: "sender", Path: "sender.emailAddress.address", Property: "sender/emailAddress/address", Filter: Eq | Contains, CaseInsensitive: true},
		{Name: "to_recipients", Type: Recipients, Select: "toRecipients", Path: "toRecipients", Write: draftOnly},
		{Name: "cc_recipients", Type: Recipients, Select: "ccRecipients", Path: "ccRecipients", Write: draftOnly},
		{Name: "bcc_recipients", Type: Recipients, Select: "bccRecipients", Path: "bccRecipients", Write: draftOnly},
		{Name: "reply_to", Type: Recipients, Select: "replyTo", Path: "replyTo", Write: draftOnly},
		{Name: "received_date_time", Type: Date, Select: "receivedDateTime", Path: "receivedDateTime", Property: "receivedDateTime", Filter: Eq | Ne | Cmp, Sort: true},
		{Name: "sent_date_time", Type: Date, Select: "sentDateTime", Path: "sentDateTime", Property: "sentDateTime", Filter: Eq | Ne | Cmp, Sort: true, Nullable: true},
		{Name: "created_date_time", Type: Date, Select: "createdDateTime", Path: "createdDateTime", Property: "createdDateTime", Filter: Eq | Ne | Cmp, Sort: true},
		{Name: "last_modified_date_time", Type: Date, Select: "lastModifiedDateTime", Path: "lastModifiedDateTime", Property: "lastModifiedDateTime", Filter: Eq | Ne | Cmp, Sort: true},
		{Name: "importance", Type: Enum, Select: "importance", Path: "importance", Property: "importance", Filter: Eq, CaseInsensitive: true, Members: []string{"low", "normal", "high"}, Write: always},
		{Name: "inference_classification", Type: Enum, Select: "inferenceClassification", Path: "inferenceClassification", Property: "inferenceClassification", Filter: Eq, CaseInsensitive: true, Members: []string{"focused", "other"}, Write: always},
		{Name: "is_read", Type: Bool, Select: "isRead", Path: "isRead", Property: "isRead", Filter: Eq | Ne, Write: always},
		{Name: "is_draft", Type: Bool, Select: "isDraft", Path: "isDraft", Property: "isDraft", Filter: Eq | Ne},
		{Name: "has_attachments", Type: Bool, Select: "hasAttachments", Path: "hasAttachments", Property: "hasAttachments", Filter: Eq | Ne},
		{Name: "is_read_receipt_requested", Type: Bool, Select: "isReadReceiptRequested", Path: "isReadReceiptRequested", Write: always},
		{Name: "is_delivery_receipt_requested", Type: Bool, Select: "isDeliveryReceiptRequested", Path: "isDeliveryReceiptRequested", Write: always},
		{Name: "flag_status", Type: Enum, Select: "flag", Path: "flag.flagStatus", Property: "flag/flagStatus", Filter: Eq, CaseInsensitive: true, Members: []string{"notFlagged", "complete", "flagged"}, Write: always},
		{Name: "categories", Type: JSON, Select: "categories", Path: "categories", Write: always},
		{Name: "conversation_id", Type: Text, Select: "conversationId", Path: "conversationId", Property: "conversationId", Filter: Eq, CaseInsensitive: true},
		{Name: "internet_message_id", Type: Text, Select: "internetMessageId", Path: "internetMessageId", Property: "internetMessageId", Filter: Eq, CaseInsensitive: true},
		{Name: "parent_folder_id", Type: Text, Select: "parentFolderId", Path: "parentFolderId", Property: "parentFolderId", Filter: Eq, CaseInsensitive: true, Write: move},
		{Name: "web_link", Type: Text, Select: "webLink", Path: "webLink"},
		{Name: "change_key", Type: Text, Select: "changeKey", Path: "changeKey"},
		{Name: "internet_message_headers", Type: JSON, Select: "internetMessageHeaders", Path: "internetMessageHeaders", Sparse: true, HeavyPage: bodyPage},
	},
}

// Shorthands for the writes of mail tables.
var (
	always      = &Write{When: Always}
	draftOnly   = &Write{When: DraftOnly}
	move        = &Write{When: Always, How: Move}
	scopeInsert = &Write{When: InsertOnly, How: Scope}
)
