package tables

import "github.com/tidwall/gjson"

// referenceAttachment reports a reference attachment, which has no bytes
// (Graph answers 405 to its /$value).
func referenceAttachment(item gjson.Result) bool {
	return attachmentKind(item.Get("@odata\\.type").String()) == "reference"
}

// AttachmentsTable is the attachments table:
// /{mailbox}/messages/{message_id}/attachments.
var AttachmentsTable = &Table{
	Name:       "attachments",
	Doc:        "Attachments of messages; content is fetched only when selected.",
	Collection: "/{mailbox}/messages/{message}/attachments",
	Item:       "/{mailbox}/messages/{message}/attachments/{id}",
	Fetch: Fetch{Expand: &Expand{Key: KeyMessage, Parent: "/{mailbox}/messages", Property: "attachments", ParentRows: 50000, MaxTop: 1000,
		Has: &Has{Column: "is_inline", Value: false, Property: "hasAttachments"}}},
	Rows:        20000,
	Header:      mailHeader,
	Needs:       []Need{mailRead, mailBodies, sharedMailboxes},
	MaxTop:      1000,
	DefaultPage: 10,
	Writes: &Writes{
		Item:   "attachment",
		Delete: "/{mailbox}/messages/{message_id}/attachments/{id}",
		Insert: []Action{{Path: "/{mailbox}/messages/{message_id}/attachments", Creates: true,
			Static: map[string]any{"@odata.type": "#microsoft.graph.fileAttachment"}}},
		Parent:      "message_id",
		ParentDraft: "/{mailbox}/messages/{message_id}?$select=isDraft",
		Upload: &Upload{Column: "content", Over: 3 << 20, Chunk: 3 << 20,
			Session: "/{mailbox}/messages/{message_id}/attachments/createUploadSession",
			Item:    "AttachmentItem", Static: map[string]any{"attachmentType": "file"}, Size: "size"},
		Scope: "Mail.ReadWrite",
		Verb:  "attach a file",
	},
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: "mailbox", Doc: "mailbox: me, a user id or a userPrincipalName", Write: scopeInsert},
		{Name: "message_id", Type: Text, Key: "message", Rows: 5, Doc: "the message the attachment belongs to", Write: scopeInsert},
		{Name: "id", Type: Text, Select: "id", Path: "id"},
		{Name: "kind", Type: Kind, Path: "@odata\\.type", Doc: "file, item or reference"},
		{Name: "name", Type: Text, Select: "name", Path: "name", Write: insertOnly},
		{Name: "content_type", Type: Text, Select: "contentType", Path: "contentType", Write: insertOnly},
		{Name: "size", Type: Integer, Select: "size", Path: "size"},
		{Name: "is_inline", Type: Bool, Select: "isInline", Path: "isInline", Write: insertOnly},
		{Name: "last_modified_date_time", Type: Date, Select: "lastModifiedDateTime", Path: "lastModifiedDateTime"},
		{Name: "content_id", Type: Text, Select: "microsoft.graph.fileAttachment/contentId", Path: "contentId", Write: insertOnly},
		{Name: "content", Type: Blob, Path: "contentBytes", Sparse: true, Full: true, HeavyPage: 10, Write: insertOnly,
			Content: &Content{Path: "/{mailbox}/messages/{message}/attachments/{id}/$value", None: referenceAttachment}, Doc: "the bytes; /$value when Graph leaves them out"},
	},
}

// insertOnly marks a column an INSERT sets and nothing changes later.
var insertOnly = &Write{When: InsertOnly}
