package main

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// fixture is a result served by the "fixture" test driver: the query text
// names it.
type fixture struct {
	cols []string
	rows [][]driver.Value
	err  error // returned instead of io.EOF at the end, if set

	// before, if set, runs before row i is handed out (i = len(rows) for the end).
	before func(i int)
	nexts  int // calls of Next
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
)

func init() { sql.Register("fixture", fixtureDriver{}) }

type fixtureDriver struct{}

func (fixtureDriver) Open(string) (driver.Conn, error) { return fixtureConn{}, nil }

type fixtureConn struct{}

func (fixtureConn) Prepare(q string) (driver.Stmt, error) { return fixtureStmt(q), nil }
func (fixtureConn) Close() error                          { return nil }
func (fixtureConn) Begin() (driver.Tx, error)             { return nil, errors.New("no transactions") }

type fixtureStmt string

func (fixtureStmt) Close() error                               { return nil }
func (fixtureStmt) NumInput() int                              { return 0 }
func (fixtureStmt) Exec([]driver.Value) (driver.Result, error) { return nil, errors.New("no exec") }
func (s fixtureStmt) Query([]driver.Value) (driver.Rows, error) {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	f, ok := fixtures[string(s)]
	if !ok {
		return nil, errors.New("no fixture " + string(s))
	}
	return &fixtureRows{f: f}, nil
}

type fixtureRows struct {
	f *fixture
	i int
}

func (r *fixtureRows) Columns() []string { return r.f.cols }
func (r *fixtureRows) Close() error      { return nil }
func (r *fixtureRows) Next(dest []driver.Value) error {
	r.f.nexts++
	if r.f.before != nil {
		r.f.before(r.i)
	}
	if r.i >= len(r.f.rows) {
		if r.f.err != nil {
			return r.f.err
		}
		return io.EOF
	}
	copy(dest, r.f.rows[r.i])
	r.i++
	return nil
}

// serveFixture serves f through database/sql and returns its rows.
func serveFixture(t *testing.T, f *fixture) *sql.Rows {
	t.Helper()
	name := t.Name()
	fixturesMu.Lock()
	fixtures[name] = f
	fixturesMu.Unlock()
	t.Cleanup(func() {
		fixturesMu.Lock()
		delete(fixtures, name)
		fixturesMu.Unlock()
	})
	db, err := sql.Open("fixture", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rows, err := db.Query(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return rows
}

// mixed has one value of every kind mattn/go-sqlite3 returns.
func mixed() *fixture {
	return &fixture{
		cols: []string{"id", "subject", "score", "blob", "ok", "at"},
		rows: [][]driver.Value{
			{int64(1), "Hello, \"world\"", 1.5, []byte("hi"), true, time.Date(2024, 3, 1, 9, 15, 0, 0, time.UTC)},
			{int64(-20), "line1\nline2", 2.0, []byte{0, 255}, false, time.Date(2024, 3, 1, 9, 15, 0, 500, time.UTC)},
			{nil, nil, nil, nil, nil, nil},
		},
	}
}

// unicode has wide characters, emoji, combining marks, markdown pipes and
// control characters.
func unicode() *fixture {
	return &fixture{
		cols: []string{"name", "note"},
		rows: [][]driver.Value{
			{"日本語", "a|b"},
			{"😀x", "tab\there"},
			{"e\u0301té", "cr\r\nlf\r"},
			{"\x1b[31mred", ""},
		},
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		fixture func() *fixture
		format  string
		opts    formatOptions
		want    string
	}{
		{"table mixed", mixed, "table", formatOptions{}, `
+------+----------------+-------+------+-------+------------------------------+
|   id | subject        | score | blob | ok    | at                           |
+------+----------------+-------+------+-------+------------------------------+
|    1 | Hello, "world" |   1.5 | aGk= | true  | 2024-03-01T09:15:00Z         |
|  -20 | line1⏎line2    |   2.0 | AP8= | false | 2024-03-01T09:15:00.0000005Z |
| NULL | NULL           |  NULL | NULL | NULL  | NULL                         |
+------+----------------+-------+------+-------+------------------------------+
`},
		{"csv mixed", mixed, "csv", formatOptions{}, `
id,subject,score,blob,ok,at
1,"Hello, ""world""",1.5,aGk=,true,2024-03-01T09:15:00Z
-20,"line1
line2",2.0,AP8=,false,2024-03-01T09:15:00.0000005Z
,,,,,
`},
		{"json mixed", mixed, "json", formatOptions{}, `
[
{"id":1,"subject":"Hello, \"world\"","score":1.5,"blob":"aGk=","ok":true,"at":"2024-03-01T09:15:00Z"},
{"id":-20,"subject":"line1\nline2","score":2,"blob":"AP8=","ok":false,"at":"2024-03-01T09:15:00.0000005Z"},
{"id":null,"subject":null,"score":null,"blob":null,"ok":null,"at":null}
]
`},
		{"jsonl mixed", mixed, "jsonl", formatOptions{}, `
{"id":1,"subject":"Hello, \"world\"","score":1.5,"blob":"aGk=","ok":true,"at":"2024-03-01T09:15:00Z"}
{"id":-20,"subject":"line1\nline2","score":2,"blob":"AP8=","ok":false,"at":"2024-03-01T09:15:00.0000005Z"}
{"id":null,"subject":null,"score":null,"blob":null,"ok":null,"at":null}
`},
		{"markdown mixed", mixed, "markdown", formatOptions{}, `
|   id | subject        | score | blob | ok    | at                           |
| ---: | -------------- | ----: | ---- | ----- | ---------------------------- |
|    1 | Hello, "world" |   1.5 | aGk= | true  | 2024-03-01T09:15:00Z         |
|  -20 | line1⏎line2    |   2.0 | AP8= | false | 2024-03-01T09:15:00.0000005Z |
| NULL | NULL           |  NULL | NULL | NULL  | NULL                         |
`},
		{"table unicode", unicode, "table", formatOptions{}, `
+----------+----------+
| name     | note     |
+----------+----------+
| 日本語   | a|b      |
| 😀x      | tab␉here |
| été      | cr⏎lf⏎   |
| ␛[31mred |          |
+----------+----------+
`},
		{"markdown unicode", unicode, "markdown", formatOptions{}, `
| name     | note     |
| -------- | -------- |
| 日本語   | a\|b     |
| 😀x      | tab␉here |
| été      | cr⏎lf⏎   |
| ␛[31mred |          |
`},
		{"csv unicode", unicode, "csv", formatOptions{}, "\nname,note\n日本語,a|b\n😀x,tab\there\ne\u0301té,\"cr\r\nlf\r\"\n\x1b[31mred,\n"},
		{"json unicode", unicode, "json", formatOptions{}, `
[
{"name":"日本語","note":"a|b"},
{"name":"😀x","note":"tab\there"},
{"name":"été","note":"cr\r\nlf\r"},
{"name":"\u001b[31mred","note":""}
]
`},
		{"table MaxCell", unicode, "table", formatOptions{MaxCell: 4}, `
+------+------+
| name | note |
+------+------+
| 日…  | a|b  |
| 😀x  | tab… |
| été  | cr⏎… |
| ␛[3… |      |
+------+------+
`},
		{"markdown MaxCell", unicode, "markdown", formatOptions{MaxCell: 4}, `
| name | note |
| ---- | ---- |
| 日…  | a\|b |
| 😀x  | tab… |
| été  | cr⏎… |
| ␛[3… |      |
`},
		// Widths 4 14 5 4 5 28 in 40 columns: 19 go to borders, leaving 21:
		// every column would be capped at 3, below 12 (wide.go): the rows
		// are shown vertically instead.
		{"table Width", mixed, "table", formatOptions{Width: 40}, `
     id = 1
subject = Hello, "world"
  score = 1.5
   blob = aGk=
     ok = true
     at = 2024-03-01T09:15:00Z

     id = -20
subject = line1⏎line2
  score = 2.0
   blob = AP8=
     ok = false
     at = 2024-03-01T09:15:00.0000005Z

     id = NULL
subject = NULL
  score = NULL
   blob = NULL
     ok = NULL
     at = NULL
`},
		// In 70 columns, 51 are left: the widest column is capped at 19,
		// no column goes below 12: a table, "at" cut.
		{"table Width cut", mixed, "table", formatOptions{Width: 70}, `
+------+----------------+-------+------+-------+---------------------+
|   id | subject        | score | blob | ok    | at                  |
+------+----------------+-------+------+-------+---------------------+
|    1 | Hello, "world" |   1.5 | aGk= | true  | 2024-03-01T09:15:0… |
|  -20 | line1⏎line2    |   2.0 | AP8= | false | 2024-03-01T09:15:0… |
| NULL | NULL           |  NULL | NULL | NULL  | NULL                |
+------+----------------+-------+------+-------+---------------------+
`},
		{"table Width wide", mixed, "table", formatOptions{Width: 200}, ""}, // same as "table mixed": filled in below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fixture()
			var buf bytes.Buffer
			n, err := writeRows(&buf, tt.format, serveFixture(t, f), tt.opts)
			if err != nil {
				t.Fatalf("writeRows: %v", err)
			}
			want := strings.TrimPrefix(tt.want, "\n")
			if tt.want == "" {
				want = strings.TrimPrefix(tests[0].want, "\n")
			}
			if got := buf.String(); got != want {
				t.Errorf("writeRows %s:\n got:\n%s\nwant:\n%s", tt.format, got, want)
			}
			if n != len(f.rows) {
				t.Errorf("n = %d, want %d", n, len(f.rows))
			}
			if f.nexts != len(f.rows)+1 {
				t.Errorf("Next called %d times, want %d (rows read once)", f.nexts, len(f.rows)+1)
			}
		})
	}
}

func TestWriteEmpty(t *testing.T) {
	want := map[string]string{
		"table":    "+----+---------+\n| id | subject |\n+----+---------+\n",
		"csv":      "id,subject\n",
		"json":     "[]\n",
		"jsonl":    "",
		"markdown": "| id  | subject |\n| --- | ------- |\n",
	}
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := writeRows(&buf, format, serveFixture(t, &fixture{cols: []string{"id", "subject"}}), formatOptions{})
			if err != nil || n != 0 {
				t.Fatalf("writeRows = %d, %v; want 0, nil", n, err)
			}
			if got := buf.String(); got != want[format] {
				t.Errorf("got %q, want %q", got, want[format])
			}
		})
	}
}

func TestWriteDuplicateColumns(t *testing.T) {
	f := &fixture{cols: []string{"b", "a", "b", "x\"y"}, rows: [][]driver.Value{{int64(1), int64(2), int64(3), int64(4)}}}
	var buf bytes.Buffer
	if _, err := writeRows(&buf, "jsonl", serveFixture(t, f), formatOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"b":1,"a":2,"b":3,"x\"y":4}`+"\n"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, `null`},
		{int64(math.MaxInt64), `9223372036854775807`},
		{int64(math.MinInt64), `-9223372036854775808`},
		{0.1, `0.1`},
		{1.0, `1`},
		{math.Copysign(0, -1), `-0`},
		{1e21, `1e+21`},
		{123456789012345680000.0, `123456789012345680000`},
		{1e-7, `1e-7`},
		{0.000001, `0.000001`},
		{math.NaN(), `null`},
		{math.Inf(1), `null`},
		{math.Inf(-1), `null`},
		{true, `true`},
		{"", `""`},
		{"\"\\/\b\f\n\r\t\x00\x1f", `"\"\\/\u0008\u000c\n\r\t\u0000\u001f"`},
		{"<&>", `"<&>"`},
		{"é日😀", `"é日😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{[]byte{}, `""`},
		{[]byte("\x00\x01\x02"), `"AAEC"`},
		{time.Date(2024, 3, 1, 9, 15, 0, 0, time.FixedZone("", 3600)), `"2024-03-01T09:15:00+01:00"`},
		{int32(7), `7`},
		{[]int{1}, `[1]`},
		{complex(1, 2), `"(1+2i)"`}, // encoding/json refuses it: fmt.Sprint
	}
	for _, tt := range tests {
		got := string(appendJSONValue(nil, tt.v))
		if got != tt.want {
			t.Errorf("appendJSONValue(%#v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, ""},
		{int64(-3), "-3"},
		{2.0, "2.0"},
		{0.5, "0.5"},
		{1e21, "1e+21"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Inf"},
		{math.Inf(-1), "-Inf"},
		{false, "false"},
		{[]byte("hi"), "aGk="},
		{uint8(9), "9"},
	}
	for _, tt := range tests {
		if got := text(tt.v); got != tt.want {
			t.Errorf("text(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "NULL"},
		{"NULL", "NULL"},
		{"a\r\nb\nc\rd", "a⏎b⏎c⏎d"},
		{"\x00\x07\t\x1b\x7f\u0085", "␀␇␉␛␡\ufffd"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := cell(tt.v); got != tt.want {
			t.Errorf("cell(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"日本語", 6, "日本語"},
		{"日本語", 5, "日本…"},
		{"日本語", 4, "日…"}, // 3 columns: a wide char does not fit in the last one
		{"😀😀", 3, "😀…"},
		{"e\u0301e\u0301e\u0301", 2, "e\u0301…"},
		{"👩‍👩‍👧x", 3, "👩‍👩‍👧x"},
		{"👩‍👩‍👧xy", 3, "👩‍👩‍👧…"},
	}
	for _, tt := range tests {
		if got := cut(tt.s, tt.w); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		widths []int
		total  int
		want   []int
	}{
		{[]int{5, 10}, 22, []int{5, 10}}, // exactly fits: 7 + 15
		{[]int{5, 10}, 21, []int{5, 9}},
		{[]int{5, 10}, 15, []int{4, 4}},
		{[]int{5, 10, 8}, 25, []int{5, 5, 5}},
		{[]int{5, 10, 8}, 26, []int{5, 6, 5}},
		{[]int{2, 30, 30}, 30, []int{2, 9, 9}},
		{[]int{2, 30, 31}, 31, []int{2, 10, 9}},
		{[]int{5, 5}, 3, []int{1, 1}}, // cannot fit: 1 each
	}
	for _, tt := range tests {
		got := fit(tt.widths, tt.total)
		if !equalInts(got, tt.want) {
			t.Errorf("fit(%v, %d) = %v, want %v", tt.widths, tt.total, got, tt.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWriteStreams checks that csv, json and jsonl write each row before the
// next one is read.
func TestWriteStreams(t *testing.T) {
	tests := []struct {
		format string
		seen   []string // output when row i is about to be read
	}{
		{"csv", []string{"id\n", "id\n1\n", "id\n1\n2\n"}},
		{"json", []string{"[", "[\n{\"id\":1}", "[\n{\"id\":1},\n{\"id\":2}"}},
		{"jsonl", []string{"", "{\"id\":1}\n", "{\"id\":1}\n{\"id\":2}\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			var seen []string
			f := &fixture{
				cols:   []string{"id"},
				rows:   [][]driver.Value{{int64(1)}, {int64(2)}},
				before: func(int) { seen = append(seen, buf.String()) },
			}
			if _, err := writeRows(&buf, tt.format, serveFixture(t, f), formatOptions{}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(seen, "|") != strings.Join(tt.seen, "|") {
				t.Errorf("output seen before each read:\n got %q\nwant %q", seen, tt.seen)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrors(t *testing.T) {
	t.Run("unknown format", func(t *testing.T) {
		f := mixed()
		_, err := writeRows(io.Discard, "xml", serveFixture(t, f), formatOptions{})
		if got, want := errString(err), `unknown output format "xml": use one of table, csv, json, jsonl, markdown, list, line, column, box, insert`; got != want {
			t.Errorf("err = %s, want %s", got, want)
		}
		if f.nexts != 0 {
			t.Errorf("rows were read (%d) before the format was checked", f.nexts)
		}
		if _, err := writeResult(io.Discard, "Table", &result{}, formatOptions{}); errString(err) != `unknown output format "Table": use one of table, csv, json, jsonl, markdown, list, line, column, box, insert` {
			t.Errorf("writeResult err = %v", err)
		}
	})
	for _, format := range formats {
		t.Run("rows error "+format, func(t *testing.T) {
			f := mixed()
			f.err = errors.New("graph: 503")
			n, err := writeRows(io.Discard, format, serveFixture(t, f), formatOptions{})
			if got, want := errString(err), "read rows: graph: 503"; got != want {
				t.Errorf("err = %s, want %s", got, want)
			}
			if n != 3 {
				t.Errorf("n = %d, want 3", n)
			}
		})
		t.Run("writer error "+format, func(t *testing.T) {
			_, err := writeRows(failWriter{}, format, serveFixture(t, mixed()), formatOptions{})
			if got, want := errString(err), "write "+format+" output: broken pipe"; got != want {
				t.Errorf("err = %s, want %s", got, want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestNoColumns(t *testing.T) {
	for _, format := range formats {
		var buf bytes.Buffer
		n, err := writeResult(&buf, format, &result{Rows: [][]any{{}, {}}}, formatOptions{})
		want := map[string]string{"json": "[\n{},\n{}\n]\n", "jsonl": "{}\n{}\n"}[format]
		if err != nil || n != 2 || buf.String() != want {
			t.Errorf("%s: got %q, %d, %v; want %q, 2, nil", format, buf.String(), n, err, want)
		}
	}
}

func TestReadResult(t *testing.T) {
	f := mixed()
	res, err := readResult(serveFixture(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Columns, ",") != "id,subject,score,blob,ok,at" || len(res.Rows) != 3 {
		t.Fatalf("readResult = %v", res)
	}
	// writeResult of a read result matches writeRows of the rows.
	for _, format := range formats {
		var a, b bytes.Buffer
		if _, err := writeResult(&a, format, res, formatOptions{Width: 50}); err != nil {
			t.Fatal(err)
		}
		if _, err := writeRows(&b, format, serveFixture(t, mixed()), formatOptions{Width: 50}); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("%s: writeResult\n%s\nWrite\n%s", format, a.String(), b.String())
		}
	}
	f = mixed()
	f.err = errors.New("boom")
	if _, err := readResult(serveFixture(t, f)); errString(err) != "read rows: boom" {
		t.Errorf("readResult err = %v, want read rows: boom", err)
	}
}

// TestSQLite runs the formats on values as mattn/go-sqlite3 returns them.
func TestSQLite(t *testing.T) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const q = `SELECT 1 AS i, 2.5 AS r, 'tëxt' AS t, x'00ff' AS b, NULL AS n, 1e300*1e300 AS inf`
	want := map[string]string{
		"table": "+---+-----+------+------+------+-----+\n" +
			"| i |   r | t    | b    | n    | inf |\n" +
			"+---+-----+------+------+------+-----+\n" +
			"| 1 | 2.5 | tëxt | AP8= | NULL | Inf |\n" +
			"+---+-----+------+------+------+-----+\n",
		"csv":      "i,r,t,b,n,inf\n1,2.5,tëxt,AP8=,,Inf\n",
		"json":     "[\n{\"i\":1,\"r\":2.5,\"t\":\"tëxt\",\"b\":\"AP8=\",\"n\":null,\"inf\":null}\n]\n",
		"jsonl":    "{\"i\":1,\"r\":2.5,\"t\":\"tëxt\",\"b\":\"AP8=\",\"n\":null,\"inf\":null}\n",
		"markdown": "|   i |   r | t    | b    | n    | inf |\n| --: | --: | ---- | ---- | ---- | --: |\n|   1 | 2.5 | tëxt | AP8= | NULL | Inf |\n",
	}
	for _, format := range formats {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = writeRows(&buf, format, rows, formatOptions{})
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		if buf.String() != want[format] {
			t.Errorf("%s:\n got %q\nwant %q", format, buf.String(), want[format])
		}
	}
}
