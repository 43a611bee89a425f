package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

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
