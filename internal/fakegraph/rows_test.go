package fakegraph

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// jsonPath reads a gjson-style path ("from.emailAddress.address",
// "@odata\.type") from a decoded JSON object.
func jsonPath(v map[string]any, path string) any {
	path = strings.ReplaceAll(path, `\.`, "\x00")
	var cur any = v
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(seg, "\x00", ".")]
	}
	return cur
}

// toRow converts a Graph item to a row the way the SQL tables should.
func toRow(t *testing.T, tab *tables.Table, item map[string]any, fill map[string]any) []any {
	var row []any
	if tab.Name != "users" {
		row = append(row, fill["user_id"])
	}
	for _, c := range tab.Columns {
		if c.Hidden {
			continue
		}
		if v, ok := fill[c.Name]; ok {
			row = append(row, v)
			continue
		}
		v := jsonPath(item, c.Path)
		switch c.Type {
		case tables.Bool:
			if v == nil {
				row = append(row, nil)
			} else {
				row = append(row, b01(v.(bool)))
			}
		case tables.Integer:
			if v == nil {
				row = append(row, nil)
			} else {
				row = append(row, int64(v.(float64)))
			}
		case tables.Recipients:
			var rs []Recipient
			for _, r := range v.([]any) {
				e := r.(map[string]any)["emailAddress"].(map[string]any)
				rs = append(rs, Recipient{e["name"].(string), e["address"].(string)})
			}
			row = append(row, recipientsJSON(orEmpty(rs)))
		case tables.JSON:
			switch c.Name {
			case "internet_message_headers":
				var hs []Header
				for _, h := range v.([]any) {
					m := h.(map[string]any)
					hs = append(hs, Header{m["name"].(string), m["value"].(string)})
				}
				row = append(row, headersJSON(orEmpty(hs)))
			default:
				var ss []string
				for _, s := range v.([]any) {
					ss = append(ss, s.(string))
				}
				row = append(row, stringsJSON(orEmpty(ss)))
			}
		case tables.Kind:
			k := strings.TrimSuffix(strings.TrimPrefix(v.(string), "#microsoft.graph."), "Attachment")
			row = append(row, k)
		case tables.Blob:
			if v == nil {
				row = append(row, nil)
				continue
			}
			b, err := base64.StdEncoding.DecodeString(v.(string))
			if err != nil {
				t.Fatalf("contentBytes: %v", err)
			}
			row = append(row, b)
		default:
			row = append(row, v)
		}
	}
	return row
}

func sortRows(rows [][]any) {
	sort.Slice(rows, func(i, j int) bool {
		return fmt.Sprint(rows[i][0], rows[i][1], rows[i][2]) < fmt.Sprint(rows[j][0], rows[j][1], rows[j][2])
	})
}

func selectOf(tab *tables.Table) string {
	var sel []string
	seen := map[string]bool{}
	for _, c := range tab.Columns {
		if c.Select != "" && !seen[c.Select] {
			seen[c.Select] = true
			sel = append(sel, c.Select)
		}
	}
	return strings.Join(sel, ",")
}

func compareRows(t *testing.T, table string, cols []string, got, want [][]any) {
	t.Helper()
	sortRows(got)
	sortRows(want)
	if len(got) != len(want) {
		t.Fatalf("%s: HTTP gave %d rows, Rows %d", table, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			for j := range got[i] {
				if !reflect.DeepEqual(got[i][j], want[i][j]) {
					t.Fatalf("%s row %d column %s: HTTP %#v, Rows %#v", table, i, cols[j], got[i][j], want[i][j])
				}
			}
		}
	}
}

func TestRowsAgreeWithHTTP(t *testing.T) {
	d := sharedDemo()
	s := New(d)
	defer s.Close()
	app := s.IssueAppToken()
	var mailboxes []*User
	for _, u := range d.Users {
		if !u.NoMailbox {
			mailboxes = append(mailboxes, u)
		}
	}

	t.Run("users", func(t *testing.T) {
		cols, want := d.Rows("users")
		var got [][]any
		for _, it := range all(t, s, app, "/users?$top=4&$select="+selectOf(tables.Users)) {
			got = append(got, toRow(t, tables.Users, it, nil))
		}
		compareRows(t, "users", cols, got, want)
	})

	t.Run("messages", func(t *testing.T) {
		cols, want := d.Rows("messages")
		var got [][]any
		for _, u := range mailboxes {
			for _, it := range all(t, s, app, "/users/"+url.PathEscape(u.UserPrincipalName)+"/messages?$top=1000&$select="+selectOf(tables.Messages)) {
				got = append(got, toRow(t, tables.Messages, it, map[string]any{"user_id": u.UserPrincipalName}))
			}
		}
		compareRows(t, "messages", cols, got, want)
	})

	t.Run("mail_folders", func(t *testing.T) {
		cols, want := d.Rows("mail_folders")
		var got [][]any
		for _, u := range mailboxes {
			var walk func(path, prefix string)
			walk = func(path, prefix string) {
				for _, it := range all(t, s, app, path+"?includeHiddenFolders=true&$top=4") {
					p := it["displayName"].(string)
					if prefix != "" {
						p = prefix + "/" + p
					}
					got = append(got, toRow(t, tables.MailFolders, it, map[string]any{"user_id": u.UserPrincipalName, "path": p}))
					walk("/users/"+u.ID+"/mailFolders/"+url.PathEscape(it["id"].(string))+"/childFolders", p)
				}
			}
			walk("/users/"+u.ID+"/mailFolders", "")
		}
		compareRows(t, "mail_folders", cols, got, want)
	})

	t.Run("attachments", func(t *testing.T) {
		cols, want := d.Rows("attachments")
		var got [][]any
		for _, u := range mailboxes {
			mbox := "/users/" + url.PathEscape(u.UserPrincipalName)
			msgs := all(t, s, app, mbox+"/messages?$top=1000&$select=id&$filter=hasAttachments+eq+true")
			// inline-only messages have hasAttachments false: get them too
			msgs = append(msgs, all(t, s, app, mbox+"/messages?$top=1000&$select=id&$filter=hasAttachments+eq+false&$expand="+url.QueryEscape("attachments($select=id)"))...)
			for _, m := range msgs {
				if a, ok := m["attachments"].([]any); ok && len(a) == 0 {
					continue
				}
				mid := m["id"].(string)
				for _, it := range all(t, s, app, mbox+"/messages/"+url.PathEscape(mid)+"/attachments") {
					fill := map[string]any{"user_id": u.UserPrincipalName, "message_id": mid}
					row := toRow(t, tables.AttachmentsTable, it, fill)
					kind := it["@odata.type"].(string)
					if _, ok := it["contentBytes"]; !ok && kind != "#microsoft.graph.referenceAttachment" {
						v := get(t, s, app, mbox+"/messages/"+url.PathEscape(mid)+"/attachments/"+url.PathEscape(it["id"].(string))+"/$value")
						row[len(row)-1] = v.body
					}
					got = append(got, row)
				}
			}
		}
		compareRows(t, "attachments", cols, got, want)
	})
}

func TestRowsColumns(t *testing.T) {
	d := sharedDemo()
	for _, tab := range tables.All {
		cols, rows := d.Rows(tab.Name)
		if len(rows) == 0 && !tab.Fetch.Empty {
			t.Errorf("%s: no rows", tab.Name)
		}
		want := []string{}
		if tab.Name != "users" {
			want = append(want, "user_id")
		}
		for _, c := range tab.Columns {
			if !c.Hidden {
				want = append(want, c.Name)
			}
		}
		if !reflect.DeepEqual(cols, want) {
			t.Errorf("%s columns %v, want %v", tab.Name, cols, want)
		}
		for _, r := range rows {
			if len(r) != len(cols) {
				t.Fatalf("%s: row of %d values for %d columns", tab.Name, len(r), len(cols))
			}
		}
	}
	// Spot-check the SCHEMA.md forms.
	cols, msgs := d.Rows("messages")
	col := func(name string) int { return slices.Index(cols, name) }
	r := msgs[0]
	m := d.Users[0].Messages[0]
	checks := map[string]any{
		"user_id":            adele,
		"id":                 m.ID,
		"received_date_time": m.ReceivedDateTime.UTC().Format("2006-01-02T15:04:05Z"),
		"is_read":            b01(m.IsRead),
		"to_recipients":      `[{"name":"` + m.ToRecipients[0].Name + `","address":"` + m.ToRecipients[0].Address + `"}]`,
		"categories":         `["` + m.Categories[0] + `"]`,
		"body_content_type":  "html",
	}
	if len(m.ToRecipients) != 1 || len(m.Categories) != 1 {
		t.Fatalf("demo message 0 changed shape: %d recipients, %d categories", len(m.ToRecipients), len(m.Categories))
	}
	for name, want := range checks {
		if got := r[col(name)]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	// drafts without from have NULL from columns
	for _, row := range msgs {
		if row[col("is_draft")] == int64(1) && row[col("from_address")] == nil && row[col("from_name")] == nil {
			return
		}
	}
	t.Errorf("no draft with a NULL from_address")
}
