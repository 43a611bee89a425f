package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestWideTableGoesVertical: on a terminal, a table whose columns would be
// cut below 12 characters is shown as .mode line does, each line cut to the
// terminal; a table that fits, or only cuts a long column, stays a table.
func TestWideTableGoesVertical(t *testing.T) {
	wide := &result{Columns: []string{"id", "subject", "from_address", "body_preview"},
		Rows: [][]any{
			{int64(1), "Quarterly numbers", "ada@contoso.com", "Please find the numbers attached, with the notes from Tuesday's meeting"},
			{int64(2), nil, "bob@contoso.com", "Short"},
		}}
	var b bytes.Buffer
	if _, err := writeResult(&b, "table", wide, formatOptions{Width: 40, MaxCell: maxCell}); err != nil {
		t.Fatal(err)
	}
	want := "          id = 1\n" +
		"     subject = Quarterly numbers\n" +
		"from_address = ada@contoso.com\n" +
		"body_preview = Please find the numbers …\n" +
		"\n" +
		"          id = 2\n" +
		"     subject = NULL\n" +
		"from_address = bob@contoso.com\n" +
		"body_preview = Short\n"
	if b.String() != want {
		t.Errorf("40 columns:\n got %q\nwant %q", b.String(), want)
	}

	// Wide enough for every column at 12 or its own width: a table, the
	// long column cut.
	b.Reset()
	if _, err := writeResult(&b, "table", wide, formatOptions{Width: 80, MaxCell: maxCell}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "+----+-------------------+-----------------+") || !strings.Contains(b.String(), "…") {
		t.Errorf("80 columns: want a table with the preview cut:\n%s", b.String())
	}
	// Not on a terminal (no width): always the table, in full.
	b.Reset()
	if _, err := writeResult(&b, "table", wide, formatOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Tuesday's meeting |") {
		t.Errorf("no width: want the whole table:\n%s", b.String())
	}
}
