package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestWritesInSQLiteShell: in Debian's sqlite3 with the extension (no
// driver marks the statements), typed writes change mail: an UPDATE in
// autocommit, a draft whose id last_insert_id() returns, a transaction
// sent at COMMIT, and one rolled back that sends nothing.
func TestWritesInSQLiteShell(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 60})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	unread := 0
	for _, m := range tenant.Users[0].Messages {
		if !m.IsRead {
			unread++
		}
	}
	if unread < 2 {
		t.Fatalf("the tenant has %d unread messages", unread)
	}
	stdout, stderr := runConfigured(t, env.ConnString(),
		"UPDATE messages SET is_read = 1 WHERE is_read = 0;",
		"SELECT 'unread', count(*) FROM messages WHERE is_read = 0;",
		"INSERT INTO messages (subject, to_recipients) VALUES ('from the shell', 'bob@contoso.com');",
		"SELECT 'draft', subject, is_draft FROM messages WHERE id = last_insert_id();",
		"BEGIN;",
		"UPDATE messages SET flag_status = 'flagged' WHERE id = last_insert_id();",
		"ROLLBACK;",
		"SELECT 'after rollback', flag_status FROM messages WHERE id = last_insert_id();",
		"BEGIN;",
		"UPDATE messages SET importance = 'high' WHERE id = last_insert_id();",
		"DELETE FROM messages WHERE is_draft = 1 AND subject != 'from the shell';",
		"COMMIT;",
		"SELECT 'after commit', importance, (SELECT count(*) FROM messages WHERE is_draft = 1) FROM messages WHERE id = last_insert_id();",
	)
	want := strings.Join([]string{
		"1",
		"unread|0",
		"draft|from the shell|1",
		"after rollback|notFlagged",
		"after commit|high|1",
		"",
	}, "\n")
	if stdout != want || stderr != "" {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", stdout, want, stderr)
	}
	patches := 0
	for _, r := range env.Server.Requests() {
		for _, x := range append([]fakegraph.Request{r}, r.Inner...) {
			if x.Method == "PATCH" {
				patches++
			}
		}
	}
	// The unread ones, then the importance: the rolled-back flag never went.
	if patches != unread+1 {
		t.Errorf("%d PATCHes, want %d (%s)", patches, unread+1, strconv.Quote(strings.Join(writesSeen(env.Server), "; ")))
	}
}
