package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// realAccount marks a README example that cannot run on the demo tenant:
// written at the end of its command line, as a shell comment.
const realAccount = "needs a real account"

// readmeExample is a SQL statement of a README example, where it was found.
type readmeExample struct {
	line int    // README.md's line number
	sql  string // the statement, "?" for the arguments
	args []any  // the Go example's arguments
	real bool   // marked as needing a real account
}

// mailTable matches SQL that reads a mail table.
var mailTable = regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+(messages|mail_folders|users|attachments|message_rules|master_categories|mailbox_settings|outbox)\b`)

// readmeExamples finds the SQL of README.md's command-line examples (the
// outlooksql query/explain lines of its sh and text blocks, SQL given as
// an argument or piped in), its sqlite> lines and its Go example, outside
// the sections that have tests of their own (the Tables, Changing mail and
// Reports sections' sql blocks, and the synced file's sqlite3 lines).
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []readmeExample
	var lang string
	inBlock := false
	quoted := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	goSQL := regexp.MustCompile("(?s)`(SELECT[^`]*)`((?:, \"[^\"]*\")*)\\)")
	var goBlock strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			if !inBlock {
				inBlock, lang = true, strings.TrimPrefix(l, "```")
				goBlock.Reset()
				continue
			}
			inBlock = false
			if lang == "go" {
				for _, m := range goSQL.FindAllStringSubmatch(goBlock.String(), -1) {
					ex := readmeExample{line: i, sql: m[1]}
					for _, a := range quoted.FindAllStringSubmatch(m[2], -1) {
						ex.args = append(ex.args, a[1])
					}
					out = append(out, ex)
				}
			}
			continue
		}
		if !inBlock {
			continue
		}
		switch lang {
		case "go":
			goBlock.WriteString(l + "\n")
		case "sh", "text":
			if rest, ok := strings.CutPrefix(l, "sqlite> "); ok {
				if mailTable.MatchString(rest) {
					out = append(out, readmeExample{line: i + 1, sql: rest})
				}
				continue
			}
			cmd := strings.TrimPrefix(l, "$ ")
			if !strings.Contains(cmd, "outlooksql query") && !strings.Contains(cmd, "outlooksql explain") {
				continue
			}
			start := i
			for strings.Count(cmd, `"`)%2 == 1 && i+1 < len(lines) { // SQL on several lines
				i++
				cmd += "\n" + lines[i]
			}
			for _, m := range quoted.FindAllStringSubmatch(cmd, -1) {
				s := strings.TrimSpace(m[1])
				if !mailTable.MatchString(s) || strings.Contains(s, "…") {
					continue // a connection string, or a placeholder such as "SELECT …"
				}
				out = append(out, readmeExample{line: start + 1, sql: s, real: strings.Contains(cmd, "# "+realAccount)})
			}
		}
	}
	return out
}

// TestReadmeExamplesOnDemo: every SQL example of README.md that reads mail
// returns at least one row on the demo tenant, unless it is marked
// "# needs a real account".
func TestReadmeExamplesOnDemo(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 10 {
		t.Fatalf("found %d examples in README.md; the parser missed some: %+v", len(examples), examples)
	}
	db, closeDB, err := (&queryFlags{demo: true}).open()
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	ran := 0
	for _, ex := range examples {
		if ex.real {
			continue
		}
		ran++
		st := strings.TrimSuffix(strings.TrimSpace(ex.sql), ";")
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM ("+st+")", ex.args...).Scan(&n); err != nil || n == 0 {
			t.Errorf("README.md line %d: %s\n: %d rows, %v; want some rows on the demo tenant, or mark the example \"# %s\"", ex.line, st, n, err, realAccount)
		}
	}
	t.Logf("%d README examples ran on the demo, %d are marked %q", ran, len(examples)-ran, realAccount)
	if ran < 10 {
		t.Errorf("only %d examples ran on the demo", ran)
	}
}
