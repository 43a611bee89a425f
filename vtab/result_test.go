//go:build !outlooksql_ext

package vtab

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// resultMod has one row per case of resultCases: its column v is set by
// the case's set, its column want says what SQLite must see.
type resultMod struct{}

type resultCase struct {
	name string
	set  func(*Context)
	want any // as database/sql scans it into an any
}

var big = strings.Repeat("0123456789", maxCopied/10+1) // over maxCopied

var resultCases = []resultCase{
	{"null", func(c *Context) { c.ResultNull() }, nil},
	{"nothing set", func(*Context) {}, nil},
	{"int", func(c *Context) { c.ResultInt64(-42) }, int64(-42)},
	{"max int", func(c *Context) { c.ResultInt64(math.MaxInt64) }, int64(math.MaxInt64)},
	{"float", func(c *Context) { c.ResultFloat(2.5) }, 2.5},
	{"text", func(c *Context) { c.ResultText("héllo") }, "héllo"},
	{"empty text", func(c *Context) { c.ResultText("") }, ""},
	{"text with NUL", func(c *Context) { c.ResultText("a\x00b") }, "a\x00b"},
	{"longer text after a short one", func(c *Context) { c.ResultText(strings.Repeat("x", 1000)) }, strings.Repeat("x", 1000)},
	{"text of maxCopied bytes", func(c *Context) { c.ResultText(big[:maxCopied]) }, big[:maxCopied]},
	{"text over maxCopied", func(c *Context) { c.ResultText(big) }, big},
	{"blob", func(c *Context) { c.ResultBlob([]byte{0, 1, 2}) }, []byte{0, 1, 2}},
	{"empty blob", func(c *Context) { c.ResultBlob(nil) }, []byte{}},
	{"blob over maxCopied", func(c *Context) { c.ResultBlob([]byte(big)) }, []byte(big)},
	{"last of two wins", func(c *Context) { c.ResultText("first"); c.ResultInt64(7) }, int64(7)},
	{"a big text set directly after an int", func(c *Context) { c.ResultInt64(7); c.ResultText(big) }, big},
	{"an int after a big text", func(c *Context) { c.ResultText(big); c.ResultInt64(8) }, int64(8)},
	{"value bool", func(c *Context) { c.ResultValue(true) }, int64(1)},
	{"value nil bytes", func(c *Context) { c.ResultValue([]byte(nil)) }, nil},
	{"value string", func(c *Context) { c.ResultValue("s") }, "s"},
}

func (resultMod) Schema() string                        { return "CREATE TABLE x(name TEXT, v)" }
func (resultMod) Connect(*Conn) (Table, error)          { return resultTable{}, nil }
func (resultTable) Open(any) (Cursor, error)            { return &resultCursor{}, nil }
func (resultTable) Disconnect() error                   { return nil }
func (resultTable) BestIndex(*IndexInfo) error          { return nil }
func (c *resultCursor) Filter(int, string, []any) error { c.i = 0; return nil }
func (c *resultCursor) Next() error                     { c.i++; return nil }
func (c *resultCursor) EOF() bool                       { return c.i >= len(resultCases) }
func (c *resultCursor) Rowid() (int64, error)           { return int64(c.i), nil }
func (c *resultCursor) Close() error                    { return nil }

type resultTable struct{}

type resultCursor struct{ i int }

func (c *resultCursor) Column(ctx *Context, col int) error {
	if col == 0 {
		ctx.ResultText(resultCases[c.i].name)
		return nil
	}
	resultCases[c.i].set(ctx)
	return nil
}

// TestColumnResults checks that every kind of value a Column sets reaches
// SQLite whole, and that the last value set wins, whether it passes through
// the cursor's result buffer or is set directly.
func TestColumnResults(t *testing.T) {
	db, name := newMod(t, resultMod{})
	rows, err := db.Query(fmt.Sprintf("SELECT name, v, typeof(v) FROM %s", name))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var (
			got  any
			typ  string
			name string
		)
		if err := rows.Scan(&name, &got, &typ); err != nil {
			t.Fatal(err)
		}
		c := resultCases[n]
		if name != c.name {
			t.Fatalf("row %d is %q, want %q", n, name, c.name)
		}
		if gb, ok := got.([]byte); ok {
			if wb, ok := c.want.([]byte); !ok || !bytes.Equal(gb, wb) || typ != "blob" {
				t.Errorf("%s: got %s of %d bytes, want %T %.40v", c.name, typ, len(gb), c.want, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %s %.40v, want %T %.40v", c.name, typ, got, c.want, c.want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(resultCases) {
		t.Errorf("%d rows, want %d", n, len(resultCases))
	}
}
