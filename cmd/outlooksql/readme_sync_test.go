package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSyncSection returns README.md's "Reports and BI tools" section,
// up to the next second-level heading.
func readmeSyncSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Reports and BI tools\n")
	if !ok {
		t.Fatal(`README.md has no "## Reports and BI tools" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// fencedBlocks returns the bodies of the section's ```lang blocks.
func fencedBlocks(section, lang string) []string {
	var blocks []string
	for {
		var ok bool
		_, section, ok = strings.Cut(section, "```"+lang+"\n")
		if !ok {
			return blocks
		}
		var block string
		block, section, _ = strings.Cut(section, "```")
		blocks = append(blocks, block)
	}
}

// sqlite3Command matches the README's `sqlite3 FILE "SQL"` command lines.
var sqlite3Command = regexp.MustCompile(`(?m)^sqlite3 \S+ "([^"]+)"\s*$`)

// TestReadmeSyncExamples follows README.md's "Reports and BI tools" as a
// new user would: it syncs the demo tenant into a file, then runs every
// SQL statement of the section's ```sql blocks, and the SQL of its
// `sqlite3 mail.db "…"` command lines, against the file with
// database/sql's "sqlite3" driver. Each must return at least one row.
func TestReadmeSyncExamples(t *testing.T) {
	section := readmeSyncSection(t)
	var stmts []string
	for _, block := range fencedBlocks(section, "sql") {
		s, rest := splitStatements(block)
		if !blank(rest) {
			t.Fatalf("a ```sql block ends in an unfinished statement: %q", rest)
		}
		stmts = append(stmts, s...)
	}
	for _, block := range fencedBlocks(section, "sh") {
		for _, m := range sqlite3Command.FindAllStringSubmatch(block, -1) {
			stmts = append(stmts, m[1])
		}
	}
	if len(stmts) < 5 {
		t.Fatalf("the section has %d SQL examples, want at least 5: %q", len(stmts), stmts)
	}

	path := filepath.Join(t.TempDir(), "mail.db")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"sync", "--demo", "--db", path}, strings.NewReader(""), &stdout, io.Discard); err != nil {
		t.Fatalf("sync --demo: %v", err)
	}
	if want := "synced 1 mailbox, 30 folders: 900 added, 0 changed, 0 moved, 0 deleted; 6 users; "; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("sync --demo printed %q, want it to begin %q (as the README shows)", stdout.String(), want)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, st := range stmts {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM ("+strings.TrimRight(strings.TrimSpace(st), ";")+")").Scan(&n); err != nil || n == 0 {
			t.Errorf("%s\n: %d rows, %v; want some rows in the synced demo file", st, n, err)
		}
	}
}
