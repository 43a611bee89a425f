//go:build !outlooksql_ext

package vtab

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func all(Constraint) bool { return true }

func isLimit(c Constraint) bool { return c.Op == OpLIMIT || c.Op == OpOFFSET }

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// run registers a module with plan, runs q (with %s the table name) and
// returns the result rows and what BestIndex and Filter saw.
func run(t *testing.T, plan func(*IndexInfo) error, q string, args ...any) ([]string, []bestCall, []filterCall) {
	t.Helper()
	m := &testMod{plan: plan}
	db, name := newMod(t, m)
	out := mustQuery(t, db, fmt.Sprintf(q, name), args...)
	best, filters := m.calls()
	return out, best, filters
}

func TestINListWholeInOneFilter(t *testing.T) {
	tests := []struct {
		name    string
		in      bool
		filters []filterCall
	}{
		{"whole", true, []filterCall{{1, "1:2", []any{InList{"x", "y"}}}}},
		{"one value per Filter", false, []filterCall{{1, "1:2", []any{"x"}}, {1, "1:2", []any{"y"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, best, filters := run(t, take(opts{in: tt.in}), "SELECT a FROM %s WHERE b IN ('y', 'x', 'y')")
			equal(t, "rows", out, []string{"a0", "a1"})
			equal(t, "IsIn", best[0].In.Constraints[0].IsIn, true)
			equal(t, "filters", filters, tt.filters)
		})
	}
	t.Run("with LIMIT and other constraints", func(t *testing.T) {
		out, _, filters := run(t, take(opts{in: true}), "SELECT a FROM %s WHERE b IN ('y','x') AND c > 1 LIMIT 3")
		equal(t, "rows", out, []string{"a1"})
		equal(t, "filters", filters, []filterCall{{3, "1:2,2:4,0:73", []any{InList{"x", "y"}, int64(1), int64(3)}}})
	})
	t.Run("subquery", func(t *testing.T) {
		out, _, filters := run(t, take(opts{in: true}), "SELECT a FROM %s WHERE c IN (SELECT value FROM json_each('[4,2,9]'))")
		equal(t, "rows", out, []string{"a1", "a3"})
		equal(t, "filters", filters, []filterCall{{1, "2:2", []any{InList{int64(2), int64(4), int64(9)}}}})
	})
}

func TestLimitOffset(t *testing.T) {
	lim := func(col int, op Op, usable bool, rhs int64) Constraint {
		return Constraint{Column: col, Op: op, Usable: usable, Collation: "BINARY", RHS: rhs, HasRHS: true}
	}
	tests := []struct {
		name    string
		o       opts
		q       string
		args    []any
		rows    []string
		best    [][]Constraint // Constraints of each BestIndex call
		filters []filterCall
	}{
		{
			name: "all consumed, table skips OFFSET",
			o:    opts{omit: all},
			q:    "SELECT a FROM %s WHERE c > 1 LIMIT 2 OFFSET 1",
			rows: []string{"a1", "a2"}, // no re-check of c > 1: a0 is dropped by the table's OFFSET only
			best: [][]Constraint{{lim(2, OpGT, true, 1), lim(0, OpOFFSET, true, 1), lim(0, OpLIMIT, true, 2)}},
			filters: []filterCall{
				{3, "2:4,0:74,0:73", []any{int64(1), int64(1), int64(2)}},
			},
		},
		{
			name: "bound parameters reach Filter",
			o:    opts{omit: all},
			q:    "SELECT a FROM %s WHERE c > ? LIMIT ? OFFSET ?",
			args: []any{2, 5, 0},
			rows: []string{"a0", "a1", "a2", "a3"},
			filters: []filterCall{
				{3, "2:4,0:74,0:73", []any{int64(2), int64(0), int64(5)}},
			},
		},
		{
			name: "LIMIT without the other constraint is refused and re-planned",
			o:    opts{cols: isLimit},
			q:    "SELECT a FROM %s WHERE c > 1 LIMIT 2 OFFSET 1",
			rows: []string{"a2", "a3"}, // SQLite applied c > 1, OFFSET and LIMIT itself
			best: [][]Constraint{
				{lim(2, OpGT, true, 1), lim(0, OpOFFSET, true, 1), lim(0, OpLIMIT, true, 2)},
				{lim(2, OpGT, true, 1), lim(0, OpOFFSET, false, 1), lim(0, OpLIMIT, false, 2)},
			},
			filters: []filterCall{{0, "", nil}},
		},
		{
			name:    "LIMIT consumed without omit: SQLite still limits",
			o:       opts{},
			q:       "SELECT a FROM %s LIMIT 3",
			rows:    []string{"a0", "a1", "a2"},
			best:    [][]Constraint{{lim(0, OpLIMIT, true, 3)}},
			filters: []filterCall{{1, "0:73", []any{int64(3)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, best, filters := run(t, take(tt.o), tt.q, tt.args...)
			equal(t, "rows", out, tt.rows)
			if tt.best != nil {
				var got [][]Constraint
				for _, b := range best {
					got = append(got, b.In.Constraints)
				}
				equal(t, "BestIndex constraints", got, tt.best)
			}
			equal(t, "filters", filters, tt.filters)
		})
	}
}

func TestColUsed(t *testing.T) {
	tests := []struct {
		q    string
		want uint64
	}{
		{"SELECT a FROM %s", 1 << 0},
		{"SELECT a, d FROM %s", 1<<0 | 1<<3},
		{"SELECT a FROM %s WHERE c > 1", 1<<0 | 1<<2},
		{"SELECT * FROM %s", 0xf},
		{"SELECT count(*) FROM %s", 0},
		{"SELECT arg FROM %s('q')", 1 << 4},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, best, _ := run(t, take(opts{}), tt.q)
			equal(t, "ColUsed", best[0].In.ColUsed, tt.want)
		})
	}
}

func TestPerConstraintOmit(t *testing.T) {
	// The table returns every row, so the result shows what SQLite checks.
	isB := func(c Constraint) bool { return c.Column == 1 }
	isC := func(c Constraint) bool { return c.Column == 2 }
	tests := []struct {
		name string
		omit func(Constraint) bool
		rows []string
	}{
		{"none omitted: SQLite checks both", nil, nil},
		{"b omitted: SQLite checks c > 2", isB, []string{"a2", "a3"}},
		{"c omitted: SQLite checks b = 'x'", isC, []string{"a0"}},
		{"both omitted: nothing checked", all, []string{"a0", "a1", "a2", "a3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, best, _ := run(t, take(opts{omit: tt.omit}), "SELECT a FROM %s WHERE b = 'x' AND c > 2")
			equal(t, "rows", out, tt.rows)
			var omits []bool
			for _, u := range best[0].Out.ConstraintUsage {
				omits = append(omits, u.Omit)
			}
			want := []bool{tt.omit != nil && tt.omit(Constraint{Column: 1}), tt.omit != nil && tt.omit(Constraint{Column: 2})}
			equal(t, "omit", omits, want)
		})
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		name    string
		q       string
		consume bool
		orderBy []OrderBy
		rows    []string
	}{
		{"consumed: table order is trusted", "SELECT d FROM %s ORDER BY d", true, []OrderBy{{Column: 3}}, []string{"d2", "d0", "d3", "d1"}},
		{"not consumed: SQLite sorts", "SELECT d FROM %s ORDER BY d", false, []OrderBy{{Column: 3}}, []string{"d0", "d1", "d2", "d3"}},
		{"DESC, two terms", "SELECT d FROM %s ORDER BY d DESC, a", false, []OrderBy{{Column: 3, Desc: true}, {Column: 0}}, []string{"d3", "d2", "d1", "d0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, best, _ := run(t, take(opts{order: tt.consume}), tt.q)
			equal(t, "rows", out, tt.rows)
			equal(t, "OrderBy", best[0].In.OrderBy, tt.orderBy)
		})
	}
}

func TestTableValuedFunction(t *testing.T) {
	isArg := func(c Constraint) bool { return c.Column == 4 }
	tests := []struct {
		name    string
		o       opts
		q       string
		rows    []string
		filters []filterCall
	}{
		{"hidden argument taken and echoed", opts{cols: isArg}, "SELECT a, arg FROM %s('q') WHERE c < 3",
			[]string{"a0|q", "a1|q"}, []filterCall{{1, "4:2", []any{"q"}}}},
		{"hidden argument bound", opts{cols: isArg, omit: all}, "SELECT count(*) FROM %s(?)",
			[]string{"4"}, []filterCall{{1, "4:2", []any{"p"}}}},
		// Not taken: SQLite checks arg = 'q' against the NULL the table returns.
		{"hidden argument not taken", opts{cols: func(Constraint) bool { return false }}, "SELECT a FROM %s('q')",
			nil, []filterCall{{0, "", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, best, filters := run(t, take(tt.o), tt.q, "p")
			if !strings.Contains(tt.q, "?") {
				out, best, filters = run(t, take(tt.o), tt.q)
			}
			equal(t, "rows", out, tt.rows)
			equal(t, "filters", filters, tt.filters)
			c := best[len(best)-1].In.Constraints
			equal(t, "hidden constraint", c[len(c)-1].Column, 4)
		})
	}
}

func TestConstraintInputs(t *testing.T) {
	cons := func(col int, op Op, coll string, rhs any, hasRHS bool) Constraint {
		return Constraint{Column: col, Op: op, Usable: true, Collation: coll, RHS: rhs, HasRHS: hasRHS}
	}
	tests := []struct {
		q        string
		want     []Constraint
		distinct int
	}{
		{"SELECT a FROM %s WHERE b = 'x'", []Constraint{cons(1, OpEQ, "BINARY", "x", true)}, 0},
		{"SELECT a FROM %s WHERE b = 'x' COLLATE NOCASE", []Constraint{cons(1, OpEQ, "NOCASE", nil, false)}, 0}, // a COLLATE expression is no plain RHS
		{"SELECT a FROM %s WHERE b = 'x ' COLLATE RTRIM", []Constraint{cons(1, OpEQ, "RTRIM", nil, false)}, 0},
		{"SELECT a FROM %s WHERE c >= 2.5 AND b != 'q'", []Constraint{cons(2, OpGE, "BINARY", 2.5, true), cons(1, OpNE, "BINARY", "q", true)}, 0},
		{"SELECT a FROM %s WHERE b IS NULL AND d IS NOT NULL", []Constraint{cons(1, OpISNULL, "BINARY", nil, false), cons(3, OpISNOTNULL, "BINARY", nil, false)}, 0},
		{"SELECT a FROM %s WHERE b = x'0102'", []Constraint{cons(1, OpEQ, "BINARY", []byte{1, 2}, true)}, 0},
		{"SELECT a FROM %s WHERE rowid = 7", []Constraint{cons(-1, OpEQ, "BINARY", int64(7), true)}, 0},
		{"SELECT a FROM %s WHERE b = ?", []Constraint{cons(1, OpEQ, "BINARY", nil, false)}, 0},
		{"SELECT DISTINCT a FROM %s", nil, 2},
		{"SELECT a, count(*) FROM %s GROUP BY a", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, best, _ := run(t, take(opts{}), tt.q, "p")
			if !strings.Contains(tt.q, "?") {
				_, best, _ = run(t, take(opts{}), tt.q)
			}
			equal(t, "constraints", best[0].In.Constraints, tt.want)
			equal(t, "Distinct", best[0].In.Distinct, tt.distinct)
		})
	}
}

func TestFilterArgs(t *testing.T) {
	tests := []struct {
		q    string
		args []any
		want []any
	}{
		{"SELECT a FROM %s WHERE b = ?", []any{"s"}, []any{"s"}},
		{"SELECT a FROM %s WHERE b = ?", []any{""}, []any{""}},
		{"SELECT a FROM %s WHERE b = ?", []any{[]byte{0, 1}}, []any{[]byte{0, 1}}},
		{"SELECT a FROM %s WHERE b = ?", []any{[]byte{}}, []any{[]byte{}}},
		{"SELECT a FROM %s WHERE c = ?", []any{int64(-3)}, []any{int64(-3)}},
		{"SELECT a FROM %s WHERE c = ?", []any{true}, []any{int64(1)}},
		{"SELECT a FROM %s WHERE c > ?", []any{0.25}, []any{0.25}},
		{"SELECT a FROM %s WHERE b IS ?", []any{nil}, []any{nil}},
		{"SELECT a FROM %s WHERE b IS NULL", nil, []any{nil}},
		{"SELECT a FROM %s WHERE b = 'x' AND c = 1 AND d IS NOT NULL", nil, []any{"x", int64(1), nil}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %#v", tt.q, tt.args), func(t *testing.T) {
			_, _, filters := run(t, take(opts{}), tt.q, tt.args...)
			if len(filters) != 1 {
				t.Fatalf("%d Filter calls, want 1", len(filters))
			}
			equal(t, "args", filters[0].Args, tt.want)
		})
	}
}

func TestErrConstraintMakesSQLiteChooseAnotherPlan(t *testing.T) {
	// The table needs its hidden argument: without it there is no plan.
	plan := func(ii *IndexInfo) error {
		for _, c := range ii.Constraints {
			if c.Column == 4 && c.Op == OpEQ && c.Usable {
				return take(opts{cols: func(c Constraint) bool { return c.Column == 4 }, omit: all})(ii)
			}
		}
		return ErrConstraint
	}
	m := &testMod{plan: plan}
	db, name := newMod(t, m)
	mustQuery(t, db, "CREATE TEMP TABLE other(x TEXT)")
	mustQuery(t, db, "INSERT INTO other VALUES ('p'), ('q')")

	// The join order with the virtual table outside has no plan; SQLite puts it
	// inside and calls Filter once per row of other.
	out := mustQuery(t, db, fmt.Sprintf("SELECT o.x, t.a FROM %s t JOIN other o ON t.arg = o.x WHERE t.c < 2", name))
	equal(t, "rows", out, []string{"p|a0", "q|a0"})
	_, filters := m.calls()
	equal(t, "filters", filters, []filterCall{{1, "4:2", []any{"p"}}, {1, "4:2", []any{"q"}}})

	_, err := query(db, fmt.Sprintf("SELECT a FROM %s", name))
	if err == nil || !strings.Contains(err.Error(), "no query solution") {
		t.Fatalf("query without the argument: err = %v, want SQLite's \"no query solution\"", err)
	}
}

var callbacks = []string{"Connect", "BestIndex", "Open", "Filter", "Next", "EOF", "Column", "Rowid"}

// TestPanicsAndErrors checks that a panic or an error in each callback fails
// the statement with its message and leaves the connection usable.
func TestPanicsAndErrors(t *testing.T) {
	wantErr := map[string]string{
		"Connect":   "connect failed for test",
		"BestIndex": "graph: BestIndex refused for test",
		"Open":      "graph: Open refused for test",
		"Filter":    "graph: 401 InvalidAuthenticationToken",
		"Next":      "graph: 429 Too Many Requests",
		"Column":    "graph: column refused for test",
		"Rowid":     "graph: rowid refused for test",
	}
	for _, method := range callbacks {
		for _, kind := range []string{"panic", "error"} {
			want := wantErr[method]
			if kind == "panic" {
				want = fmt.Sprintf("panic in %s: boom in %s", method, method)
			} else if method == "EOF" {
				continue // EOF cannot return an error
			}
			t.Run(method+" "+kind, func(t *testing.T) {
				m := &testMod{}
				db, name := newMod(t, m)
				if kind == "panic" {
					m.set(method, "")
				} else {
					m.set("", method)
				}
				q := fmt.Sprintf("SELECT rowid, a FROM %s WHERE c > 0", name)
				out, err := query(db, q)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s: rows %q, err = %v; want an error containing %q", q, out, err, want)
				}
				m.set("", "")
				equal(t, "rows after the failure", mustQuery(t, db, q), []string{"0|a0", "1|a1", "2|a2", "3|a3"})
			})
		}
	}
}

func TestBestIndexOutputChecks(t *testing.T) {
	tests := []struct {
		name string
		plan func(ii *IndexInfo) error
		want string
	}{
		{"ArgvIndex on an unusable constraint", func(ii *IndexInfo) error {
			for i := range ii.ConstraintUsage {
				ii.ConstraintUsage[i].ArgvIndex = i + 1
			}
			return nil
		}, "is not usable in this plan but has ArgvIndex 1"},
		{"gap", func(ii *IndexInfo) error {
			ii.ConstraintUsage[0].ArgvIndex = 2
			return nil
		}, "ArgvIndex values must be 1..1 without gaps, 1 is missing"},
		{"duplicate", func(ii *IndexInfo) error {
			take(opts{})(ii)
			ii.ConstraintUsage[len(ii.ConstraintUsage)-1].ArgvIndex = 1
			return nil
		}, "ArgvIndex 1 is given to two constraints"},
		{"out of range", func(ii *IndexInfo) error {
			ii.ConstraintUsage[0].ArgvIndex = 9
			return nil
		}, "ArgvIndex 9 is outside 0..1"},
		{"Omit without ArgvIndex", func(ii *IndexInfo) error {
			ii.ConstraintUsage[0].Omit = true
			return nil
		}, "Omit without ArgvIndex"},
		{"In on a constraint that is not IN", func(ii *IndexInfo) error {
			take(opts{})(ii)
			ii.ConstraintUsage[0].In = true
			return nil
		}, "In is set but the constraint is not an IN list"},
		{"replaced ConstraintUsage", func(ii *IndexInfo) error {
			ii.ConstraintUsage = nil
			return nil
		}, "ConstraintUsage has 0 entries, want one per constraint (1)"},
		{"NUL in IdxStr", func(ii *IndexInfo) error {
			ii.IdxStr = "a\x00b"
			return nil
		}, "IdxStr contains a NUL byte at 1"},
		{"negative cost", func(ii *IndexInfo) error {
			ii.EstimatedCost = -1
			return nil
		}, "EstimatedCost -1 must be a number >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &testMod{plan: tt.plan}
			db, name := newMod(t, m)
			mustQuery(t, db, "CREATE TEMP TABLE other(x TEXT)")
			q := fmt.Sprintf("SELECT t.a FROM other o, %s t WHERE t.b = o.x", name)
			switch tt.name {
			case "gap", "duplicate":
				q = fmt.Sprintf("SELECT a FROM %s WHERE b = 'x' AND c > 1", name)
			case "ArgvIndex on an unusable constraint":
			default:
				q = fmt.Sprintf("SELECT a FROM %s WHERE b = 'x'", name)
			}
			_, err := query(db, q)
			want := fmt.Sprintf("vtab: %s: BestIndex: ", name)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%s: err = %v, want %q and %q", q, err, want, tt.want)
			}
		})
	}
}

func TestIdxNumIdxStrFlagsCost(t *testing.T) {
	plan := func(ii *IndexInfo) error {
		take(opts{omit: all})(ii)
		ii.IdxNum = -7
		ii.IdxStr = "plan ünïcode"
		ii.EstimatedCost = 3
		ii.EstimatedRows = 1
		ii.IdxFlags = ScanUnique
		return nil
	}
	m := &testMod{plan: plan}
	db, name := newMod(t, m)
	var id, parent, notused int
	var detail string
	if err := db.QueryRow(fmt.Sprintf("EXPLAIN QUERY PLAN SELECT a FROM %s WHERE b = 'x'", name)).Scan(&id, &parent, &notused, &detail); err != nil {
		t.Fatal(err)
	}
	equal(t, "query plan", detail, fmt.Sprintf("SCAN %s VIRTUAL TABLE INDEX -7:plan ünïcode", name))
	best, _ := m.calls()
	equal(t, "SQLite's defaults on entry", []any{best[0].In.EstimatedCost, best[0].In.EstimatedRows}, []any{5e98, int64(25)})
	mustQuery(t, db, fmt.Sprintf("SELECT a FROM %s WHERE b = 'x'", name))
	_, filters := m.calls()
	equal(t, "filters", filters, []filterCall{{-7, "plan ünïcode", []any{"x"}}})
}

// funcsOnce registers the SQL functions the tests use.
var funcsOnce sync.Once

func registerTestFuncs(t testing.TB) {
	funcsOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		must(RegisterFunction("vt_conn_id", 0, func(c *Conn, _ []any) (any, error) { return c.ID(), nil }))
		must(RegisterFunction("vt_set_data", 1, func(c *Conn, args []any) (any, error) {
			c.SetData(args[0])
			return nil, nil
		}))
		must(RegisterFunction("vt_get_data", 0, func(c *Conn, _ []any) (any, error) { return c.Data(), nil }))
		must(RegisterFunction("vt_args", -1, func(c *Conn, args []any) (any, error) {
			return fmt.Sprintf("%#v", args), nil
		}))
		must(RegisterFunction("vt_ret", 1, func(c *Conn, args []any) (any, error) {
			switch args[0] {
			case "int64":
				return int64(-5), nil
			case "int":
				return 7, nil
			case "float":
				return 1.5, nil
			case "string":
				return "héllo", nil
			case "empty":
				return "", nil
			case "bytes":
				return []byte("raw"), nil
			case "nilbytes":
				return []byte(nil), nil
			case "true":
				return true, nil
			case "false":
				return false, nil
			case "nil":
				return nil, nil
			case "struct":
				return struct{}{}, nil
			case "error":
				return nil, errors.New("graph: no such user")
			case "panic":
				panic("function boom")
			}
			return nil, fmt.Errorf("unknown case %v", args[0])
		}))
	})
}

func TestRegisterFunction(t *testing.T) {
	registerTestFuncs(t)
	db := openDB(t)
	tests := []struct {
		q    string
		want string
		err  string
	}{
		{q: "SELECT vt_ret('int64'), typeof(vt_ret('int64'))", want: "-5|integer"},
		{q: "SELECT vt_ret('int'), typeof(vt_ret('int'))", want: "7|integer"},
		{q: "SELECT vt_ret('float'), typeof(vt_ret('float'))", want: "1.5|real"},
		{q: "SELECT vt_ret('string'), typeof(vt_ret('string'))", want: "héllo|text"},
		{q: "SELECT vt_ret('empty') = '', typeof(vt_ret('empty'))", want: "1|text"},
		{q: "SELECT vt_ret('bytes'), typeof(vt_ret('bytes'))", want: "blob(raw)|blob"},
		{q: "SELECT typeof(vt_ret('nilbytes'))", want: "null"},
		{q: "SELECT vt_ret('true'), vt_ret('false')", want: "1|0"},
		{q: "SELECT typeof(vt_ret('nil'))", want: "null"},
		{q: "SELECT vt_args(1, 2.5, 's', x'00ff', NULL, '')", want: `[]interface {}{1, 2.5, "s", []uint8{0x0, 0xff}, interface {}(nil), ""}`},
		{q: "SELECT vt_args()", want: `[]interface {}(nil)`},
		{q: "SELECT vt_ret('struct')", err: "vtab: cannot return a struct {} to SQLite"},
		{q: "SELECT vt_ret('error')", err: "graph: no such user"},
		{q: "SELECT vt_ret('panic')", err: "vtab: vt_ret: panic in function: function boom"},
		{q: "SELECT vt_ret(1, 2)", err: "wrong number of arguments to function vt_ret()"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			out, err := query(db, tt.q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "result", out, []string{tt.want})
		})
	}
}

func TestRegisterRejects(t *testing.T) {
	m := &testMod{}
	_, name := newMod(t, m)
	registerTestFuncs(t)
	fn := func(*Conn, []any) (any, error) { return nil, nil }
	tests := []struct {
		err  error
		want string
	}{
		{Register(strings.ToUpper(name), m), fmt.Sprintf("vtab: module %q is already registered", strings.ToUpper(name))},
		{Register("", m), "vtab: module name is empty"},
		{Register("a\x00b", m), `vtab: module name "a\x00b" contains a NUL byte`},
		{Register("nilmod", nil), `vtab: Register "nilmod": module is nil`},
		{RegisterFunction("VT_RET", 1, fn), `vtab: function "VT_RET" with 1 arguments is already registered`},
		{RegisterFunction("f", 128, fn), `vtab: function "f": nArg 128 is outside -1..127`},
		{RegisterFunction("f", 0, nil), `vtab: RegisterFunction "f": fn is nil`},
	}
	for i, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("case %d: err = %v, want %q", i, tt.err, tt.want)
		}
	}
}

func TestConnPerConnectionAndFreed(t *testing.T) {
	registerTestFuncs(t)
	m := &testMod{}
	db1, name := newMod(t, m)
	db2 := openDB(t)

	var id1, id2 int64
	if err := db1.QueryRow("SELECT vt_conn_id()").Scan(&id1); err != nil {
		t.Fatal(err)
	}
	if err := db2.QueryRow("SELECT vt_conn_id()").Scan(&id2); err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || id1 <= 0 || id2 <= 0 {
		t.Fatalf("connection IDs %d and %d: want two distinct positive IDs", id1, id2)
	}
	mustQuery(t, db1, "SELECT vt_set_data('one')")
	mustQuery(t, db2, "SELECT vt_set_data(2)")
	equal(t, "data 1", mustQuery(t, db1, "SELECT vt_get_data()"), []string{"one"})
	equal(t, "data 2", mustQuery(t, db2, "SELECT vt_get_data()"), []string{"2"})

	// The module sees the same Conn as the functions.
	mustQuery(t, db1, fmt.Sprintf("SELECT a FROM %s", name))
	m.mu.Lock()
	conns := m.conns
	m.mu.Unlock()
	if len(conns) != 1 || conns[0].ID() != id1 || conns[0] != Lookup(id1) {
		t.Fatalf("module connections %v, want the one Conn %d", conns, id1)
	}

	c1 := Lookup(id1)
	if c1 == nil || Lookup(id2) == nil {
		t.Fatalf("Lookup of open connections returned nil")
	}
	equal(t, "Data", c1.Data(), "one")
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}
	if Lookup(id1) != nil {
		t.Errorf("Lookup(%d) after Close is not nil", id1)
	}
	m.mu.Lock()
	equal(t, "connected, disconnected, cursors opened, closed", []int{len(m.conns), m.discon, m.opened, m.closed}, []int{1, 1, 1, 1})
	m.mu.Unlock()
	equal(t, "Data after Close", c1.Data(), nil)
	c1.SetData("late")
	equal(t, "Data set after Close", c1.Data(), nil)
	equal(t, "Interrupted after Close", c1.Interrupted(), false)
	equal(t, "other connection", mustQuery(t, db2, "SELECT vt_get_data()"), []string{"2"})
}

// slowMod's Filter waits until its connection is interrupted.
type slowMod struct{}

func (m *slowMod) Schema() string { return testSchema }

func (m *slowMod) Connect(c *Conn) (Table, error) { return &slowTable{c: c}, nil }

type slowTable struct{ c *Conn }

func (t *slowTable) BestIndex(*IndexInfo) error { return nil }
func (t *slowTable) Open(any) (Cursor, error)   { return &slowCursor{c: t.c}, nil }
func (t *slowTable) Disconnect() error          { return nil }

type slowCursor struct {
	testCursor
	c *Conn
}

func (c *slowCursor) Filter(int, string, []any) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c.c.Interrupted() {
			return errors.New("slow: stopped, connection interrupted")
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("slow: never interrupted")
}

func TestInterrupted(t *testing.T) {
	m := &slowMod{}
	db, name := newMod(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT a FROM %s", name))
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatal("query was not interrupted")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("query took %v: Interrupted never reported true (err %v)", d, err)
	}
	// The connection still works.
	equal(t, "after interrupt", mustQuery(t, db, "SELECT 1"), []string{"1"})
}

// benchMod returns n rows (hidden column n) of two columns.
type benchMod struct{}

func (benchMod) Schema() string                  { return "CREATE TABLE x(s TEXT, i INTEGER, n HIDDEN)" }
func (benchMod) Connect(*Conn) (Table, error)    { return benchTable{}, nil }
func (benchTable) Open(any) (Cursor, error)      { return &benchCursor{}, nil }
func (benchTable) Disconnect() error             { return nil }
func (benchTable) BestIndex(ii *IndexInfo) error { return take(opts{omit: all})(ii) }

type benchTable struct{}

type benchCursor struct{ i, n int64 }

func (c *benchCursor) Filter(_ int, _ string, args []any) error {
	c.i, c.n = 0, args[0].(int64)
	return nil
}
func (c *benchCursor) Next() error           { c.i++; return nil }
func (c *benchCursor) EOF() bool             { return c.i >= c.n }
func (c *benchCursor) Rowid() (int64, error) { return c.i, nil }
func (c *benchCursor) Close() error          { return nil }
func (c *benchCursor) Column(ctx *Context, col int) error {
	if col == 0 {
		ctx.ResultText("some subject text")
	} else {
		ctx.ResultInt64(c.i)
	}
	return nil
}

var benchOnce sync.Once

// BenchmarkColumn measures one row through Next, EOF and two Column calls
// (a text and an integer).
func BenchmarkColumn(b *testing.B) {
	benchOnce.Do(func() {
		if err := Register("bench_rows", benchMod{}); err != nil {
			b.Fatal(err)
		}
	})
	db := openDB(b)
	b.ReportAllocs()
	b.ResetTimer()
	var n, sum int64
	if err := db.QueryRow("SELECT count(*), sum(length(s) + i) FROM bench_rows(?)", b.N).Scan(&n, &sum); err != nil {
		b.Fatal(err)
	}
	if n != int64(b.N) {
		b.Fatalf("rows = %d, want %d", n, b.N)
	}
}

type badSchemaMod struct{}

func (badSchemaMod) Schema() string               { return "CREATE TABLE x(a TEXT," }
func (badSchemaMod) Connect(*Conn) (Table, error) { return nil, errors.New("not reached") }

func TestBadSchema(t *testing.T) {
	db, name := newMod(t, badSchemaMod{})
	_, err := query(db, fmt.Sprintf("SELECT * FROM %s", name))
	want := fmt.Sprintf("vtab: %s: SQLite rejected the schema (code 1); fix Schema(): CREATE TABLE x(a TEXT,", name)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// TestConcurrentConnections runs queries on several pooled connections at
// once (run it with -race).
func TestConcurrentConnections(t *testing.T) {
	m := &testMod{plan: take(opts{in: true})}
	db, name := newMod(t, m)
	db.SetMaxOpenConns(4)
	q := fmt.Sprintf("SELECT a, arg FROM %s('q') WHERE b IN ('x', 'z')", name)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				out, err := query(db, q)
				if err == nil && !reflect.DeepEqual(out, []string{"a0|q", "a3|q"}) {
					err = fmt.Errorf("rows %q", out)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
