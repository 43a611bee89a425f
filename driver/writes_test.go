package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// writeTenant is a fresh tenant for a test that changes mail.
func writeTenant() *fakegraph.Tenant {
	return fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 2, MessagesPerUser: 120})
}

// newWriteEnv serves a fresh tenant; the test may change it.
func newWriteEnv(t *testing.T, extra ...string) *env {
	t.Helper()
	return newEnv(t, writeTenant(), extra)
}

// exec runs a statement on the env's connection.
func (e *env) exec(q string, args ...any) error {
	_, err := e.conn.ExecContext(context.Background(), q, args...)
	return err
}

// writesSent lists the write requests the fake received since the last
// ResetRequests, batches opened: "PATCH /v1.0/me/messages/{id} {"isRead":true}".
// A $batch POST shows as "$batch N" before its requests.
func writesSent(e *env) []string {
	var out []string
	var add func(r fakegraph.Request, inner bool)
	add = func(r fakegraph.Request, inner bool) {
		if r.Method == "GET" {
			return
		}
		if strings.HasSuffix(r.Path, "/$batch") {
			n := 0
			for _, in := range r.Inner {
				if in.Method != "GET" {
					n++
				}
			}
			if n > 0 {
				out = append(out, fmt.Sprintf("$batch %d", n))
			}
			for _, in := range r.Inner {
				add(in, true)
			}
			return
		}
		line := r.Method + " " + r.Path
		if len(r.Body) > 0 {
			line += " " + string(r.Body)
		}
		out = append(out, line)
	}
	for _, r := range e.Server.Requests() {
		add(r, false)
	}
	return out
}

// writeCount is how many write requests (inner ones included) were sent.
func writeCount(e *env) int {
	n := 0
	for _, w := range writesSent(e) {
		if !strings.HasPrefix(w, "$batch") {
			n++
		}
	}
	return n
}

// mine is the signed-in user's mailbox in a snapshot.
func mine(e *env) *fakegraph.User {
	for _, u := range e.Server.Snapshot().Users {
		if strings.EqualFold(u.UserPrincipalName, e.User) {
			return u
		}
	}
	panic("no signed-in user")
}

// folderID is the id of the user's folder with a well-known name.
func folderID(u *fakegraph.User, wellKnown string) string {
	for _, f := range u.Folders {
		if f.WellKnownName == wellKnown {
			return f.ID
		}
	}
	return ""
}

// byID indexes a user's messages.
func byID(u *fakegraph.User) map[string]*fakegraph.Message {
	m := map[string]*fakegraph.Message{}
	for _, x := range u.Messages {
		m[x.ID] = x
	}
	return m
}

// column runs a query and returns its first column.
func (e *env) column(t *testing.T, q string, args ...any) []string {
	t.Helper()
	var out []string
	for _, r := range e.raw(t, q, args...) {
		out = append(out, r[0])
	}
	return out
}

// raw runs a query and returns its rows as plain text: strings unquoted,
// NULL as NULL.
func (e *env) raw(t *testing.T, q string, args ...any) [][]string {
	t.Helper()
	rows, err := e.conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				row[i] = "NULL"
			case []byte:
				row[i] = string(x)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func TestUpdateMarksReadInBatches(t *testing.T) {
	e := newWriteEnv(t)
	target := e.column(t, "SELECT id FROM messages WHERE is_read = 0 AND is_draft = 0")
	if len(target) < 25 {
		t.Fatalf("the tenant has %d unread messages; the test needs more than 20", len(target))
	}
	before := byID(mine(e))
	e.Server.ResetRequests()
	if err := e.exec("UPDATE messages SET is_read = 1 WHERE is_read = 0 AND is_draft = 0"); err != nil {
		t.Fatal(err)
	}
	// One GET of the light scan, then $batch POSTs of 20.
	reqs := e.Server.Requests()
	var gets []string
	for _, r := range reqs {
		if r.Method == "GET" {
			gets = append(gets, r.Path+"?"+r.RawQuery)
		}
	}
	if len(gets) != 1 || !strings.Contains(gets[0], "$select=id,isRead,isDraft,parentFolderId") || !strings.Contains(gets[0], "$top=1000") {
		t.Errorf("the scan's GETs: %q, want one light GET ($select=id,isRead,isDraft,parentFolderId, $top=1000)", gets)
	}
	sent := writesSent(e)
	wantBatches := (len(target) + 19) / 20
	var batches, patches int
	for _, w := range sent {
		switch {
		case strings.HasPrefix(w, "$batch"):
			batches++
		case strings.HasPrefix(w, "PATCH /v1.0/me/messages/") && strings.HasSuffix(w, ` {"isRead":true}`):
			patches++
		default:
			t.Errorf("unexpected write %q", w)
		}
	}
	if batches != wantBatches || patches != len(target) {
		t.Errorf("%d batches of %d PATCHes, want %d of %d", batches, patches, wantBatches, len(target))
	}
	after := byID(mine(e))
	for id, m := range after {
		was := before[id]
		want := was.IsRead || slices.Contains(target, id)
		if m.IsRead != want {
			t.Errorf("%s: is_read %v, want %v", id, m.IsRead, want)
		}
		if m.Subject != was.Subject || m.ParentFolderID != was.ParentFolderID || m.Flag.Status != was.Flag.Status {
			t.Errorf("%s: other properties changed", id)
		}
	}
	// The same connection reads its change.
	if got := e.raw(t, "SELECT count(*) FROM messages WHERE is_read = 0 AND is_draft = 0"); got[0][0] != "0" {
		t.Errorf("unread after the UPDATE: %v, want 0", got)
	}
}

func TestUpdateForms(t *testing.T) {
	e := newWriteEnv(t)
	inbox := folderID(mine(e), "inbox")
	archive := folderID(mine(e), "archive")
	ids := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 ORDER BY received_date_time LIMIT 3")
	drafts := e.column(t, "SELECT id FROM messages WHERE is_draft = 1 LIMIT 1")
	if len(ids) < 3 || len(drafts) < 1 {
		t.Fatalf("the tenant lacks inbox mail (%d) or drafts (%d)", len(ids), len(drafts))
	}
	a, b, c, d := ids[0], ids[1], ids[2], drafts[0]
	tests := []struct {
		name  string
		sql   string
		args  []any
		sent  []string
		check func(m map[string]*fakegraph.Message) string
	}{
		{
			name: "flag, categories, importance: one PATCH with the changed properties",
			sql:  "UPDATE messages SET flag_status = 'Flagged', categories = '[\"Red category\",\"Blue\"]', importance = 'HIGH' WHERE id = ?", args: []any{a},
			sent: []string{`PATCH /v1.0/me/messages/` + a + ` {"categories":["Red category","Blue"],"flag":{"flagStatus":"flagged"},"importance":"high"}`},
			check: func(m map[string]*fakegraph.Message) string {
				x := m[a]
				if x.Flag.Status != "flagged" || !slices.Equal(x.Categories, []string{"Red category", "Blue"}) || x.Importance != "high" {
					return fmt.Sprintf("flag %q categories %q importance %q", x.Flag.Status, x.Categories, x.Importance)
				}
				return ""
			},
		},
		{
			name: "categories replace the whole list",
			sql:  "UPDATE messages SET categories = '[\"Green\"]' WHERE id = ?", args: []any{a},
			sent: []string{`PATCH /v1.0/me/messages/` + a + ` {"categories":["Green"]}`},
			check: func(m map[string]*fakegraph.Message) string {
				if !slices.Equal(m[a].Categories, []string{"Green"}) {
					return fmt.Sprintf("categories %q", m[a].Categories)
				}
				return ""
			},
		},
		{
			name: "setting what already is, as the WHERE clause reads it, sends nothing",
			sql:  "UPDATE messages SET importance = 'high', flag_status = 'flagged' WHERE id = ? AND importance = 'high' AND flag_status = 'flagged'", args: []any{a},
		},
		{
			name: "move by parent_folder_id keeps the id",
			sql:  "UPDATE messages SET parent_folder_id = 'archive' WHERE id IN (?, ?)", args: []any{b, c},
			sent: []string{"$batch 2", `POST /v1.0/me/messages/` + b + `/move {"destinationId":"archive"}`, `POST /v1.0/me/messages/` + c + `/move {"destinationId":"archive"}`},
			check: func(m map[string]*fakegraph.Message) string {
				if m[b] == nil || m[c] == nil || m[b].ParentFolderID != archive || m[c].ParentFolderID != archive {
					return "not moved to archive with the same ids"
				}
				return ""
			},
		},
		{
			name: "PATCH then move of one message: two waves",
			sql:  "UPDATE messages SET is_read = 0, parent_folder_id = ? WHERE id = ?", args: []any{inbox, b},
			sent: []string{`PATCH /v1.0/me/messages/` + b + ` {"isRead":false}`, `POST /v1.0/me/messages/` + b + `/move {"destinationId":"` + inbox + `"}`},
			check: func(m map[string]*fakegraph.Message) string {
				if m[b].IsRead || m[b].ParentFolderID != inbox {
					return "not unread in the inbox"
				}
				return ""
			},
		},
		{
			name: "a draft's subject, body and recipients",
			sql:  "UPDATE messages SET subject = 'Plan', body = 'See below', body_content_type = 'text', to_recipients = 'bob@contoso.com; Carol <carol@contoso.com>' WHERE id = ?", args: []any{d},
			sent: []string{`PATCH /v1.0/me/messages/` + d + ` {"body":{"content":"See below","contentType":"text"},"subject":"Plan","toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}},{"emailAddress":{"name":"Carol","address":"carol@contoso.com"}}]}`},
			check: func(m map[string]*fakegraph.Message) string {
				x := m[d]
				if x.Subject != "Plan" || x.Body.Content != "See below" || len(x.ToRecipients) != 2 || x.ToRecipients[1].Address != "carol@contoso.com" {
					return fmt.Sprintf("subject %q body %q to %v", x.Subject, x.Body.Content, x.ToRecipients)
				}
				return ""
			},
		},
		{
			name: "DELETE",
			sql:  "DELETE FROM messages WHERE id = ?", args: []any{c},
			sent: []string{`DELETE /v1.0/me/messages/` + c},
			check: func(m map[string]*fakegraph.Message) string {
				if m[c] != nil {
					return "still there"
				}
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Server.ResetRequests()
			if err := e.exec(tt.sql, tt.args...); err != nil {
				t.Fatal(err)
			}
			if got := writesSent(e); !slices.Equal(got, tt.sent) {
				t.Errorf("sent:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.sent, "\n  "))
			}
			if tt.check != nil {
				if msg := tt.check(byID(mine(e))); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestInsertDraftAndLastInsertID(t *testing.T) {
	e := newWriteEnv(t)
	before := len(mine(e).Messages)
	e.Server.ResetRequests()
	if err := e.exec("INSERT INTO messages (subject, body, body_content_type, to_recipients, importance) VALUES ('Q3', 'Numbers', 'text', '[{\"name\":\"Bob\",\"address\":\"bob@contoso.com\"}]', 'low')"); err != nil {
		t.Fatal(err)
	}
	want := []string{`POST /v1.0/me/messages {"body":{"content":"Numbers","contentType":"text"},"importance":"low","subject":"Q3","toRecipients":[{"emailAddress":{"name":"Bob","address":"bob@contoso.com"}}]}`}
	if got := writesSent(e); !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	id := e.raw(t, "SELECT last_insert_id()")[0][0]
	u := mine(e)
	m := byID(u)[id]
	if m == nil || len(u.Messages) != before+1 {
		t.Fatalf("last_insert_id() = %q: no such new message (%d messages, were %d)", id, len(u.Messages), before)
	}
	if !m.IsDraft || m.Subject != "Q3" || m.ParentFolderID != folderID(u, "drafts") {
		t.Errorf("the draft: draft %v subject %q folder %q", m.IsDraft, m.Subject, m.ParentFolderID)
	}
	if got := e.raw(t, "SELECT subject, is_draft FROM messages WHERE id = last_insert_id()"); len(got) != 1 || got[0][0] != "Q3" || got[0][1] != "1" {
		t.Errorf("reading the draft back: %v", got)
	}
}

func TestSendForms(t *testing.T) {
	e := newWriteEnv(t)
	if err := e.exec("INSERT INTO messages (subject, to_recipients) VALUES ('to send', 'bob@contoso.com')"); err != nil {
		t.Fatal(err)
	}
	draft := e.raw(t, "SELECT last_insert_id()")[0][0]
	msgs := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 ORDER BY received_date_time DESC LIMIT 2")
	tests := []struct {
		name string
		sql  string
		sent []string
	}{
		{"a new message", "INSERT INTO outbox (to_recipients, subject, body, body_content_type, importance) VALUES ('bob@contoso.com', 'Report', 'All good', 'text', 'normal')",
			[]string{`POST /v1.0/me/sendMail {"message":{"body":{"content":"All good","contentType":"text"},"importance":"normal","subject":"Report","toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}}]},"saveToSentItems":true}`}},
		{"without a copy in Sent Items", "INSERT INTO outbox (to_recipients, subject, save_to_sent_items) VALUES ('bob@contoso.com', 'Quiet', 0)",
			[]string{`POST /v1.0/me/sendMail {"message":{"subject":"Quiet","toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}}]},"saveToSentItems":false}`}},
		{"a draft", "INSERT INTO outbox (draft_id) VALUES ('" + draft + "')",
			[]string{`POST /v1.0/me/messages/` + draft + `/send`}},
		{"replies to exactly the rows selected", "INSERT INTO replies (message_id, comment) SELECT id, 'Thanks!' FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 ORDER BY received_date_time DESC LIMIT 2",
			[]string{"$batch 2", `POST /v1.0/me/messages/` + msgs[0] + `/reply {"comment":"Thanks!"}`, `POST /v1.0/me/messages/` + msgs[1] + `/reply {"comment":"Thanks!"}`}},
		{"reply all", "INSERT INTO replies (message_id, comment, reply_all) VALUES ('" + msgs[0] + "', 'All: noted', 1)",
			[]string{`POST /v1.0/me/messages/` + msgs[0] + `/replyAll {"comment":"All: noted"}`}},
		{"forward", "INSERT INTO forwards (message_id, to_recipients, comment) VALUES ('" + msgs[1] + "', 'carol@contoso.com', 'FYI')",
			[]string{`POST /v1.0/me/messages/` + msgs[1] + `/forward {"comment":"FYI","toRecipients":[{"emailAddress":{"address":"carol@contoso.com"}}]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Server.ResetRequests()
			if err := e.exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			got := writesSent(e)
			if strings.HasPrefix(tt.name, "replies") {
				slices.Sort(got[1:])
				slices.Sort(tt.sent[1:])
			}
			if !slices.Equal(got, tt.sent) {
				t.Errorf("sent:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.sent, "\n  "))
			}
		})
	}
	u := mine(e)
	if m := byID(u)[draft]; m == nil || m.IsDraft || m.ParentFolderID != folderID(u, "sentitems") {
		t.Errorf("the sent draft: %+v", m)
	}
	if got := e.raw(t, "SELECT count(*) FROM replies"); got[0][0] != "0" {
		t.Errorf("replies read back %v rows, want none", got)
	}
}

func TestWriteErrorsBeforeAnyRequest(t *testing.T) {
	e := newWriteEnv(t)
	sent := e.column(t, "SELECT id FROM messages WHERE is_draft = 0 LIMIT 1")[0]
	tests := []struct {
		sql  string
		want string
	}{
		{"UPDATE messages SET received_date_time = '2020-01-01T00:00:00Z' WHERE id = '" + sent + "'",
			"messages.received_date_time cannot be changed (read-only); an UPDATE may set subject, body, body_content_type, to_recipients, cc_recipients, bcc_recipients, reply_to, importance, inference_classification, is_read, is_read_receipt_requested, is_delivery_receipt_requested, flag_status, categories, parent_folder_id; nothing was sent"},
		{"UPDATE messages SET subject = 'x' WHERE is_draft = 0",
			"messages.subject can be changed only on drafts, and message "},
		{"UPDATE messages SET importance = 'urgent' WHERE id = '" + sent + "'",
			"messages.importance takes one of low, normal, high, not \"urgent\""},
		{"UPDATE messages SET is_read = 2 WHERE id = '" + sent + "'", "messages.is_read takes 0 or 1, not 2"},
		{"UPDATE messages SET categories = 'Red' WHERE id = '" + sent + "'", `messages.categories takes a JSON array of strings ('["Red category"]'), not "Red"`},
		{"UPDATE messages SET to_recipients = 'not an address' WHERE is_draft = 1", `messages.to_recipients: "not an address" is not an email address`},
		{"INSERT INTO messages (subject, is_draft) VALUES ('x', 0)", "messages.is_draft cannot be written: an INSERT into messages may give "},
		{"INSERT INTO forwards (message_id, comment) VALUES ('" + sent + "', 'x')", "forwards: an INSERT must give to_recipients to forward; nothing was sent"},
		{"INSERT INTO replies (comment) VALUES ('x')", "replies: message_id is required; nothing was sent"},
		{"INSERT INTO outbox (draft_id, subject) VALUES ('" + sent + "', 'x')", "outbox.subject cannot be given with draft_id: that send takes nothing else; nothing was sent"},
		{"UPDATE outbox SET is_read = 1", ""}, // no rows in the outbox, or: cannot be changed
		{"UPDATE attachments SET name = 'x' WHERE message_id = '" + sent + "'", ""},
	}
	for _, tt := range tests {
		e.Server.ResetRequests()
		err := e.exec(tt.sql)
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s:\n error %v\n want %q", tt.sql, err, tt.want)
		}
		if n := writeCount(e); n != 0 {
			t.Errorf("%s: %d write requests sent, want none", tt.sql, n)
		}
	}
}

func TestRollbackSendsNothing(t *testing.T) {
	e := newWriteEnv(t)
	before := byID(mine(e))
	e.Server.ResetRequests()
	for _, s := range []string{"BEGIN",
		"UPDATE messages SET is_read = 1 WHERE is_read = 0",
		"DELETE FROM messages WHERE folder_id = 'junkemail'",
		"INSERT INTO outbox (to_recipients, subject) VALUES ('bob@contoso.com', 'never')",
		"ROLLBACK"} {
		if err := e.exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d write requests after ROLLBACK, want none", n)
	}
	after := byID(mine(e))
	if len(after) != len(before) {
		t.Errorf("%d messages after ROLLBACK, were %d", len(after), len(before))
	}
	// BEGIN … COMMIT sends at COMMIT, in order.
	e.Server.ResetRequests()
	for _, s := range []string{"BEGIN", "UPDATE messages SET flag_status = 'complete' WHERE folder_id = 'junkemail'", "DELETE FROM messages WHERE folder_id = 'junkemail'"} {
		if err := e.exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d write requests before COMMIT, want none", n)
	}
	if err := e.exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
	if got := e.raw(t, "SELECT count(*) FROM messages WHERE folder_id = 'junkemail'"); got[0][0] != "0" {
		t.Errorf("junk after COMMIT: %v", got)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	e := newWriteEnv(t, "ReadOnly=True")
	e.Server.ResetRequests()
	for _, s := range []string{
		"UPDATE messages SET is_read = 1",
		"DELETE FROM messages",
		"INSERT INTO messages (subject) VALUES ('x')",
		"INSERT INTO outbox (to_recipients, subject) VALUES ('bob@contoso.com', 'x')",
		"INSERT INTO mail_folders (display_name) VALUES ('x')",
	} {
		err := e.exec(s)
		if err == nil || !strings.Contains(err.Error(), "the connection is read-only (ReadOnly=True): no change was sent") {
			t.Errorf("%s: %v", s, err)
		}
	}
	if n := len(e.Server.Requests()); n != 0 {
		t.Errorf("%d requests, want none (refused before the scan)", n)
	}
}

func TestPartialFailureNamesEachItem(t *testing.T) {
	e := newWriteEnv(t)
	ids := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_read = 0 LIMIT 5")
	if len(ids) < 5 {
		t.Fatal("not enough unread inbox mail")
	}
	// Two of them disappear between the scan and the flush: another client
	// deleted them.
	gone := ids[1:3]
	if err := e.exec("BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := e.exec("UPDATE messages SET is_read = 1 WHERE id IN (?, ?, ?, ?, ?)", ids[0], ids[1], ids[2], ids[3], ids[4]); err != nil {
		t.Fatal(err)
	}
	e.Server.Update(func(t *fakegraph.Tenant) {
		for _, u := range t.Users {
			u.Messages = slices.DeleteFunc(u.Messages, func(m *fakegraph.Message) bool { return slices.Contains(gone, m.ID) })
		}
	})
	err := e.exec("COMMIT")
	var we *driver.WriteError
	if !errors.As(err, &we) {
		t.Fatalf("COMMIT: %v, want a *driver.WriteError", err)
	}
	if we.Done != 3 || we.Total != 5 || len(we.Failed) != 2 {
		t.Errorf("done %d of %d, %d failed; want 3 of 5, 2 failed", we.Done, we.Total, len(we.Failed))
	}
	msg := err.Error()
	for _, id := range gone {
		if !strings.Contains(msg, id) {
			t.Errorf("the error does not name %s:\n%s", id, msg)
		}
	}
	if !strings.Contains(msg, "3 of 5 changes were made; 2 failed:") || strings.Count(msg, "ErrorItemNotFound") != 2 {
		t.Errorf("error:\n%s", msg)
	}
	m := byID(mine(e))
	for _, id := range []string{ids[0], ids[3], ids[4]} {
		if !m[id].IsRead {
			t.Errorf("%s was not marked read", id)
		}
	}
}

func TestAmbiguousSendIsNotRepeated(t *testing.T) {
	e := newWriteEnv(t, "RetryMode=RetryAny", "RetryWaitTime=0.01")
	before := len(mine(e).Messages)
	e.Server.ResetRequests()
	e.Server.DropAfterWrites(1)
	err := e.exec("INSERT INTO outbox (to_recipients, subject) VALUES ('bob@contoso.com', 'once')")
	if err == nil || !strings.Contains(err.Error(), "may have happened") {
		t.Fatalf("error %v, want one that says the send may have happened", err)
	}
	if n := writeCount(e); n != 1 {
		t.Errorf("%d sends, want exactly 1 (never repeated)", n)
	}
	if n := len(mine(e).Messages); n != before+1 {
		t.Errorf("%d messages, want %d: the fake applied the send once", n, before+1)
	}
	// A throttled batch is sent again after Retry-After, and succeeds.
	e.Server.ResetRequests()
	e.Server.ThrottleWrites(3, "0.05")
	if err := e.exec("UPDATE messages SET flag_status = 'flagged' WHERE folder_id = 'inbox' AND flag_status = 'notFlagged'"); err != nil {
		t.Fatal(err)
	}
	if got := e.raw(t, "SELECT count(*) FROM messages WHERE folder_id = 'inbox' AND flag_status = 'notFlagged'"); got[0][0] != "0" {
		t.Errorf("not flagged after throttling: %v", got)
	}
}

func TestFolderWrites(t *testing.T) {
	e := newWriteEnv(t)
	steps := []struct {
		sql, want string // want: the folder's path afterwards ("" when gone)
	}{
		{"INSERT INTO mail_folders (display_name) VALUES ('Projects')", "Projects"},
		{"INSERT INTO mail_folders (display_name, parent_folder_id) VALUES ('2025', last_insert_id())", "Projects/2025"},
		{"UPDATE mail_folders SET display_name = 'Year 2025' WHERE id = last_insert_id()", "Projects/Year 2025"},
		{"UPDATE mail_folders SET parent_folder_id = 'inbox' WHERE id = last_insert_id()", "Inbox/Year 2025"},
		{"DELETE FROM mail_folders WHERE id = last_insert_id()", ""},
	}
	var id string
	for i, s := range steps {
		if err := e.exec(s.sql); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		if i < 2 {
			id = e.raw(t, "SELECT last_insert_id()")[0][0]
		}
		got := e.raw(t, "SELECT path FROM mail_folders WHERE id = ?", id)
		switch {
		case s.want == "" && len(got) != 0:
			t.Errorf("%s: still there: %v", s.sql, got)
		case s.want != "" && (len(got) != 1 || got[0][0] != s.want):
			t.Errorf("%s: path %v, want %s", s.sql, got, s.want)
		}
	}
}

func TestAttachmentsOnDrafts(t *testing.T) {
	e := newWriteEnv(t)
	if err := e.exec("INSERT INTO messages (subject) VALUES ('with files')"); err != nil {
		t.Fatal(err)
	}
	draft := e.raw(t, "SELECT last_insert_id()")[0][0]
	small := []byte("region,total\nnorth,42\n")
	big := make([]byte, 7<<20+123) // over 3 MB: an upload session of 3 chunks
	for i := range big {
		big[i] = byte(i * 7)
	}
	e.Server.ResetRequests()
	if err := e.exec("INSERT INTO attachments (message_id, name, content_type, content) VALUES (?, 'q3.csv', 'text/csv', ?)", draft, small); err != nil {
		t.Fatal(err)
	}
	if err := e.exec("INSERT INTO attachments (message_id, name, content_type, content) VALUES (?, 'big.bin', 'application/octet-stream', ?)", draft, big); err != nil {
		t.Fatal(err)
	}
	var puts int
	for _, r := range e.Server.Requests() {
		if r.Method == "PUT" {
			puts++
			if r.Header.Get("Authorization") != "" {
				t.Errorf("an upload PUT carried Authorization")
			}
			if r.Host == "" || strings.Contains(e.Server.GraphURL(), r.Host) {
				t.Errorf("an upload PUT went to %q, the Graph host", r.Host)
			}
		}
	}
	if puts != 3 {
		t.Errorf("%d upload PUTs, want 3 (7 MB in chunks of 3 MiB)", puts)
	}
	got := e.raw(t, "SELECT name, size, length(content), content = ? FROM attachments WHERE message_id = ? ORDER BY name", small, draft)
	want := [][]string{{"big.bin", fmt.Sprint(len(big)), fmt.Sprint(len(big)), "0"}, {"q3.csv", fmt.Sprint(len(small)), fmt.Sprint(len(small)), "1"}}
	if !equalRows(got, want) {
		t.Errorf("attachments: %v, want %v", got, want)
	}
	// Deleting one; and a sent message refuses both before any write.
	if err := e.exec("DELETE FROM attachments WHERE message_id = ? AND name = 'q3.csv'", draft); err != nil {
		t.Fatal(err)
	}
	if got := e.raw(t, "SELECT name FROM attachments WHERE message_id = ?", draft); !equalRows(got, [][]string{{"big.bin"}}) {
		t.Errorf("after DELETE: %v", got)
	}
	sent := e.column(t, "SELECT id FROM messages WHERE is_draft = 0 LIMIT 1")[0]
	e.Server.ResetRequests()
	err := e.exec("INSERT INTO attachments (message_id, name, content) VALUES (?, 'x.txt', x'00')", sent)
	if err == nil || !strings.Contains(err.Error(), "is not a draft: attachments can be added to or deleted from drafts only; nothing was sent") {
		t.Errorf("attachment on a sent message: %v", err)
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	e := newWriteEnv(t)
	if err := driver.SetDryRun(e.conn, true); err != nil {
		t.Fatal(err)
	}
	unread := e.raw(t, "SELECT count(*) FROM messages WHERE is_read = 0")[0][0]
	e.Server.ResetRequests()
	if err := e.exec("UPDATE messages SET is_read = 1 WHERE is_read = 0"); err != nil {
		t.Fatal(err)
	}
	p, err := driver.PlannedRequests(e.conn)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(len(p)) != unread || len(p) == 0 || p[0].Method != "PATCH" || p[0].Body != `{"isRead":true}` {
		t.Errorf("planned %d (%v…), want %s PATCHes", len(p), p[:min(len(p), 1)], unread)
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d writes in a dry run", n)
	}
	if got := e.raw(t, "SELECT count(*) FROM messages WHERE is_read = 0")[0][0]; got != unread {
		t.Errorf("unread %s after a dry run, was %s", got, unread)
	}
}

func TestConfirmBeforeFlush(t *testing.T) {
	e := newWriteEnv(t)
	var asked []driver.Pending
	no := errors.New("not confirmed")
	if err := driver.SetConfirm(e.conn, func(p driver.Pending) error { asked = append(asked, p); return no }); err != nil {
		t.Fatal(err)
	}
	n := e.raw(t, "SELECT count(*) FROM messages WHERE is_read = 0")[0][0]
	e.Server.ResetRequests()
	err := e.exec("UPDATE messages SET is_read = 1 WHERE is_read = 0")
	if err == nil || err.Error() != "messages: not confirmed; nothing was sent" {
		t.Errorf("error %v", err)
	}
	if len(asked) != 1 || fmt.Sprint(asked[0].Changes) != n || asked[0].Summary != "UPDATE "+n+" × messages" {
		t.Errorf("asked %+v, want one question about %s changes", asked, n)
	}
	if c := writeCount(e); c != 0 {
		t.Errorf("%d writes after no", c)
	}
	// One change is not asked about.
	asked = nil
	id := e.column(t, "SELECT id FROM messages WHERE is_read = 0 LIMIT 1")[0]
	if err := e.exec("UPDATE messages SET is_read = 1 WHERE id = ?", id); err != nil || len(asked) != 0 {
		t.Errorf("one change: %v, asked %d", err, len(asked))
	}
}

// TestLightScanReadsTheRestLazily: the scan behind an UPDATE selects only
// what the WHERE clause and the write need; a column SQLite reads anyway
// (subject in SET subject = subject || …) is fetched for that row alone,
// and the new value is computed from the real old one.
func TestLightScanReadsTheRestLazily(t *testing.T) {
	e := newWriteEnv(t)
	drafts := e.raw(t, "SELECT id, subject FROM messages WHERE is_draft = 1 ORDER BY id")
	if len(drafts) < 2 {
		t.Fatalf("%d drafts", len(drafts))
	}
	e.Server.ResetRequests()
	if err := e.exec("UPDATE messages SET subject = subject || ' (2)' WHERE is_draft = 1"); err != nil {
		t.Fatal(err)
	}
	var scans, items int
	for _, r := range e.Server.Requests() {
		if r.Method != "GET" {
			continue
		}
		switch {
		case strings.HasSuffix(r.Path, "/me/messages"):
			scans++
			if sel := r.Query.Get("$select"); strings.Contains(sel, "subject") || strings.Contains(sel, "body") {
				t.Errorf("the scan selected %q", sel)
			}
		case strings.Contains(r.Path, "/me/messages/"):
			items++
		}
	}
	if scans != 1 || items != len(drafts) {
		t.Errorf("%d scans and %d item GETs, want 1 and %d", scans, items, len(drafts))
	}
	got := e.raw(t, "SELECT id, subject FROM messages WHERE is_draft = 1 ORDER BY id")
	for i := range drafts {
		if got[i][1] != drafts[i][1]+" (2)" {
			t.Errorf("%s: subject %q, want %q", got[i][0], got[i][1], drafts[i][1]+" (2)")
		}
	}
}

// TestMoveToAFolderByNameFailsFirst: a display name given where a folder
// id belongs fails before any write, saying how to find the id; a folder
// id or a well-known name in any case moves.
func TestMoveToAFolderByNameFailsFirst(t *testing.T) {
	e := newWriteEnv(t)
	if err := e.exec("INSERT INTO mail_folders (display_name) VALUES ('Paid invoices')"); err != nil {
		t.Fatal(err)
	}
	receipts := e.raw(t, "SELECT last_insert_id()")[0][0]
	e.Server.ResetRequests()
	err := e.exec("UPDATE messages SET parent_folder_id = 'Paid invoices' WHERE folder_id = 'inbox' AND is_read = 0")
	want := `messages: parent_folder_id = "Paid invoices" names no folder: give a folder id or a well-known name (inbox, archive, deleteditems, …); SELECT id, path FROM mail_folders lists the ids; nothing was sent`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d writes", n)
	}
	n := e.raw(t, "SELECT count(*) FROM messages WHERE folder_id = 'inbox' AND is_read = 0")[0][0]
	if err := e.exec("UPDATE messages SET parent_folder_id = (SELECT id FROM mail_folders WHERE path = 'Paid invoices') WHERE folder_id = 'inbox' AND is_read = 0"); err != nil {
		t.Fatal(err)
	}
	if got := e.raw(t, "SELECT count(*) FROM messages WHERE parent_folder_id = ?", receipts)[0][0]; got != n || n == "0" {
		t.Errorf("%s moved to Paid invoices, want %s", got, n)
	}
	if err := e.exec("UPDATE messages SET parent_folder_id = 'ARCHIVE' WHERE parent_folder_id = ?", receipts); err != nil {
		t.Fatal(err)
	}
	if got, want := atoi(t, e.raw(t, "SELECT count(*) FROM messages WHERE folder_id = 'archive' AND is_read = 0")[0][0]), atoi(t, n); got < want {
		t.Errorf("%d unread in the archive, want at least %d", got, want)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWriteForbiddenNamesThePermission: a sign-in that reads mail but may
// neither change nor send it gets Graph's 403 for each write, and the
// error names the permission to add and how.
func TestWriteForbiddenNamesThePermission(t *testing.T) {
	e := newWriteEnv(t)
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	rt := e.Server.IssueRefreshTokenFor(fakegraph.ClientID, e.User, "offline_access", "User.Read", "Mail.Read")
	body, _ := json.Marshal(map[string]any{"refresh_token": rt, "access_token": "", "expires_in": 0})
	if err := os.WriteFile(tokenFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver.Name, strings.Replace(e.ConnString(), e.TokenFile, tokenFile, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	id := e.column(t, "SELECT id FROM messages WHERE is_read = 0 LIMIT 1")[0]
	for _, c := range []struct{ sql, scope string }{
		{"UPDATE messages SET is_read = 1 WHERE id = '" + id + "'", "Mail.ReadWrite"},
		{"INSERT INTO outbox (to_recipients, subject) VALUES ('bob@contoso.com', 'x')", "Mail.Send"},
		{"INSERT INTO replies (message_id, comment) VALUES ('" + id + "', 'x')", "Mail.Send"},
	} {
		_, err := db.Exec(c.sql)
		want := "403 ErrorAccessDenied"
		advice := "; the sign-in needs " + c.scope + " (add it to Scope and run outlooksql login again)"
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), advice) || !strings.Contains(err.Error(), "0 of 1 changes were made") {
			t.Errorf("%s:\n error %v\n want %q … %q", c.sql, err, want, advice)
		}
	}
}
