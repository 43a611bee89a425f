package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// writesSeen lists the requests the fake received that are not reads
// (GET, or the token endpoint's POSTs), as "METHOD path", each $batch
// replaced by the writes inside it.
func writesSeen(srv *fakegraph.Server) []string {
	var out []string
	for _, r := range writeRequests(srv) {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// writeRequests returns the Graph requests the fake received that are not
// reads (GET, or the token endpoint's POSTs), each $batch replaced by the
// writes inside it (a batch of GETs is no write), with their statuses.
func writeRequests(srv *fakegraph.Server) []fakegraph.Request {
	var out []fakegraph.Request
	var add func(rs []fakegraph.Request)
	add = func(rs []fakegraph.Request) {
		for _, r := range rs {
			switch {
			case r.Method == http.MethodGet || !strings.HasPrefix(r.Path, "/v1.0/"):
			case r.Path == "/v1.0/$batch":
				add(r.Inner)
			default:
				out = append(out, r)
			}
		}
	}
	add(srv.Requests())
	return out
}

// failedWrites lists, as "METHOD path -> status", the writes the fake
// received that it did not answer with a 2xx.
func failedWrites(srv *fakegraph.Server) []string {
	var out []string
	for _, r := range writeRequests(srv) {
		if r.Status < 200 || r.Status > 299 {
			out = append(out, fmt.Sprintf("%s %s -> %d", r.Method, r.Path, r.Status))
		}
	}
	return out
}

// plainIDs returns the ids the plain copy's query selects; it fails the
// test when there are fewer than min.
func (f *tenantFixture) plainIDs(t *testing.T, query string, min int) []string {
	t.Helper()
	rows, err := f.plain.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) < min {
		t.Fatalf("%s: %d ids, want at least %d: the test would prove little", query, len(ids), min)
	}
	return ids
}

// unreadHighQuery counts the signed-in user's unread mail of high
// importance: what the tests' UPDATE … SET is_read = 1 WHERE importance =
// 'high' leaves at 0. Its answer reads "unread high: N", which the echo of
// the statement on a terminal does not contain.
const unreadHighQuery = "SELECT printf('unread high: %d', count(*)) FROM messages WHERE importance = 'high' AND is_read = 0"

// unreadHigh counts, on the fake itself, the signed-in user's unread
// messages of high importance.
func (f *tenantFixture) unreadHigh(t *testing.T) int {
	t.Helper()
	for _, u := range f.env.Server.Snapshot().Users {
		if u.UserPrincipalName != f.env.User {
			continue
		}
		n := 0
		for _, m := range u.Messages {
			if m.Importance == "high" && !m.IsRead {
				n++
			}
		}
		return n
	}
	t.Fatalf("the fake has no user %s", f.env.User)
	return 0
}

// needUnreadHigh fails the test unless the signed-in user has at least min
// unread messages of high importance: a test that marks them read would
// prove little otherwise.
func (f *tenantFixture) needUnreadHigh(t *testing.T, min int) {
	t.Helper()
	if n := f.unreadHigh(t); n < min {
		t.Fatalf("the fixture has %d unread messages of high importance, want at least %d: the test would prove little", n, min)
	}
}

// wouldSend returns explain's "would send:" lines, sorted, and its dry-run
// count line.
func wouldSend(out string) (lines []string, count string) {
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "would send: "):
			lines = append(lines, l)
		case strings.HasPrefix(l, "dry run: "):
			count = l
		}
	}
	slices.Sort(lines)
	return lines, count
}

// TestExplainWriteIsDryRun: explain on a write statement runs its reads,
// lists each request it would send, with its body, and sends none: the
// fake receives GETs only.
func TestExplainWriteIsDryRun(t *testing.T) {
	f := newTenantFixture(t)
	high := f.plainIDs(t, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'", 3)
	perID := func(format string, ids []string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, fmt.Sprintf(format, id))
		}
		slices.Sort(out)
		return out
	}
	long := strings.Repeat("x", 1000)
	longBody := `{"message":{"body":{"content":"` + long + `"},"subject":"Long","toRecipients":[{"emailAddress":{"address":"a@example.com"}}]},"saveToSentItems":true}`
	tests := []struct {
		name, sql string
		want      []string // the would-send lines, sorted
		scans     bool     // the statement reads messages first
	}{
		{"update", "UPDATE messages SET is_read = 1 WHERE importance = 'high'",
			perID(`would send: PATCH /me/messages/%s {"isRead":true}`, high), true},
		{"delete", "DELETE FROM messages WHERE importance = 'high'",
			perID(`would send: DELETE /me/messages/%s`, high), true},
		{"replies", "INSERT INTO replies (message_id, comment) SELECT id, 'Thanks!' FROM messages WHERE importance = 'high'",
			perID(`would send: POST /me/messages/%s/reply {"comment":"Thanks!"}`, high), true},
		{"outbox", "INSERT INTO outbox (to_recipients, subject, body) VALUES ('a@example.com', 'Report', 'Hello')",
			[]string{`would send: POST /me/sendMail {"message":{"body":{"content":"Hello"},"subject":"Report","toRecipients":[{"emailAddress":{"address":"a@example.com"}}]},"saveToSentItems":true}`}, false},
		{"long body clipped", "INSERT INTO outbox (to_recipients, subject, body) VALUES ('a@example.com', 'Long', '" + long + "')",
			[]string{fmt.Sprintf("would send: POST /me/sendMail %s… (%d bytes)", longBody[:maxBody], len(longBody))}, false},
		{"nothing matches", "UPDATE messages SET is_read = 1 WHERE subject = 'no such subject, surely'", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.env.Server.ResetRequests()
			out, errOut, err := cli("explain", "-c", f.env.ConnString(), tc.sql)
			if err != nil {
				t.Fatalf("explain: %v\n%s", err, errOut)
			}
			lines, count := wouldSend(out)
			if !slices.Equal(lines, tc.want) {
				t.Errorf("would send:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
			}
			wantCount := fmt.Sprintf("dry run: %d %s would be sent; nothing was sent", len(tc.want), plural(int64(len(tc.want)), "request"))
			if count != wantCount {
				t.Errorf("count line %q, want %q", count, wantCount)
			}
			if got := strings.Contains(out, "scan 1: messages"); got != tc.scans {
				t.Errorf("scan listed: %v, want %v:\n%s", got, tc.scans, out)
			}
			if w := writesSeen(f.env.Server); len(w) > 0 {
				t.Errorf("a dry run sent writes: %v", w)
			}
		})
	}

	// A read lists no dry run.
	out, _, err := cli("explain", "-c", f.env.ConnString(), "SELECT id FROM messages LIMIT 2")
	if err != nil || strings.Contains(out, "would send") || strings.Contains(out, "dry run") {
		t.Errorf("explain of a read: %v\n%s", err, out)
	}
}

// TestShellExplainModeIsDryRun: in the shell, .explain on makes writes
// dry runs too; .explain off sends them again.
func TestShellExplainModeIsDryRun(t *testing.T) {
	f := newTenantFixture(t)
	high := f.plainIDs(t, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'", 3)
	var out, errb bytes.Buffer
	script := ".explain on\nUPDATE messages SET flag_status = 'flagged' WHERE importance = 'high';\n"
	err := run(context.Background(), []string{"shell", "-c", f.env.ConnString()}, strings.NewReader(script), &out, &errb)
	if err != nil {
		t.Fatalf("shell: %v\n%s", err, errb.String())
	}
	lines, count := wouldSend(out.String())
	if len(lines) != len(high) || count != fmt.Sprintf("dry run: %d requests would be sent; nothing was sent", len(high)) {
		t.Errorf("want %d would-send lines:\n%s", len(high), out.String())
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, ` {"flag":{"flagStatus":"flagged"}}`) {
			t.Errorf("line %q: want the flag's PATCH body", l)
		}
	}
	if w := writesSeen(f.env.Server); len(w) > 0 {
		t.Errorf("a dry run sent writes: %v", w)
	}
}

// TestWritesDoNotAskWithoutATerminal: a script piped to the shell, and
// query, send a write of several items without a question.
func TestWritesDoNotAskWithoutATerminal(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const update = "UPDATE messages SET is_read = 1 WHERE importance = 'high'"
	for _, tc := range []struct {
		name string
		args func(conn string) []string
	}{
		{"shell", func(conn string) []string { return []string{"shell", "-c", conn} }},
		{"query", func(conn string) []string { return []string{"query", "-c", conn, update} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTenantFixture(t) // each its own tenant: both must make the change
			f.needUnreadHigh(t, 2)
			cmd := exec.Command(exe, tc.args(f.env.ConnString())...)
			cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
			if tc.name == "shell" {
				cmd.Stdin = strings.NewReader(update + ";\n")
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if err != nil || stdout.Len() > 0 || stderr.Len() > 0 {
				t.Errorf("%s: %v; want exit 0 and no output:\n%s%s", tc.name, err, stdout.String(), stderr.String())
			}
			if len(writesSeen(f.env.Server)) == 0 {
				t.Errorf("no write reached the fake:\n%s%s", stdout.String(), stderr.String())
			}
			if bad := failedWrites(f.env.Server); len(bad) > 0 {
				t.Errorf("the fake refused %v", bad)
			}
			if n := f.unreadHigh(t); n != 0 {
				t.Errorf("after the UPDATE, %d messages of high importance are still unread; want 0", n)
			}
		})
	}
}

func TestIsWrite(t *testing.T) {
	for stmt, want := range map[string]bool{
		"UPDATE messages SET is_read = 1":           true,
		"  -- note\n delete from messages":          true,
		"INSERT INTO outbox (subject) VALUES ('x')": true,
		"REPLACE INTO t VALUES (1)":                 true,
		"COMMIT":                                    true,
		"end":                                       true,
		"WITH x AS (SELECT id FROM messages) UPDATE messages SET is_read = 1 WHERE id IN x": true,
		"SELECT id FROM messages":                                 false,
		"WITH x AS (SELECT 1) SELECT * FROM x":                    false,
		"SELECT last_modified_date_time AS updated FROM messages": false,
		"BEGIN": false,
	} {
		if got := isWrite(stmt); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", stmt, got, want)
		}
	}
}

// TestProgressPause: while a question is on the terminal the progress line
// is erased and not drawn; after resume it is drawn again.
func TestProgressPause(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b}
	p.draw("messages: 10 rows, 1 page")
	resume := p.pause()
	p.draw("messages: 20 rows, 1 page")
	paused := b.String()
	resume()
	p.draw("messages: 30 rows, 1 page")
	if want := "\rmessages: 10 rows, 1 page\x1b[K\r\x1b[K"; paused != want {
		t.Errorf("up to the question: %q, want %q", paused, want)
	}
	if got, want := strings.TrimPrefix(b.String(), paused), "\rmessages: 30 rows, 1 page\x1b[K"; got != want {
		t.Errorf("after it: %q, want %q", got, want)
	}
	(*progress)(nil).pause()() // no progress line: nothing to do
}
