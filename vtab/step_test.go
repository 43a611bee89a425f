//go:build !outlooksql_ext

package vtab

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
)

// stepMod is a table of three rows (k, s) whose s is the value the cursor
// received in Open: the statement it belongs to.
type stepMod struct {
	mu    sync.Mutex
	conns []*Conn
}

func (m *stepMod) Schema() string { return "CREATE TABLE x(k INTEGER, s TEXT)" }

func (m *stepMod) Connect(c *Conn) (Table, error) {
	m.mu.Lock()
	m.conns = append(m.conns, c)
	m.mu.Unlock()
	return stepTable{}, nil
}

type stepTable struct{}

func (stepTable) BestIndex(ii *IndexInfo) error { return take(opts{})(ii) }
func (stepTable) Disconnect() error             { return nil }
func (stepTable) Open(stmt any) (Cursor, error) { return &stepCursor{stmt: stmt}, nil }

type stepCursor struct {
	stmt any
	k, n int64
}

// Filter takes k = ? (its only argument) or scans all three rows.
func (c *stepCursor) Filter(_ int, _ string, args []any) error {
	c.k, c.n = 1, 3
	if len(args) == 1 {
		c.k = args[0].(int64)
		c.n = c.k
	}
	return nil
}
func (c *stepCursor) Next() error           { c.k++; return nil }
func (c *stepCursor) EOF() bool             { return c.k > c.n }
func (c *stepCursor) Rowid() (int64, error) { return c.k, nil }
func (c *stepCursor) Close() error          { return nil }
func (c *stepCursor) Column(ctx *Context, col int) error {
	if col == 0 {
		ctx.ResultInt64(c.k)
		return nil
	}
	ctx.ResultValue(c.stmt)
	return nil
}

// TestStepValue: the value Conn.Step gives a statement reaches every cursor
// the statement opens, explicitly in Open, and stays the cursor's when
// another statement of the connection is stepped with another value
// between its steps (two result sets open at once). Cursors opened outside
// Step receive nil; nested steps restore the outer value.
func TestStepValue(t *testing.T) {
	m := &stepMod{}
	db, name := newMod(t, m)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// The correlated subquery's cursor is opened in the first step and
	// filtered again in each later one.
	q := fmt.Sprintf("SELECT o.k, o.s, (SELECT i.s FROM %[1]s i WHERE i.k = o.k) FROM %[1]s o", name)
	// Find the connection: a statement that uses the table connects it.
	if _, err := conn.ExecContext(ctx, "SELECT k FROM "+name+" LIMIT 0"); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	vc := m.conns[0]
	m.mu.Unlock()
	// mattn steps a query once when it starts, then at each Next: both
	// are steps of the statement.
	query := func(v any) (rows *sql.Rows) {
		vc.Step(v, func() { rows, err = conn.QueryContext(ctx, q) })
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows1 := query("one")
	defer rows1.Close()
	var got []string
	// read reads the next row of rows, stepping it as it is (no Step).
	read := func(rows *sql.Rows) bool {
		ok := rows.Next()
		if ok {
			var k int64
			var s, inner sql.NullString
			if err := rows.Scan(&k, &s, &inner); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d|%s|%s", k, s.String, inner.String))
		}
		return ok
	}
	// next reads the next row of rows, stepping it with Step(v).
	next := func(rows *sql.Rows, v any) (ok bool) {
		vc.Step(v, func() { ok = read(rows) })
		return ok
	}
	next(rows1, "one")
	// A second statement, stepped with its own value while rows1 is open;
	// inside it, a nested step with a third value.
	rows2 := query("two")
	vc.Step("two", func() {
		read(rows2)
		vc.Step("nested", func() {})
		if v := vc.stepValue(); v != "two" {
			t.Errorf("after a nested step: value %v, want two", v)
		}
		read(rows2)
	})
	next(rows2, "two")
	rows2.Close()
	for next(rows1, "one") {
	}
	if err := rows1.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"1|one|one", "1|two|two", "2|two|two", "3|two|two", "2|one|one", "3|one|one"}
	equal(t, "rows", got, want)

	// Outside Step: nil (NULL).
	var s sql.NullString
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT s FROM %s WHERE k = 1", name)).Scan(&s); err != nil || s.Valid {
		t.Errorf("unstepped: %v, %v; want NULL", s, err)
	}
	if v := vc.stepValue(); v != nil {
		t.Errorf("after Step: value %v, want nil", v)
	}
}
