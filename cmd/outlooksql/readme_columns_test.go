package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// readmeTableEntries returns the bullets of README.md's Tables section by
// table name: "- **messages** …" up to the next bullet.
func readmeTableEntries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Tables\n")
	if !ok {
		t.Fatal("README.md has no Tables section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	entries := map[string]string{}
	bullet := regexp.MustCompile(`(?m)^- ((?:\*\*\w+\*\*(?:, )?)+)`)
	locs := bullet.FindAllStringSubmatchIndex(section, -1)
	for i, loc := range locs {
		end := len(section)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		text := section[loc[0]:end]
		if j := strings.Index(text, "\n\n"); j >= 0 {
			text = text[:j]
		}
		for _, m := range regexp.MustCompile(`\*\*(\w+)\*\*`).FindAllStringSubmatch(section[loc[2]:loc[3]], -1) {
			entries[m[1]] = text
		}
	}
	return entries
}

// TestReadmeDocumentsEveryColumn: README.md's Tables section names every
// column of every table, hidden ones too, as `name` in the table's bullet;
// a column added to vtab/tables without documenting it fails here.
func TestReadmeDocumentsEveryColumn(t *testing.T) {
	entries := readmeTableEntries(t)
	for _, tbl := range tables.All {
		text, ok := entries[tbl.Name]
		if !ok {
			t.Errorf("README.md's Tables section has no bullet for %s", tbl.Name)
			continue
		}
		// The tables documented as "the columns of messages" inherit them.
		inherits := strings.Contains(text, "with the columns of `messages`")
		for _, c := range tbl.Columns {
			if strings.Contains(text, "`"+c.Name+"`") {
				continue
			}
			if inherits && tables.Messages.Column(c.Name) >= 0 {
				continue
			}
			kind := "column"
			if c.Hidden {
				kind = "hidden column"
			}
			t.Errorf("README.md does not document %s's %s %s", tbl.Name, kind, c.Name)
		}
	}
}

// TestReadmeDocumentsEveryKey: README.md's connection-string table has a
// row for every key the parser accepts.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### 2. The connection string\n")
	if !ok {
		t.Fatal(`README.md has no "### 2. The connection string" section`)
	}
	section, _, _ = strings.Cut(section, "\n### ")
	for _, k := range config.Keys() {
		if !strings.Contains(section, "\n| "+k.Name+" | ") {
			t.Errorf("README.md's connection-string table has no row for the key %s", k.Name)
		}
	}
}

// TestReadmeDocumentsEveryFlagAndCommand: every command and flag of the
// usage, and every dot-command of the shell, is in README.md.
func TestReadmeDocumentsEveryFlagAndCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^  outlooksql (\w+)`).FindAllStringSubmatch(usage, -1) {
		want = append(want, "outlooksql "+m[1])
	}
	for _, m := range regexp.MustCompile(`(?:^|[\s(,])(--?[a-z][a-z-]+)\b`).FindAllStringSubmatch(usage, -1) {
		want = append(want, m[1])
	}
	want = append(want, dotCommands...)
	for _, w := range want {
		if !regexp.MustCompile(`(^|[^a-z-])` + regexp.QuoteMeta(w) + `([^a-z-]|$)`).MatchString(readme) {
			t.Errorf("README.md does not mention %s", w)
		}
	}
}
