package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestExtensionInSQLiteShell builds the loadable extension, loads it into
// Debian's sqlite3 shell, configures it with outlooksql_configure and checks
// the rows against the fake tenant's model: the same tables, configured the
// way a host that is not Go configures them.
func TestExtensionInSQLiteShell(t *testing.T) {
	shell, so := extension(t)

	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 2, MessagesPerUser: 300})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	script := strings.Join([]string{
		".load " + so,
		".mode list",
		"SELECT outlooksql_configure('" + strings.ReplaceAll(env.ConnString(), "'", "''") + "') > 0;",
		".mode json",
		"SELECT id, subject, is_read FROM messages ORDER BY id;",
		"SELECT count(*) AS n FROM messages WHERE folder_id = 'inbox';",
		"SELECT count(*) AS n FROM messages WHERE id IN (SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 3);",
	}, "\n")
	cmd := exec.Command(shell, ":memory:")
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("sqlite3: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	first, rest, ok := strings.Cut(out, "\n")
	if !ok || first != "1" {
		t.Fatalf("outlooksql_configure: got %q", first)
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	var got []struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
		IsRead  int    `json:"is_read"`
	}
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode rows: %v\n%s", err, out)
	}
	me := tenant.Users[0]
	var want []string
	inbox := 0
	var inboxID string
	for _, f := range me.Folders {
		if f.WellKnownName == "inbox" {
			inboxID = f.ID
		}
	}
	for _, m := range me.Messages {
		want = append(want, m.ID)
		if m.ParentFolderID == inboxID {
			inbox++
		}
	}
	slices.Sort(want)
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("messages through the extension: %d ids, want %d (first %v)", len(ids), len(want), ids[:min(3, len(ids))])
	}
	for _, wantN := range []int{inbox, 3} {
		var n []struct{ N int }
		if err := dec.Decode(&n); err != nil || len(n) != 1 || n[0].N != wantN {
			t.Errorf("count: got %v (%v), want %d", n, err, wantN)
		}
	}
	// Nothing secret leaks into what the host printed.
	if strings.Contains(out, fakegraph.ClientSecret) {
		t.Error("the client secret appears in the shell's output")
	}
	if _, err := os.Stat(env.TokenFile); err != nil {
		t.Error(err)
	}
}
