package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// formats lists the output formats that writeRows accepts, the default first.
var formats = []string{"table", "csv", "json", "jsonl", "markdown"}

// result is a whole query result held in memory.
type result struct {
	Columns []string
	// Rows holds the values as database/sql returns them from mattn/go-sqlite3
	// into an *any: nil, int64, float64, string, []byte, bool or time.Time.
	Rows [][]any
}

// formatOptions tunes the table and markdown formats.
type formatOptions struct {
	Width   int // terminal width for table: columns are cut with … to fit; 0 = no limit
	MaxCell int // cut cells longer than this many columns with … in table and markdown; 0 = no limit
	// NoHeader leaves out the column names in csv, list, column and insert
	// (the shell's .headers off, query's --no-header).
	NoHeader bool
	Null     *string // NULL's text (.nullvalue); nil: each format's own
	Table    string  // the table of insert's statements; "" is "table"
}

// readResult reads all of rows into memory. It does not close rows.
func readResult(rows *sql.Rows) (*result, error) {
	src, err := newRowsSource(rows)
	if err != nil {
		return nil, err
	}
	res := &result{Columns: src.columns()}
	for {
		row, err := src.next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)
	}
}

// writeRows writes rows to w in format (one of formats) and returns the number
// of rows written. csv, json and jsonl stream: each row is written as soon
// as it is read. table and markdown read every row first, to size the
// columns. Rows are read once and not closed. An unknown format is an error
// before any row is read.
func writeRows(w io.Writer, format string, rows *sql.Rows, opts formatOptions) (n int, err error) {
	if err := checkFormat(format); err != nil {
		return 0, err
	}
	src, err := newRowsSource(rows)
	if err != nil {
		return 0, err
	}
	return write(w, format, src, opts)
}

// writeResult writes res to w like writeRows.
func writeResult(w io.Writer, format string, res *result, opts formatOptions) (n int, err error) {
	if err := checkFormat(format); err != nil {
		return 0, err
	}
	return write(w, format, &resultSource{res: res}, opts)
}

func checkFormat(format string) error {
	all := append(slices.Clone(formats), sqliteModes...)
	if slices.Contains(all, format) {
		return nil
	}
	return fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(all, ", "))
}

func write(w io.Writer, format string, src source, opts formatOptions) (int, error) {
	var n int
	var err error
	switch format {
	case "csv":
		n, err = writeCSV(w, src, opts)
	case "list":
		n, err = writeList(w, src, opts)
	case "line":
		n, err = writeLine(w, src, opts)
	case "column":
		n, err = writeColumn(w, src, opts)
	case "box":
		n, err = writeBox(w, src, opts)
	case "insert":
		n, err = writeInsert(w, src, opts)
	case "json":
		n, err = writeJSON(w, src, false)
	case "jsonl":
		n, err = writeJSON(w, src, true)
	case "markdown":
		n, err = writeMarkdown(w, src, opts)
	default:
		n, err = writeTable(w, src, opts)
	}
	var we writeError
	if errors.As(err, &we) {
		return n, fmt.Errorf("write %s output: %w", format, we.err)
	}
	return n, err
}

// writeError marks an error of the writer, as opposed to one of the rows.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// source yields rows one at a time; next returns io.EOF after the last.
type source interface {
	columns() []string
	next() ([]any, error)
}

// rowsSource reads a *sql.Rows.
type rowsSource struct {
	rows *sql.Rows
	cols []string
}

func newRowsSource(rows *sql.Rows) (*rowsSource, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("read result columns: %w", err)
	}
	return &rowsSource{rows: rows, cols: cols}, nil
}

func (s *rowsSource) columns() []string { return s.cols }

func (s *rowsSource) next() ([]any, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return nil, fmt.Errorf("read rows: %w", err)
		}
		return nil, io.EOF
	}
	vals := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("read row: %w", err)
	}
	return vals, nil
}

// resultSource reads a result.
type resultSource struct {
	res *result
	i   int
}

func (s *resultSource) columns() []string { return s.res.Columns }

func (s *resultSource) next() ([]any, error) {
	if s.i >= len(s.res.Rows) {
		return nil, io.EOF
	}
	s.i++
	return s.res.Rows[s.i-1], nil
}

// writeCSV writes RFC 4180 CSV (with "\n" line ends): a header row, then one
// record per row, flushed row by row. NULL is empty, blobs are base64.
func writeCSV(w io.Writer, src source, opts formatOptions) (int, error) {
	cols := src.columns()
	if len(cols) == 0 {
		return drain(src)
	}
	cw := csv.NewWriter(w)
	flush := func(rec []string) error {
		_ = cw.Write(rec) // errors surface in Flush/Error
		cw.Flush()
		if err := cw.Error(); err != nil {
			return writeError{err}
		}
		return nil
	}
	return writeRecords(src, opts, cols, flush)
}

// writeRecords writes the column names (unless opts.NoHeader), then each
// row's values as plain text, through put: the loop of the delimited
// modes (csv, list).
func writeRecords(src source, opts formatOptions, cols []string, put func([]string) error) (int, error) {
	if !opts.NoHeader {
		if err := put(cols); err != nil {
			return 0, err
		}
	}
	rec := make([]string, len(cols))
	for n := 0; ; n++ {
		row, err := src.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		for i, v := range row {
			rec[i] = plain(v, opts)
		}
		if err := put(rec); err != nil {
			return n, err
		}
	}
}

// writeJSON writes one JSON array of objects (lines=false) or one object per
// line (lines=true). Keys are the column names in column order, duplicates
// kept. Each row is written with one Write as soon as it is read.
func writeJSON(w io.Writer, src source, lines bool) (int, error) {
	cols := src.columns()
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i] = jsonx.AppendString(nil, c)
	}
	put := func(s string) error {
		if _, err := io.WriteString(w, s); err != nil {
			return writeError{err}
		}
		return nil
	}
	if !lines {
		if err := put("["); err != nil {
			return 0, err
		}
	}
	var buf []byte
	for n := 0; ; n++ {
		row, err := src.next()
		if err == io.EOF {
			switch {
			case lines:
				return n, nil
			case n == 0:
				return n, put("]\n")
			default:
				return n, put("\n]\n")
			}
		}
		if err != nil {
			return n, err
		}
		buf = buf[:0]
		if !lines {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '\n')
		}
		buf = append(buf, '{')
		for i, v := range row {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = append(buf, ':')
			buf = appendJSONValue(buf, v)
		}
		buf = append(buf, '}')
		if lines {
			buf = append(buf, '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return n, writeError{err}
		}
	}
}

// appendJSONValue appends v as JSON: numbers as numbers (NaN and ±Inf as
// null), NULL as null, blobs as base64 strings, times as RFC 3339 strings.
func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...)
		}
		return append(b, shortFloat(v)...)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return jsonx.AppendString(b, v)
	case []byte:
		return jsonx.AppendString(b, base64.StdEncoding.EncodeToString(v))
	case time.Time:
		return jsonx.AppendString(b, v.Format(time.RFC3339Nano))
	}
	// Not produced by mattn/go-sqlite3; let encoding/json decide.
	if j, err := json.Marshal(v); err == nil {
		return append(b, j...)
	}
	return jsonx.AppendString(b, fmt.Sprint(v))
}

// shortFloat formats f in the shortest form that reads back exactly, as
// encoding/json does: plain decimals, exponents only for very large or
// small magnitudes.
func shortFloat(f float64) string {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// text renders v for csv, table and markdown: NULL as "", floats always
// with a point or exponent (1.0, as sqlite3 prints them), blobs as base64.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "Inf"
		case math.IsInf(v, -1):
			return "-Inf"
		}
		s := shortFloat(v)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// width measures terminal columns: East Asian wide characters and emoji
// count 2, combining marks 0, ambiguous ones 1, whatever the locale says.
var width = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// cell renders v for one line of a table: NULL as "NULL", line breaks as ⏎,
// other control characters as their Unicode control pictures (␉ for a tab),
// so that no value can break the layout or drive the terminal.
func cell(v any) string {
	if v == nil {
		return "NULL"
	}
	s := text(v)
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r':
			return '⏎'
		case r < 0x20:
			return 0x2400 + r // ␀ … ␟
		case r == 0x7f:
			return '␡'
		case r >= 0x80 && r < 0xa0:
			return '\ufffd'
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// cut shortens s to at most w terminal columns, ending it with … if cut.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return width.Truncate(s, w, "…")
}

// pad fills s with spaces to w columns, on the left when right is set.
func pad(s string, w int, right bool) string {
	gap := w - width.StringWidth(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

// grid is a result rendered to cells, with each column's width and whether
// it holds only numbers (which are right-aligned).
type grid struct {
	head    []string
	rows    [][]string
	widths  []int
	numeric []bool
	n       int
}

// readGrid reads every row of src, rendering each value with render and
// cutting it to maxCell columns.
func readGrid(src source, maxCell int, null *string, render func(string) string) (*grid, error) {
	cols := src.columns()
	g := &grid{head: make([]string, len(cols)), widths: make([]int, len(cols)), numeric: make([]bool, len(cols))}
	other := make([]bool, len(cols))
	for i, c := range cols {
		g.head[i] = render(cell(c))
	}
	for {
		row, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return g, err
		}
		g.n++
		cells := make([]string, len(row))
		for i, v := range row {
			s := cell(v)
			if v == nil && null != nil {
				s = cell(*null)
			}
			if maxCell > 0 {
				s = cut(s, maxCell)
			}
			cells[i] = render(s)
			switch v.(type) {
			case nil:
			case int64, float64:
				g.numeric[i] = true
			default:
				other[i] = true
			}
		}
		g.rows = append(g.rows, cells)
	}
	for i := range cols {
		g.numeric[i] = g.numeric[i] && !other[i]
		g.widths[i] = width.StringWidth(g.head[i])
		for _, r := range g.rows {
			g.widths[i] = max(g.widths[i], width.StringWidth(r[i]))
		}
	}
	return g, nil
}

// fit narrows the widest columns until a table with these column widths
// fits in total terminal columns; every column keeps at least 1.
func fit(widths []int, total int) []int {
	avail := total - (3*len(widths) + 1) // "| " … " | " … " |"
	sum := 0
	for _, w := range widths {
		sum += w
	}
	out := make([]int, len(widths))
	if sum <= avail {
		copy(out, widths)
		return out
	}
	// The largest cap that fits, then the spare columns go to capped
	// columns from the left.
	capped := func(limit int) int {
		s := 0
		for _, w := range widths {
			s += min(w, limit)
		}
		return s
	}
	limit := 1
	for capped(limit+1) <= avail {
		limit++
	}
	spare := avail - capped(limit)
	for i, w := range widths {
		out[i] = min(w, limit)
		if w > limit && spare > 0 {
			out[i]++
			spare--
		}
	}
	return out
}

// writeTable writes a bordered table in the style of sqlite3's .mode table.
func writeTable(w io.Writer, src source, opts formatOptions) (int, error) {
	g, err := readGrid(src, opts.MaxCell, opts.Null, func(s string) string { return s })
	if err != nil || len(g.head) == 0 {
		return g.n, err
	}
	widths := g.widths
	if opts.Width > 0 && len(g.rows) > 0 && tooWide(widths, opts.Width) {
		return g.n, writeVertical(w, g, opts.Width) // see wide.go
	}
	if opts.Width > 0 {
		widths = fit(widths, opts.Width)
	}
	var b strings.Builder
	border := func() {
		b.WriteByte('+')
		for _, cw := range widths {
			b.WriteString(strings.Repeat("-", cw+2))
			b.WriteByte('+')
		}
		b.WriteByte('\n')
	}
	line := func(cells []string) {
		b.WriteByte('|')
		for i, c := range cells {
			b.WriteByte(' ')
			b.WriteString(pad(cut(c, widths[i]), widths[i], g.numeric[i]))
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	border()
	line(g.head)
	border()
	for _, r := range g.rows {
		line(r)
	}
	if len(g.rows) > 0 {
		border()
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return g.n, writeError{err}
	}
	return g.n, nil
}

// writeMarkdown writes a GitHub-flavoured markdown table, "|" escaped.
func writeMarkdown(w io.Writer, src source, opts formatOptions) (int, error) {
	escape := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	g, err := readGrid(src, opts.MaxCell, opts.Null, escape)
	if err != nil || len(g.head) == 0 {
		return g.n, err
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteByte('|')
		for i, c := range cells {
			b.WriteByte(' ')
			b.WriteString(pad(c, max(g.widths[i], 3), g.numeric[i]))
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	line(g.head)
	b.WriteByte('|')
	for i, cw := range g.widths {
		cw = max(cw, 3)
		if g.numeric[i] {
			b.WriteString(" " + strings.Repeat("-", cw-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", cw) + " |")
		}
	}
	b.WriteByte('\n')
	for _, r := range g.rows {
		line(r)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return g.n, writeError{err}
	}
	return g.n, nil
}

// drain reads the rest of src and counts the rows.
func drain(src source) (int, error) {
	for n := 0; ; n++ {
		if _, err := src.next(); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
	}
}
