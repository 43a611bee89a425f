package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestReadmeTableExamples runs the SQL examples of README.md's Tables
// section on the demo tenant, as the README invites: each must return at
// least one row.
func TestReadmeTableExamples(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Tables\n")
	if ok {
		_, section, ok = strings.Cut(section, "\nExamples")
	}
	if ok {
		_, section, ok = strings.Cut(section, "```sql\n")
	}
	if ok {
		section, _, ok = strings.Cut(section, "```")
	}
	if !ok {
		t.Fatal("README.md has no ```sql block of examples in its Tables section")
	}
	stmts, rest := splitStatements(section)
	if !blank(rest) || len(stmts) < 5 {
		t.Fatalf("examples: %d statements, rest %q", len(stmts), rest)
	}
	db, closeDB, err := (&queryFlags{demo: true}).open()
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	for _, st := range stmts {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM ("+st+")").Scan(&n); err != nil || n == 0 {
			t.Errorf("%s\n: %d rows, %v; want some rows on the demo tenant", st, n, err)
		}
	}
}
