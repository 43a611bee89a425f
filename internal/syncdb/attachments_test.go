package syncdb

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/graph"
)

// staticToken hands out one access token.
type staticToken string

func (s staticToken) AccessToken(context.Context) (string, error) { return string(s), nil }
func (staticToken) Reject(string)                                 {}

// tenantSync serves a generated one-mailbox tenant and returns the server,
// the signed-in user and sync options for it.
func tenantSync(t *testing.T, messages int, tables ...string) (*fakegraph.Server, *fakegraph.User, Options) {
	t.Helper()
	srv := fakegraph.New(fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 3, MessagesPerUser: messages}))
	t.Cleanup(srv.Close)
	u := srv.Tenant().Users[0]
	c := graph.New(graph.Options{BaseURL: srv.GraphURL(), Tokens: staticToken(srv.IssueAccessToken(u.UserPrincipalName)), MaxPerMailbox: 4})
	return srv, u, Options{Client: c, Path: filepath.Join(t.TempDir(), "mail.db"), Tables: tables, Mailboxes: []string{"me"}}
}

// wantAttachments renders the tenant's attachments of the user's messages
// that Graph marks hasAttachments, as the attachments table should hold
// them, sorted.
func wantAttachments(srv *fakegraph.Server, u *fakegraph.User) (rows [][]string, withAttachments int) {
	str := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return s
	}
	for _, m := range srv.Snapshot().Users[0].Messages {
		if !m.HasAttachments() {
			continue
		}
		withAttachments++
		for _, a := range m.Attachments {
			inline := "0"
			if a.IsInline {
				inline = "1"
			}
			rows = append(rows, []string{u.ID, m.ID, a.ID, a.Kind, a.Name, str(a.ContentType), fmt.Sprint(a.Size), inline,
				a.LastModified.UTC().Format("2006-01-02T15:04:05Z"), str(a.ContentID)})
		}
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	return rows, withAttachments
}

const attachmentsQuery = `SELECT user_id, message_id, id, kind, name, content_type, size, is_inline, last_modified_date_time, content_id
	FROM attachments ORDER BY user_id, message_id, id`

func sortRows(rows [][]string) [][]string {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	return rows
}

// batches counts the POST /$batch requests the server has seen.
func batches(srv *fakegraph.Server) (n int) {
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/$batch") {
			n++
		}
	}
	return n
}

func TestAttachmentsMetadataFollowsMessages(t *testing.T) {
	srv, u, o := tenantSync(t, 1200, "messages", "mail_folders", "attachments")
	srv.ResetRequests()
	mustRun(t, o)
	want, with := wantAttachments(srv, u)
	if with < 40 {
		t.Fatalf("the generated mailbox has only %d messages with attachments: too few to measure batching", with)
	}
	if got := sortRows(query(t, o.Path, attachmentsQuery)); !reflect.DeepEqual(got, want) {
		t.Fatalf("first sync: %d attachment rows, want %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
	// One $batch per 20 such messages of a folder: at most one partial
	// batch per folder on top of with/20.
	perFolder := query(t, o.Path, "SELECT count(*) FROM messages WHERE has_attachments = 1 GROUP BY parent_folder_id")
	wantBatches := 0
	for _, r := range perFolder {
		var n int
		fmt.Sscan(r[0], &n)
		wantBatches += (n + 19) / 20
	}
	if got := batches(srv); got != wantBatches || got > with/20+len(perFolder) {
		t.Errorf("first sync sent %d $batch requests for %d messages with attachments in %d folders, want %d", got, with, len(perFolder), wantBatches)
	}
	t.Logf("first sync: %d messages with attachments, %d attachment rows, %d $batch requests", with, len(want), wantBatches)

	// A no-change run reads no attachments.
	srv.ResetRequests()
	mustRun(t, o)
	if got := batches(srv); got != 0 {
		t.Errorf("a run with no changes sent %d $batch requests, want 0", got)
	}

	// One message's attachments change, another's are all removed, a
	// third message is deleted, a fourth gains one.
	var changed, emptied, deleted, gained, moved string
	srv.Update(func(tn *fakegraph.Tenant) {
		box := tn.Users[0]
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for i, m := range box.Messages {
			switch {
			case changed == "" && m.HasAttachments() && len(m.Attachments) >= 1:
				changed = m.ID
				m.Attachments = append(m.Attachments[1:], &fakegraph.Attachment{Kind: "file", ID: "AAMkNewAttachment=", Name: "new.csv",
					ContentType: "text/csv", Size: 42, LastModified: now, Content: []byte("a,b\n")})
				m.ChangeKey, m.LastModifiedDateTime = "CQAAABYAAAnew1", now
			case emptied == "" && m.HasAttachments() && m.ID != changed:
				emptied = m.ID
				m.Attachments = nil
				m.ChangeKey, m.LastModifiedDateTime = "CQAAABYAAAnew2", now
			case deleted == "" && m.HasAttachments() && m.ID != changed && m.ID != emptied:
				deleted = m.ID
				box.Messages = slices.Delete(box.Messages, i, i+1)
			case moved == "" && m.HasAttachments() && m.ID != changed && m.ID != emptied && m.ID != deleted:
				moved = m.ID
				for _, f := range box.Folders {
					if f.ID != m.ParentFolderID && f.DisplayName == "Archive" {
						m.ParentFolderID = f.ID
					}
				}
				m.ChangeKey, m.LastModifiedDateTime = "CQAAABYAAAnew4", now
			case gained == "" && !m.HasAttachments() && len(m.Attachments) == 0:
				gained = m.ID
				m.Attachments = []*fakegraph.Attachment{{Kind: "reference", ID: "AAMkRef=", Name: "plan.docx", Size: 7, LastModified: now}}
				m.ChangeKey, m.LastModifiedDateTime = "CQAAABYAAAnew3", now
			}
			if changed != "" && emptied != "" && deleted != "" && gained != "" && moved != "" {
				break
			}
		}
	})
	srv.ResetRequests()
	s := mustRun(t, o)
	want, _ = wantAttachments(srv, u)
	if got := sortRows(query(t, o.Path, attachmentsQuery)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after changes: %d attachment rows, want %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
	for _, tc := range []struct{ id, want string }{{changed, "new.csv"}, {emptied, ""}, {deleted, ""}, {gained, "plan.docx"}} {
		got := query(t, o.Path, "SELECT group_concat(name) FROM attachments WHERE message_id = ? AND name IN ('new.csv', 'plan.docx')", tc.id)
		if g := strings.ReplaceAll(got[0][0], "NULL", ""); g != tc.want {
			t.Errorf("message %s: new attachment names %q, want %q", tc.id, g, tc.want)
		}
	}
	// The changed, gaining and moved messages are read (the emptied one
	// has no attachments to read): one $batch per folder they are in.
	if got := batches(srv); got < 1 || got > 3 {
		t.Errorf("the change run sent %d $batch requests, want 1 to 3", got)
	}
	if s.Deleted != 1 || s.Changed != 3 || s.Moved != 1 {
		t.Errorf("change run counts %+v, want 1 deleted, 3 changed, 1 moved", countsOf(s))
	}
	// The moved message's rows stayed, whichever folder's round came first.
	if got := query(t, o.Path, "SELECT count(*) > 0 FROM attachments WHERE message_id = ?", moved); got[0][0] != "1" {
		t.Errorf("the moved message %s lost its attachments", moved)
	}
}

// firstDiff shows the first row where got and want differ.
func firstDiff(got, want [][]string) string {
	for i := range max(len(got), len(want)) {
		var g, w []string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("row %d: got  %q\n        want %q", i, g, w)
		}
	}
	return "none"
}

func TestAttachmentsNeedMessages(t *testing.T) {
	_, err := Run(context.Background(), Options{Client: graph.New(graph.Options{BaseURL: "http://127.0.0.1:1/v1.0"}),
		Path: filepath.Join(t.TempDir(), "x.db"), Tables: []string{"attachments"}})
	if err == nil || !strings.Contains(err.Error(), "add messages to --tables") {
		t.Errorf("attachments alone: err = %v, want one asking for messages", err)
	}
}

// A file synced without attachments gets those of every message when
// attachments are turned on: each folder is read again once.
func TestAttachmentsTurnedOnLater(t *testing.T) {
	srv, u, o := tenantSync(t, 600, "messages", "mail_folders")
	mustRun(t, o)
	o.Tables = append(o.Tables, "attachments")
	srv.ResetRequests()
	s := mustRun(t, o)
	want, with := wantAttachments(srv, u)
	if got := sortRows(query(t, o.Path, attachmentsQuery)); !reflect.DeepEqual(got, want) {
		t.Fatalf("attachments turned on: %d rows, want %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
	if s.Added != 0 || s.Changed != 0 || s.Deleted != 0 {
		t.Errorf("turning attachments on counted %+v, want no message changes", countsOf(s))
	}
	if got := batches(srv); got == 0 || got > with {
		t.Errorf("turning attachments on sent %d $batch requests for %d messages with attachments", got, with)
	}
	links := query(t, o.Path, "SELECT count(*), sum(select_list LIKE '%;attachments') FROM _outlooksql_delta WHERE resource = 'messages'")
	if links[0][0] != links[0][1] || links[0][0] == "0" {
		t.Errorf("messages links (count, with the attachments marker) = %v", links[0])
	}
}
