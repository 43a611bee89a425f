package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// TestTablesAndSchemaAligned: in `tables` every description, and in
// `schema` every column's type, starts in the same column, however long
// the longest name (master_categories, automatic_replies_external_audience).
func TestTablesAndSchemaAligned(t *testing.T) {
	var b bytes.Buffer
	if err := runTables(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(tables.All) {
		t.Fatalf("%d lines for %d tables", len(lines), len(tables.All))
	}
	at := -1
	for i, l := range lines {
		doc := strings.Index(l, tables.All[i].Doc)
		if doc < 0 || at >= 0 && doc != at || !strings.HasPrefix(l, tables.All[i].Name+" ") {
			t.Fatalf("line %q: description at %d, want %d after the name and a space", l, doc, at)
		}
		at = doc
	}
	b.Reset()
	if err := runSchema([]string{"mailbox_settings"}, &b); err != nil {
		t.Fatal(err)
	}
	at = -1
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n")[1:] {
		typ := strings.Index(l, " TEXT ")
		if typ < 0 || at >= 0 && typ != at {
			t.Fatalf("schema line %q: type at %d, want %d", l, typ, at)
		}
		at = typ
	}
}
