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

// demoSummary matches the README's demo sync and the summary line it shows.
var demoSummary = regexp.MustCompile(`(?m)^\$ outlooksql sync --demo --db demo\.db\n(synced .*)$`)

// elapsed matches the time at the end of a summary line.
var elapsed = regexp.MustCompile(`in [0-9.]+(ns|µs|ms|s|m[0-9.]+s|h[0-9m.]+s)$`)

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
	// The README shows the summary of the demo's first sync: the same line
	// but for the time.
	shown := demoSummary.FindStringSubmatch(section)
	if shown == nil {
		t.Fatal("the section shows no `$ outlooksql sync --demo --db demo.db` with its summary line")
	}
	if got := elapsed.ReplaceAllString(strings.TrimSuffix(stdout.String(), "\n"), "in TIME"); got != elapsed.ReplaceAllString(shown[1], "in TIME") {
		t.Errorf("sync --demo printed %q; the README shows %q", stdout.String(), shown[1])
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
