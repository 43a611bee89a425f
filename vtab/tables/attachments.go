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
	Fetch: Fetch{Expand: &Expand{Key: KeyMessage, Parent: "/{mailbox}/messages", Property: "attachments", ParentRows: 50000,
		Has: &Has{Column: "is_inline", Value: false, Property: "hasAttachments"}}},
	Rows:        20000,
	Header:      mailHeader,
	Needs:       []Need{mailRead, mailBodies, sharedMailboxes},
	MaxTop:      1000,
	DefaultPage: 10,
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: "mailbox", Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "message_id", Type: Text, Key: "message", Rows: 5, Doc: "the message the attachment belongs to"},
		{Name: "id", Type: Text, Select: "id", Path: "id"},
		{Name: "kind", Type: Kind, Path: "@odata\\.type", Doc: "file, item or reference"},
		{Name: "name", Type: Text, Select: "name", Path: "name"},
		{Name: "content_type", Type: Text, Select: "contentType", Path: "contentType"},
		{Name: "size", Type: Integer, Select: "size", Path: "size"},
		{Name: "is_inline", Type: Bool, Select: "isInline", Path: "isInline"},
		{Name: "last_modified_date_time", Type: Date, Select: "lastModifiedDateTime", Path: "lastModifiedDateTime"},
		{Name: "content_id", Type: Text, Select: "microsoft.graph.fileAttachment/contentId", Path: "contentId"},
		{Name: "content", Type: Blob, Path: "contentBytes", Sparse: true, Full: true,
			Content: &Content{Path: "/{mailbox}/messages/{message}/attachments/{id}/$value", None: referenceAttachment}, Doc: "the bytes; /$value when Graph leaves them out"},
	},
}
