//go:build !outlooksql_ext

package vtab

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// testSchema has the columns a(0) b(1) c(2) d(3) and HIDDEN arg(4).
const testSchema = `CREATE TABLE x(a TEXT, b TEXT, c INTEGER, d TEXT, arg HIDDEN)`

// testRows are returned by every scan, whatever the constraints: what the
// query result contains beyond them shows what SQLite re-checked itself.
var testRows = [][]any{
	{"a0", "x", int64(1), "d2"},
	{"a1", "y", int64(2), "d0"},
	{"a2", "X", int64(3), "d3"},
	{"a3", "z", int64(4), "d1"},
}

// bestCall is what one BestIndex call received and answered.
type bestCall struct {
	In  IndexInfo // inputs only
	Out IndexInfo // after the plan filled the outputs
}

// filterCall is what one Filter call received.
type filterCall struct {
	IdxNum int
	IdxStr string
	Args   []any
}

// testMod is a configurable, recording module.
type testMod struct {
	plan    func(ii *IndexInfo) error // nil: take(opts{})
	rows    [][]any
	panicIn atomic.Value // method name that panics ("" none)
	errIn   atomic.Value // method name that returns an error

	mu      sync.Mutex
	best    []bestCall
	filters []filterCall
	conns   []*Conn
	opened  int // cursors opened
	closed  int // cursors closed
	discon  int // tables disconnected
}

func (m *testMod) Schema() string { return testSchema }

func (m *testMod) Connect(c *Conn) (Table, error) {
	if m.fails("Connect") {
		return nil, fmt.Errorf("connect failed for test")
	}
	m.mu.Lock()
	m.conns = append(m.conns, c)
	m.mu.Unlock()
	return &testTable{m: m}, nil
}

func (m *testMod) fails(method string) bool {
	if p, _ := m.panicIn.Load().(string); p == method {
		panic("boom in " + method)
	}
	e, _ := m.errIn.Load().(string)
	return e == method
}

func (m *testMod) set(panicIn, errIn string) {
	m.panicIn.Store(panicIn)
	m.errIn.Store(errIn)
}

func (m *testMod) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.best, m.filters = nil, nil
}

func (m *testMod) calls() ([]bestCall, []filterCall) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]bestCall(nil), m.best...), append([]filterCall(nil), m.filters...)
}

type testTable struct{ m *testMod }

func (t *testTable) BestIndex(ii *IndexInfo) error {
	in := IndexInfo{
		Constraints: append([]Constraint(nil), ii.Constraints...),
		OrderBy:     append([]OrderBy(nil), ii.OrderBy...),
		ColUsed:     ii.ColUsed,
		Distinct:    ii.Distinct,
		// Output fields as SQLite preset them.
		EstimatedCost: ii.EstimatedCost,
		EstimatedRows: ii.EstimatedRows,
	}
	if t.m.fails("BestIndex") {
		return fmt.Errorf("graph: BestIndex refused for test")
	}
	plan := t.m.plan
	if plan == nil {
		plan = take(opts{})
	}
	err := plan(ii)
	out := *ii
	out.ConstraintUsage = append([]ConstraintUsage(nil), ii.ConstraintUsage...)
	t.m.mu.Lock()
	t.m.best = append(t.m.best, bestCall{In: in, Out: out})
	t.m.mu.Unlock()
	return err
}

func (t *testTable) Open(any) (Cursor, error) {
	if t.m.fails("Open") {
		return nil, fmt.Errorf("graph: Open refused for test")
	}
	t.m.mu.Lock()
	t.m.opened++
	t.m.mu.Unlock()
	return &testCursor{m: t.m}, nil
}

func (t *testTable) Disconnect() error {
	t.m.mu.Lock()
	t.m.discon++
	t.m.mu.Unlock()
	return nil
}

type testCursor struct {
	m    *testMod
	rows [][]any
	pos  int
	arg  any
}

func (c *testCursor) Filter(idxNum int, idxStr string, args []any) error {
	c.m.mu.Lock()
	c.m.filters = append(c.m.filters, filterCall{IdxNum: idxNum, IdxStr: idxStr, Args: args})
	c.m.mu.Unlock()
	if c.m.fails("Filter") {
		return fmt.Errorf("graph: 401 InvalidAuthenticationToken")
	}
	c.rows = c.m.rows
	if c.rows == nil {
		c.rows = testRows
	}
	c.pos, c.arg = 0, nil
	offset, limit := int64(0), int64(-1)
	for i, cons := range parseIdxStr(idxStr) {
		switch {
		case cons.op == OpOFFSET:
			offset = args[i].(int64)
		case cons.op == OpLIMIT:
			limit = args[i].(int64)
		case cons.col == 4 && cons.op == OpEQ:
			c.arg = args[i]
		}
	}
	c.rows = c.rows[min(offset, int64(len(c.rows))):]
	if limit >= 0 && limit < int64(len(c.rows)) {
		c.rows = c.rows[:limit]
	}
	return nil
}

func (c *testCursor) Next() error {
	if c.m.fails("Next") {
		return fmt.Errorf("graph: 429 Too Many Requests")
	}
	c.pos++
	return nil
}

func (c *testCursor) EOF() bool {
	c.m.fails("EOF")
	return c.pos >= len(c.rows)
}

func (c *testCursor) Column(ctx *Context, col int) error {
	if c.m.fails("Column") {
		return fmt.Errorf("graph: column refused for test")
	}
	if col == 4 {
		ctx.ResultValue(c.arg)
		return nil
	}
	ctx.ResultValue(c.rows[c.pos][col])
	return nil
}

func (c *testCursor) Rowid() (int64, error) {
	if c.m.fails("Rowid") {
		return 0, fmt.Errorf("graph: rowid refused for test")
	}
	return int64(c.pos), nil
}

func (c *testCursor) Close() error {
	c.m.mu.Lock()
	c.m.closed++
	c.m.mu.Unlock()
	return nil
}

// opts is a simple planning policy.
type opts struct {
	cols  func(c Constraint) bool // which usable constraints to take; nil: all
	omit  func(c Constraint) bool // which taken ones to omit; nil: none
	in    bool                    // take IN lists whole
	order bool                    // consume ORDER BY
}

// take returns a plan that takes constraints per o and records them in
// IdxStr as "col:op,…" in ArgvIndex order.
func take(o opts) func(ii *IndexInfo) error {
	return func(ii *IndexInfo) error {
		var parts []string
		for i, c := range ii.Constraints {
			if !c.Usable || (o.cols != nil && !o.cols(c)) {
				continue
			}
			ii.ConstraintUsage[i] = ConstraintUsage{
				ArgvIndex: len(parts) + 1,
				Omit:      o.omit != nil && o.omit(c),
				In:        o.in && c.IsIn,
			}
			parts = append(parts, fmt.Sprintf("%d:%d", c.Column, int(c.Op)))
		}
		ii.IdxNum = len(parts)
		ii.IdxStr = strings.Join(parts, ",")
		ii.OrderByConsumed = o.order && len(ii.OrderBy) > 0
		ii.EstimatedCost = 1000 / float64(1+len(parts))
		return nil
	}
}

type idxCons struct {
	col int
	op  Op
}

func parseIdxStr(s string) []idxCons {
	if s == "" {
		return nil
	}
	var out []idxCons
	for _, p := range strings.Split(s, ",") {
		col, op, _ := strings.Cut(p, ":")
		ci, _ := strconv.Atoi(col)
		oi, _ := strconv.Atoi(op)
		out = append(out, idxCons{col: ci, op: Op(oi)})
	}
	return out
}

var modSeq atomic.Int64

// newMod registers m under a fresh name and opens a one-connection database.
func newMod(t testing.TB, m Module) (*sql.DB, string) {
	t.Helper()
	name := fmt.Sprintf("t%d", modSeq.Add(1))
	if tm, ok := m.(*testMod); ok {
		tm.set("", "")
	}
	if err := Register(name, m); err != nil {
		t.Fatalf("Register(%q): %v", name, err)
	}
	return openDB(t), name
}

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// query runs q and returns the rows as strings "v1|v2|…" (NULL as "NULL").
func query(db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = fmt.Sprintf("blob(%s)", v)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}

func mustQuery(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	out, err := query(db, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
