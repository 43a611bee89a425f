package main

import (
	"bytes"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestScopeKeyFromSubqueryWithOrInSQLiteShell runs, in Debian's sqlite3
// (3.40, which plans OR branches without the terms that hold a subquery),
// queries whose mailbox comes from a subquery next to an OR: each must read
// that mailbox, never the default one.
func TestScopeKeyFromSubqueryWithOrInSQLiteShell(t *testing.T) {
	shell, so := extension(t)
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 3, MessagesPerUser: 300})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	other := tenant.Users[2]
	var want []string
	for _, m := range other.Messages {
		if !m.IsRead || m.Importance == "high" {
			want = append(want, m.ID)
		}
	}
	slices.Sort(want)
	if len(want) == 0 || len(want) == len(other.Messages) {
		t.Fatalf("the data proves little: %d of %d messages match", len(want), len(other.Messages))
	}
	byUPN := "(SELECT id FROM users WHERE user_principal_name LIKE '" + other.UserPrincipalName[:4] + "%')"
	or := " AND (is_read = 0 OR importance = 'high')"
	queries := []string{
		"SELECT count(*) FROM messages WHERE user_id = " + byUPN + or,
		"SELECT count(*) FROM messages WHERE user_id IN " + byUPN + or,
		"SELECT count(*) FROM messages WHERE user_id = '" + other.ID + "'" + or,
		"SELECT id FROM messages WHERE user_id = " + byUPN + or + " ORDER BY received_date_time DESC",
	}
	script := ".load " + so + "\n.mode list\n" +
		"SELECT outlooksql_configure('" + strings.ReplaceAll(env.ConnString(), "'", "''") + "') > 0;\n" +
		strings.Join(queries, ";\nSELECT '--';\n") + ";\n"
	cmd := exec.Command(shell, ":memory:")
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("sqlite3: %v\n%s", err, stderr.String())
	}
	// The answers, one per query, separated by "--" lines.
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) == 0 || lines[0] != "1" {
		t.Fatalf("outlooksql_configure: unexpected output:\n%s", stdout.String())
	}
	parts := [][]string{nil}
	for _, l := range lines[1:] {
		if l == "--" {
			parts = append(parts, nil)
			continue
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], l)
	}
	if len(parts) != len(queries) {
		t.Fatalf("%d answers for %d queries:\n%s", len(parts), len(queries), stdout.String())
	}
	n := strconv.Itoa(len(want))
	for i, q := range queries[:3] {
		if !slices.Equal(parts[i], []string{n}) {
			t.Errorf("%s\n got %s, want %s (Zoe's mailbox)", q, parts[i], n)
		}
	}
	got := parts[3]
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s\n got %d ids (%.60q…), want %d", queries[3], len(got), got, len(want))
	}
}
