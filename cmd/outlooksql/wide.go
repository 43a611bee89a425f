package main

import (
	"io"
	"strings"
)

// minColumn is the narrowest a column may be cut to in a table on a
// terminal (or its own width, when less): a result whose columns would be
// cut narrower is shown vertically instead.
const minColumn = 12

// tooWide reports whether a table with these column widths, fitted to
// total terminal columns, would cut a column below minColumn.
func tooWide(widths []int, total int) bool {
	fitted := fit(widths, total)
	for i, w := range widths {
		if fitted[i] < min(w, minColumn) {
			return true
		}
	}
	return false
}

// writeVertical writes g as sqlite3's .mode line does, one "name = value"
// line per column and a blank line between rows, each line cut to total
// terminal columns: the layout of a table too wide for the terminal.
func writeVertical(w io.Writer, g *grid, total int) error {
	nameWidth := 5
	for _, h := range g.head {
		nameWidth = max(nameWidth, width.StringWidth(h))
	}
	valueWidth := max(total-nameWidth-3, 1)
	var b strings.Builder
	for n, r := range g.rows {
		if n > 0 {
			b.WriteByte('\n')
		}
		for i, c := range r {
			b.WriteString(pad(g.head[i], nameWidth, true))
			b.WriteString(" = ")
			b.WriteString(cut(c, valueWidth))
			b.WriteByte('\n')
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return writeError{err}
	}
	return nil
}
