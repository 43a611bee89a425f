package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// sqliteModes are the output formats that follow sqlite3's modes of the
// same names (besides table, csv and markdown, which formats has already).
var sqliteModes = []string{"list", "line", "column", "box", "insert"}

// nullText renders NULL for the text formats: opts.Null if set (.nullvalue),
// else def.
func nullText(opts formatOptions, def string) string {
	if opts.Null != nil {
		return *opts.Null
	}
	return def
}

// plain renders v for list, line and csv: NULL as .nullvalue ("" unless
// set), other values as text does.
func plain(v any, opts formatOptions) string {
	if v == nil {
		return nullText(opts, "")
	}
	return text(v)
}

// writeList writes sqlite3's .mode list: values separated by "|", one row a
// line, the column names first unless opts.NoHeader.
func writeList(w io.Writer, src source, opts formatOptions) (int, error) {
	cols := src.columns()
	put := func(rec []string) error {
		if _, err := io.WriteString(w, strings.Join(rec, "|")+"\n"); err != nil {
			return writeError{err}
		}
		return nil
	}
	if len(cols) == 0 {
		opts.NoHeader = true // no header line for a statement without columns
	}
	return writeRecords(src, opts, cols, put)
}

// writeLine writes sqlite3's .mode line: one "name = value" line per column,
// names right-aligned, a blank line between rows.
func writeLine(w io.Writer, src source, opts formatOptions) (int, error) {
	cols := src.columns()
	nameWidth := 5
	for _, c := range cols {
		nameWidth = max(nameWidth, len(c))
	}
	for n := 0; ; n++ {
		row, err := src.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		var b strings.Builder
		if n > 0 {
			b.WriteByte('\n')
		}
		for i, v := range row {
			fmt.Fprintf(&b, "%*s = %s\n", nameWidth, cols[i], plain(v, opts))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return n, writeError{err}
		}
	}
}

// boxCell renders v for column and box: on one line, NULL as .nullvalue.
func boxCell(v any, opts formatOptions) string {
	if v == nil {
		return nullText(opts, "")
	}
	return cell(v)
}

// readCells reads every row of src as cells for column and box, and each
// column's width (of its name too).
func readCells(src source, opts formatOptions) (head []string, rows [][]string, widths []int, err error) {
	head = make([]string, len(src.columns()))
	widths = make([]int, len(head))
	for i, c := range src.columns() {
		head[i] = cell(c)
		widths[i] = width.StringWidth(head[i])
	}
	for {
		row, err := src.next()
		if err == io.EOF {
			return head, rows, widths, nil
		}
		if err != nil {
			return head, rows, widths, err
		}
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = boxCell(v, opts)
			widths[i] = max(widths[i], width.StringWidth(cells[i]))
		}
		rows = append(rows, cells)
	}
}

// writeColumn writes sqlite3's .mode column: columns two spaces apart,
// left-aligned and padded to their width, under the names and a line of
// dashes (unless opts.NoHeader). No rows print nothing, as in sqlite3.
func writeColumn(w io.Writer, src source, opts formatOptions) (int, error) {
	head, rows, widths, err := readCells(src, opts)
	if err != nil || len(rows) == 0 {
		return len(rows), err
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			b.WriteString(pad(c, widths[i], false))
			if i < len(cells)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	if !opts.NoHeader {
		line(head)
		dashes := make([]string, len(widths))
		for i, cw := range widths {
			dashes[i] = strings.Repeat("-", cw)
		}
		line(dashes)
	}
	for _, r := range rows {
		line(r)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return len(rows), writeError{err}
	}
	return len(rows), nil
}

// center pads s to w columns with s in the middle, as sqlite3 centres the
// names of box and table.
func center(s string, w int) string {
	gap := w - width.StringWidth(s)
	if gap <= 0 {
		return s
	}
	return strings.Repeat(" ", gap/2) + s + strings.Repeat(" ", (gap+1)/2)
}

// writeBox writes sqlite3's .mode box: a table drawn with box characters,
// the names centred, the values left-aligned. No rows print nothing.
func writeBox(w io.Writer, src source, opts formatOptions) (int, error) {
	head, rows, widths, err := readCells(src, opts)
	if err != nil || len(rows) == 0 {
		return len(rows), err
	}
	var b strings.Builder
	rule := func(left, mid, right string) {
		b.WriteString(left)
		for i, cw := range widths {
			if i > 0 {
				b.WriteString(mid)
			}
			b.WriteString(strings.Repeat("─", cw+2))
		}
		b.WriteString(right + "\n")
	}
	line := func(cells []string, centred bool) {
		b.WriteString("│")
		for i, c := range cells {
			if centred {
				c = center(c, widths[i])
			} else {
				c = pad(c, widths[i], false)
			}
			b.WriteString(" " + c + " │")
		}
		b.WriteByte('\n')
	}
	rule("┌", "┬", "┐")
	line(head, true)
	rule("├", "┼", "┤")
	for _, r := range rows {
		line(r, false)
	}
	rule("└", "┴", "┘")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return len(rows), writeError{err}
	}
	return len(rows), nil
}

// sqlLiteral renders v as an SQL literal, as sqlite3's insert mode and
// .dump do: NULL, numbers, 'text' with ' doubled, X'hex' for blobs.
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		switch {
		case math.IsNaN(v):
			return "NULL"
		case math.IsInf(v, 1):
			return "1e999"
		case math.IsInf(v, -1):
			return "-1e999"
		}
		return text(v)
	case []byte:
		return "X'" + strings.ToUpper(hex.EncodeToString(v)) + "'"
	}
	return "'" + strings.ReplaceAll(text(v), "'", "''") + "'"
}

// quoteIdent quotes an SQL name with "…" when it is not a plain one, as
// sqlite3 does in .dump.
func quoteIdent(name string) string {
	plainName := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plainName = false
		}
	}
	if plainName && !sqlKeywords[strings.ToUpper(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// sqlKeywords are SQLite's keywords (sqlite3_keyword_name): quoteIdent
// quotes them, as sqlite3 does.
var sqlKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
		BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
		CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE
		DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
		EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
		GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD
		INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT
		NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA
		PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME
		REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP
		TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM
		VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`) {
		sqlKeywords[k] = true
	}
}

// writeInsert writes sqlite3's .mode insert: one INSERT statement a row
// into opts.Table ("table" unless set), with the column names unless
// opts.NoHeader.
func writeInsert(w io.Writer, src source, opts formatOptions) (int, error) {
	cols := src.columns()
	table := opts.Table
	if table == "" {
		table = "table"
	}
	prefix := "INSERT INTO " + quoteIdent(table)
	if !opts.NoHeader {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = quoteIdent(c)
		}
		prefix += "(" + strings.Join(names, ",") + ")"
	}
	prefix += " VALUES("
	vals := make([]string, len(cols))
	for n := 0; ; n++ {
		row, err := src.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		for i, v := range row {
			vals[i] = sqlLiteral(v)
		}
		if _, err := io.WriteString(w, prefix+strings.Join(vals, ",")+");\n"); err != nil {
			return n, writeError{err}
		}
	}
}
