package main

import (
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// writesSeen lists the requests the fake received that are not reads
// (GETs, or the token endpoint's POSTs).
func writesSeen(srv *fakegraph.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/v1.0/") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// TestStoredTriggersCannotWrite: triggers stored in a database file that
// mark mail read, send a message or reply to every message fire when the
// user inserts into the file's own tables in Debian's sqlite3 with the
// extension. On a connection that may write, SQLite refuses them ("unsafe
// use of virtual table": the mail tables are DIRECTONLY) and the fake
// receives no write. On a ReadOnly=True connection the tables are usable
// from the file, and every write, stored or typed, fails read-only before
// any request.
func TestStoredTriggersCannotWrite(t *testing.T) {
	shell, so := extension(t)
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 7, Users: 1, MessagesPerUser: 20})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	var unread int
	for _, m := range tenant.Users[0].Messages {
		if !m.IsRead {
			unread++
		}
	}
	if unread == 0 {
		t.Fatal("the tenant has no unread mail: the test would prove nothing")
	}

	db := filepath.Join(t.TempDir(), "triggers.db")
	// Made without the extension: SQLite stores the SQL as written.
	_, stderr := runScript(t, shell, db, strings.Join([]string{
		"CREATE TABLE notes(x);",
		"CREATE TABLE orders(x);",
		"CREATE TABLE tickets(x);",
		"CREATE TRIGGER mark_read AFTER INSERT ON notes BEGIN UPDATE messages SET is_read = 1; END;",
		"CREATE TRIGGER send AFTER INSERT ON orders BEGIN INSERT INTO outbox (to_recipients, subject, body) VALUES ('attacker@example.com', 'hello', 'from your mailbox'); END;",
		"CREATE TRIGGER thank AFTER INSERT ON tickets BEGIN INSERT INTO replies (message_id, comment) SELECT id, 'Thanks!' FROM messages; END;",
	}, "\n"))
	if stderr != "" {
		t.Fatalf("making the file: %s", stderr)
	}
	configure := func(conn string) string {
		return "SELECT outlooksql_configure('" + strings.ReplaceAll(conn, "'", "''") + "') > 0;"
	}

	env.Server.ResetRequests()
	stdout, stderr := runScript(t, shell, db, strings.Join([]string{
		".load " + so,
		".mode list",
		configure(env.ConnString()),
		"INSERT INTO notes VALUES (1);",
		"INSERT INTO orders VALUES (1);",
		"INSERT INTO tickets VALUES (1);",
		"SELECT 'rows', (SELECT count(*) FROM notes) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM tickets);",
		"SELECT 'unread', count(*) FROM messages WHERE is_read = 0;",
	}, "\n"))
	wantErr := strings.Join([]string{
		`Parse error near line 4: unsafe use of virtual table "messages"`,
		`Parse error near line 5: unsafe use of virtual table "outbox"`,
		`Parse error near line 6: unsafe use of virtual table "replies"`,
		"",
	}, "\n")
	wantOut := "1\nrows|0\nunread|" + strconv.Itoa(unread) + "\n"
	if stdout != wantOut || stderr != wantErr {
		t.Errorf("writable: stdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", stdout, wantOut, stderr, wantErr)
	}
	if w := writesSeen(env.Server); len(w) > 0 {
		t.Errorf("writable: the fake received writes: %v", w)
	}

	env.Server.ResetRequests()
	stdout, stderr = runScript(t, shell, db, strings.Join([]string{
		".load " + so,
		".mode list",
		configure(env.ConnString("ReadOnly=True")),
		"INSERT INTO notes VALUES (2);",
		"INSERT INTO orders VALUES (2);",
		"INSERT INTO tickets VALUES (2);",
		"UPDATE messages SET is_read = 1;",
		"INSERT INTO outbox (to_recipients, subject, body) VALUES ('someone@example.com', 'hi', 'typed');",
		"SELECT 'rows', (SELECT count(*) FROM notes) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM tickets);",
		"SELECT 'unread', count(*) FROM messages WHERE is_read = 0;",
	}, "\n"))
	readOnly := func(line int, table string) string {
		return "Runtime error near line " + strconv.Itoa(line) + ": " + table + ": the connection is read-only (ReadOnly=True): no change was sent; open it without ReadOnly=True to change mail"
	}
	wantErr = strings.Join([]string{
		readOnly(4, "messages"),
		readOnly(5, "outbox"),
		readOnly(6, "replies"),
		readOnly(7, "messages"),
		readOnly(8, "outbox"),
		"",
	}, "\n")
	if stdout != wantOut || stderr != wantErr {
		t.Errorf("read-only: stdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", stdout, wantOut, stderr, wantErr)
	}
	if w := writesSeen(env.Server); len(w) > 0 {
		t.Errorf("read-only: the fake received writes: %v", w)
	}
}
