package fakegraph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Rows returns a table's rows in SCHEMA.md form, computed straight from the
// model (not through HTTP): the oracle of differential tests.
//
// Columns are the table's non-hidden columns in declaration order; messages,
// mail_folders and attachments get a leading "user_id" column holding the
// owner's userPrincipalName (mailbox-less users have no rows). Values are
// string, int64 (integers and 0/1 booleans), []byte (content) or nil (NULL).
// Dates are "2024-03-01T09:15:00Z"; collections are compact JSON as
// SCHEMA.md says, with <, > and & not escaped. Bodies are the stored ones
// (HTML, as Graph sends without a Prefer header).
//
// mail_folders holds every folder, hidden ones and their children included,
// with path joined by "/" from the top-level folder. attachments' content is
// the file's bytes, the RFC 822 text of an item attachment (what /$value
// returns), or nil for a reference attachment.
//
// Rows panics on an unknown table name.
func (t *Tenant) Rows(table string) (columns []string, rows [][]any) {
	tab := tables.ByName(table)
	if tab == nil {
		panic(fmt.Sprintf("fakegraph: Rows: unknown table %q", table))
	}
	var cols []tables.Column
	for _, c := range tab.Columns {
		if !c.Hidden {
			cols = append(cols, c)
		}
	}
	lead := tab.Name != "users"
	if lead {
		columns = append(columns, "user_id")
	}
	for _, c := range cols {
		columns = append(columns, c.Name)
	}
	emit := func(upn string, get func(string) any) {
		row := make([]any, 0, len(columns))
		if lead {
			row = append(row, upn)
		}
		for _, c := range cols {
			row = append(row, get(c.Name))
		}
		rows = append(rows, row)
	}
	switch tab.Name {
	case "users":
		for _, u := range t.Users {
			emit("", func(c string) any { return userValue(u, c) })
		}
	case "messages":
		for _, u := range t.Users {
			if u.NoMailbox {
				continue
			}
			for _, m := range u.Messages {
				emit(u.UserPrincipalName, func(c string) any { return messageValue(m, c) })
			}
		}
	case "outbox":
		for _, u := range t.Users {
			if u.NoMailbox {
				continue
			}
			for _, f := range u.Folders {
				if f.WellKnownName != "outbox" {
					continue
				}
				for _, m := range u.Messages {
					if m.ParentFolderID == f.ID {
						emit(u.UserPrincipalName, func(c string) any { return messageValue(m, c) })
					}
				}
			}
		}
	case "replies", "forwards":
		// actions: they read back empty
	case "mail_folders":
		for _, u := range t.Users {
			if u.NoMailbox {
				continue
			}
			st := newFolderStats(u)
			fs := append([]*Folder(nil), u.Folders...)
			sort.SliceStable(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
			for _, f := range fs {
				emit(u.UserPrincipalName, func(c string) any { return folderValue(u, st, f, c) })
			}
		}
	case "attachments":
		for _, u := range t.Users {
			if u.NoMailbox {
				continue
			}
			for _, m := range u.Messages {
				for _, a := range m.Attachments {
					emit(u.UserPrincipalName, func(c string) any { return attachmentValue(m, a, c) })
				}
			}
		}
	case "message_rules", "master_categories", "mailbox_settings":
		for _, u := range t.Users {
			if u.NoMailbox {
				continue
			}
			switch tab.Name {
			case "message_rules":
				for _, r := range u.Rules {
					emit(u.UserPrincipalName, func(c string) any { return ruleValue(r, c) })
				}
			case "master_categories":
				for _, k := range u.Categories {
					emit(u.UserPrincipalName, func(c string) any { return categoryValue(k, c) })
				}
			default:
				st := u.settings()
				emit(u.UserPrincipalName, func(c string) any { return settingsValue(st, c) })
			}
		}
	}
	return columns, rows
}

func b01(v bool) any {
	if v {
		return int64(1)
	}
	return int64(0)
}

func ptrValue(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func userValue(u *User, c string) any {
	switch c {
	case "id":
		return u.ID
	case "display_name":
		return u.DisplayName
	case "given_name":
		return ptrValue(u.GivenName)
	case "surname":
		return ptrValue(u.Surname)
	case "mail":
		return ptrValue(u.Mail)
	case "user_principal_name":
		return u.UserPrincipalName
	case "job_title":
		return ptrValue(u.JobTitle)
	case "department":
		return ptrValue(u.Department)
	case "office_location":
		return ptrValue(u.OfficeLocation)
	case "mobile_phone":
		return ptrValue(u.MobilePhone)
	case "preferred_language":
		return ptrValue(u.PreferredLanguage)
	case "business_phones":
		return stringsJSON(orEmpty(u.BusinessPhones))
	}
	panic("fakegraph: Rows: no value for users." + c)
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func messageValue(m *Message, c string) any {
	switch c {
	case "id":
		return m.ID
	case "subject":
		return m.Subject
	case "body_preview":
		return m.Preview()
	case "body":
		return m.Body.Content
	case "body_content_type":
		return strings.ToLower(m.Body.ContentType)
	case "unique_body":
		return m.Unique().Content
	case "from_name", "from_address", "sender_name", "sender_address":
		r := m.From
		if strings.HasPrefix(c, "sender") {
			r = m.Sender
		}
		if r == nil {
			return nil
		}
		if strings.HasSuffix(c, "name") {
			return r.Name
		}
		return r.Address
	case "to_recipients":
		return recipientsJSON(orEmpty(m.ToRecipients))
	case "cc_recipients":
		return recipientsJSON(orEmpty(m.CcRecipients))
	case "bcc_recipients":
		return recipientsJSON(orEmpty(m.BccRecipients))
	case "reply_to":
		return recipientsJSON(orEmpty(m.ReplyTo))
	case "received_date_time":
		return dateText(m.ReceivedDateTime)
	case "sent_date_time":
		return dateText(m.SentDateTime)
	case "created_date_time":
		return dateText(m.CreatedDateTime)
	case "last_modified_date_time":
		return dateText(m.LastModifiedDateTime)
	case "importance":
		return m.Importance
	case "inference_classification":
		return m.InferenceClassification
	case "is_read":
		return b01(m.IsRead)
	case "is_draft":
		return b01(m.IsDraft)
	case "has_attachments":
		return b01(m.HasAttachments())
	case "is_read_receipt_requested":
		return b01(m.IsReadReceiptRequested)
	case "is_delivery_receipt_requested":
		return b01(m.IsDeliveryReceiptRequested)
	case "flag_status":
		return flagStatus(m)
	case "categories":
		return stringsJSON(orEmpty(m.Categories))
	case "conversation_id":
		return nullIfEmpty(m.ConversationID)
	case "internet_message_id":
		return nullIfEmpty(m.InternetMessageID)
	case "parent_folder_id":
		return m.ParentFolderID
	case "web_link":
		return m.Link()
	case "change_key":
		return nullIfEmpty(m.ChangeKey)
	case "internet_message_headers":
		return headersJSON(orEmpty(m.InternetMessageHeaders))
	}
	panic("fakegraph: Rows: no value for messages." + c)
}

func flagStatus(m *Message) string {
	if m.Flag.Status == "" {
		return "notFlagged"
	}
	return m.Flag.Status
}

func folderValue(u *User, st *folderStats, f *Folder, c string) any {
	switch c {
	case "id":
		return f.ID
	case "display_name":
		return f.DisplayName
	case "parent_folder_id":
		return f.ParentFolderID
	case "path":
		return st.path(f)
	case "child_folder_count":
		return int64(st.children[f.ID])
	case "unread_item_count":
		return int64(st.unread[f.ID])
	case "total_item_count":
		return int64(st.total[f.ID])
	case "is_hidden":
		return b01(f.IsHidden)
	}
	panic("fakegraph: Rows: no value for mail_folders." + c)
}

func attachmentValue(m *Message, a *Attachment, c string) any {
	switch c {
	case "message_id":
		return m.ID
	case "id":
		return a.ID
	case "kind":
		return a.Kind
	case "name":
		return a.Name
	case "content_type":
		return nullIfEmpty(a.ContentType)
	case "size":
		return int64(a.Size)
	case "is_inline":
		return b01(a.IsInline)
	case "last_modified_date_time":
		return dateText(a.LastModified)
	case "content_id":
		if a.Kind != "file" {
			return nil
		}
		return nullIfEmpty(a.ContentID)
	case "content":
		if a.Kind == "reference" || a.Content == nil {
			return nil
		}
		return a.Content
	}
	panic("fakegraph: Rows: no value for attachments." + c)
}

// folderStats are a mailbox's computed folder counters and paths.
type folderStats struct {
	byID     map[string]*Folder
	children map[string]int
	total    map[string]int
	unread   map[string]int
}

func newFolderStats(u *User) *folderStats {
	st := &folderStats{
		byID:     make(map[string]*Folder, len(u.Folders)),
		children: map[string]int{},
		total:    map[string]int{},
		unread:   map[string]int{},
	}
	for _, f := range u.Folders {
		st.byID[f.ID] = f
		st.children[f.ParentFolderID]++
	}
	for _, m := range u.Messages {
		st.total[m.ParentFolderID]++
		if !m.IsRead {
			st.unread[m.ParentFolderID]++
		}
	}
	return st
}

// path joins display names from the top-level folder down.
func (st *folderStats) path(f *Folder) string {
	var parts []string
	for seen := 0; f != nil && seen < 64; seen++ {
		parts = append(parts, f.DisplayName)
		f = st.byID[f.ParentFolderID]
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}
