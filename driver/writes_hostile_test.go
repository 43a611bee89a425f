package driver_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Hostile tests of the write path: statement shapes and failures that a
// straightforward use does not meet.

// newDraft creates a draft and returns its id.
func newDraft(t *testing.T, e *env, subject string) string {
	t.Helper()
	if err := e.exec("INSERT INTO messages (subject, body, body_content_type, to_recipients) VALUES (?, 'text', 'text', 'bob@contoso.com')", subject); err != nil {
		t.Fatal(err)
	}
	return e.raw(t, "SELECT last_insert_id()")[0][0]
}

// before reports whether, in writesSent's list, the request starting with
// first was answered before the one starting with then was sent: first
// comes earlier, and a request boundary lies between them (then is a
// request of its own or of a later $batch).
func before(sent []string, first, then string) bool {
	i := slices.IndexFunc(sent, func(s string) bool { return strings.HasPrefix(s, first) })
	j := slices.IndexFunc(sent, func(s string) bool { return strings.HasPrefix(s, then) })
	if i < 0 || j < 0 || j < i {
		return false
	}
	for k := i + 1; k <= j; k++ {
		if strings.HasPrefix(sent[k], "$batch") {
			return true
		}
	}
	// No $batch line between: then is a standalone request, unless first
	// and then share a $batch opened before first.
	for k := i; k >= 0; k-- {
		if strings.HasPrefix(sent[k], "$batch") {
			return false
		}
	}
	return true
}

// A transaction that edits a draft, attaches a file to it and then sends
// it must send the draft as edited: the send waits for the changes that
// precede it, never racing them inside one $batch.
func TestHostileEditAttachThenSendInOneTransaction(t *testing.T) {
	e := newWriteEnv(t)
	d := newDraft(t, e, "draft subject")
	big := make([]byte, 3<<20+10) // an upload session
	e.Server.ResetRequests()
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{"BEGIN", nil},
		{"UPDATE messages SET subject = 'final subject' WHERE id = ?", []any{d}},
		{"INSERT INTO attachments (message_id, name, content_type, content) VALUES (?, 'a.txt', 'text/plain', x'41')", []any{d}},
		{"INSERT INTO attachments (message_id, name, content_type, content) VALUES (?, 'big.bin', 'application/octet-stream', ?)", []any{d, big}},
		{"INSERT INTO outbox (draft_id) VALUES (?)", []any{d}},
		{"COMMIT", nil},
	} {
		if err := e.exec(s.sql, s.args...); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
	}
	sent := writesSent(e)
	p := "PATCH /v1.0/me/messages/" + d
	a := "POST /v1.0/me/messages/" + d + "/attachments "
	u := "POST /v1.0/me/messages/" + d + "/attachments/createUploadSession"
	s := "POST /v1.0/me/messages/" + d + "/send"
	for _, first := range []string{p, a, u} {
		if !before(sent, first, s) {
			t.Errorf("%q was not answered before the send was sent:\n  %s", first, strings.Join(sent, "\n  "))
		}
	}
	u0 := mine(e)
	m := byID(u0)[d]
	if m == nil || m.IsDraft || m.Subject != "final subject" || len(m.Attachments) != 2 {
		t.Fatalf("the sent message: %+v", m)
	}
}

// reply_all picks reply or replyAll: a value that is not 0 or 1 (or
// 'true'/'false') is an error before any request, never a reply to
// everyone; 'false' and 0 reply to the sender only.
func TestHostileReplyAllTakesOnlyZeroOrOne(t *testing.T) {
	e := newWriteEnv(t)
	id := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 LIMIT 1")[0]
	for _, v := range []any{"no", "all", int64(2), 0.5} {
		e.Server.ResetRequests()
		err := e.exec("INSERT INTO replies (message_id, comment, reply_all) VALUES (?, 'x', ?)", id, v)
		if err == nil || !strings.Contains(err.Error(), "replies.reply_all takes 0 or 1, not ") {
			t.Errorf("reply_all = %v: error %v, want one that names reply_all", v, err)
		}
		if got := writesSent(e); len(got) != 0 {
			t.Errorf("reply_all = %v: sent %q, want nothing", v, got)
		}
	}
	// 'true', '1' and 1 reply to all; 0 and '0' reply to the sender.
	for _, c := range []struct {
		v    any
		want string
	}{{int64(1), "/replyAll "}, {"true", "/replyAll "}, {int64(0), "/reply "}, {"0", "/reply "}, {"false", "/reply "}} {
		e.Server.ResetRequests()
		if err := e.exec("INSERT INTO replies (message_id, comment, reply_all) VALUES (?, 'x', ?)", id, c.v); err != nil {
			t.Fatalf("reply_all = %v: %v", c.v, err)
		}
		if got := writesSent(e); len(got) != 1 || !strings.Contains(got[0], c.want) {
			t.Errorf("reply_all = %v: sent %q, want one %s", c.v, got, c.want)
		}
	}
}

// An INSERT into messages that gives both folder_id and parent_folder_id
// cannot honour both: an error before any request, not one silently
// ignored.
func TestHostileInsertWithTwoFolders(t *testing.T) {
	e := newWriteEnv(t)
	e.Server.ResetRequests()
	err := e.exec("INSERT INTO messages (subject, folder_id, parent_folder_id) VALUES ('x', 'inbox', 'archive')")
	if err == nil || !strings.Contains(err.Error(), "messages: give folder_id or parent_folder_id, not both") {
		t.Errorf("error %v", err)
	}
	if n := writeCount(e); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
	// The same folder twice is no contradiction.
	if err := e.exec("INSERT INTO messages (subject, folder_id, parent_folder_id) VALUES ('y', 'archive', 'archive')"); err != nil {
		t.Fatal(err)
	}
	id := e.raw(t, "SELECT last_insert_id()")[0][0]
	u := mine(e)
	if m := byID(u)[id]; m == nil || m.ParentFolderID != folderID(u, "archive") {
		t.Errorf("the draft: %+v", m)
	}
}

// NULL is not a value of a flag, a Boolean or a choice: an error naming
// the column, before any request (Graph refuses null there, or, for
// isRead, a lenient server would silently make it false). Lists (categories,
// recipients) set to NULL become empty: Graph refuses null collections.
func TestHostileNullWrites(t *testing.T) {
	e := newWriteEnv(t)
	id := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 AND is_read = 1 LIMIT 1")[0]
	d := newDraft(t, e, "null test")
	for _, c := range []struct{ col, want string }{
		{"is_read", "messages.is_read takes 0 or 1, not NULL"},
		{"is_read_receipt_requested", "messages.is_read_receipt_requested takes 0 or 1, not NULL"},
		{"flag_status", "messages.flag_status takes one of notFlagged, complete, flagged, not NULL"},
		{"importance", "messages.importance takes one of low, normal, high, not NULL"},
		{"inference_classification", "messages.inference_classification takes one of focused, other, not NULL"},
	} {
		e.Server.ResetRequests()
		err := e.exec("UPDATE messages SET "+c.col+" = NULL WHERE id = ?", id)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SET %s = NULL: error %v, want %q", c.col, err, c.want)
		}
		if got := writesSent(e); len(got) != 0 {
			t.Errorf("SET %s = NULL: sent %q", c.col, got)
		}
	}
	if m := byID(mine(e))[id]; !m.IsRead {
		t.Errorf("is_read became false")
	}
	e.Server.ResetRequests()
	if err := e.exec("UPDATE messages SET categories = NULL WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	if err := e.exec("UPDATE messages SET to_recipients = NULL, cc_recipients = NULL WHERE id = ?", d); err != nil {
		t.Fatal(err)
	}
	want := []string{`PATCH /v1.0/me/messages/` + id + ` {"categories":[]}`, `PATCH /v1.0/me/messages/` + d + ` {"ccRecipients":[],"toRecipients":[]}`}
	if got := writesSent(e); !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

// A move cut by the statement's Timeout after its batch was sent may have
// happened: the error says so for each move, and does not claim that
// nothing changed.
func TestHostileTimeoutDuringMovesMayHaveHappened(t *testing.T) {
	e := newWriteEnv(t, "Timeout=1")
	ids := e.column(t, "SELECT id FROM messages WHERE folder_id = 'inbox' AND is_draft = 0 LIMIT 3")
	e.Server.SetLatency(700 * time.Millisecond) // the scan's page, then the batch: over 1 s
	e.Server.ResetRequests()
	err := e.exec("UPDATE messages SET parent_folder_id = 'archive' WHERE id IN (?, ?, ?)", ids[0], ids[1], ids[2])
	e.Server.SetLatency(0)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Count(msg, "the request may have happened") != 3 || !strings.Contains(msg, "statement timed out after 1s (connection key Timeout)") {
		t.Errorf("error:\n%s\nwant each move to say it may have happened, and the timeout", msg)
	}
	if !strings.Contains(msg, "0 of 3 changes were made, and 3 more may have been; 3 failed:") {
		t.Errorf("error claims no change was made:\n%s", msg)
	}
}

// SQLite lets no trigger, TEMP ones included, change a DIRECTONLY table:
// a TEMP trigger that would change mail fails before any request, while
// the user's TEMP views and triggers may read mail.
func TestHostileTempTriggerCannotWrite(t *testing.T) {
	e := newWriteEnv(t)
	id := e.column(t, "SELECT id FROM messages WHERE is_read = 1 AND is_draft = 0 LIMIT 1")[0]
	for _, s := range []string{
		"CREATE TEMP TABLE log(id TEXT)",
		"CREATE TEMP TRIGGER tr AFTER INSERT ON log BEGIN UPDATE messages SET is_read = 0 WHERE id = new.id; END",
		"CREATE TEMP VIEW unread AS SELECT id FROM messages WHERE is_read = 0",
	} {
		if err := e.exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	e.Server.ResetRequests()
	err := e.exec("INSERT INTO log VALUES (?)", id)
	if err == nil || !strings.Contains(err.Error(), `unsafe use of virtual table "messages"`) {
		t.Errorf("a TEMP trigger's UPDATE: %v", err)
	}
	if n := len(e.Server.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
	n := e.raw(t, "SELECT count(*) FROM unread")[0][0]
	if err := e.exec("UPDATE messages SET is_read = 1 WHERE id IN (SELECT id FROM unread LIMIT 1)"); err != nil {
		t.Fatal(err)
	}
	if m := e.raw(t, "SELECT count(*) FROM unread")[0][0]; m == n {
		t.Errorf("unread %s before and after, want one fewer", n)
	}
}
