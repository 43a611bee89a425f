//go:build !outlooksql_ext

package vtab

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// extTestMain is a test-only package main, built as a loadable extension
// with the outlooksql_ext tag. It exists only in a go build -overlay, never
// on disk in the repository.
const extTestMain = `package main

import (
	"fmt"
	"strings"

	"github.com/outlooksql/outlooksql/vtab"
)

func init() {
	if err := vtab.Register("ext_t", mod{}); err != nil {
		panic(err)
	}
	if err := vtab.Register("ext_w", wmod{}); err != nil {
		panic(err)
	}
	err := vtab.RegisterFunction("ext_hello", 1, func(c *vtab.Conn, args []any) (any, error) {
		if c == nil || c.ID() <= 0 || vtab.Lookup(c.ID()) != c {
			return nil, fmt.Errorf("bad Conn %v", c)
		}
		if args[0] == "fail" {
			return nil, fmt.Errorf("ext: refused %v", args[0])
		}
		return fmt.Sprintf("hello %v", args[0]), nil
	})
	if err != nil {
		panic(err)
	}
}

func main() {}

// ext_w is writable and DIRECTONLY; column log shows the write calls.
var wlog []string

type wmod struct{}

func (wmod) Schema() string { return "CREATE TABLE x(k TEXT, log TEXT)" }
func (wmod) Writable() bool { return true }
func (wmod) Connect(c *vtab.Conn) (vtab.Table, error) { return wtable{}, nil }

type wtable struct{}

func (wtable) Disconnect() error { return nil }
func (wtable) Open(any) (vtab.Cursor, error) { return &wcursor{}, nil }
func (wtable) BestIndex(ii *vtab.IndexInfo) error { return nil }
func (wtable) DirectOnly() bool { return true }
func (wtable) Update(op vtab.UpdateOp) (int64, error) {
	wlog = append(wlog, fmt.Sprintf("%s %d %v", op.Kind, op.OldRowid, op.Values))
	return 9, nil
}
func (wtable) Begin() error { wlog = append(wlog, "Begin"); return nil }
func (wtable) Sync() error {
	wlog = append(wlog, "Sync")
	if strings.Contains(strings.Join(wlog, " "), "fail-sync") {
		return fmt.Errorf("ext: sync refused")
	}
	return nil
}
func (wtable) Commit() error { wlog = append(wlog, "Commit"); return nil }
func (wtable) Rollback() error { wlog = append(wlog, "Rollback"); return nil }

type wcursor struct{ i int }

func (c *wcursor) Filter(int, string, []any) error { c.i = 0; return nil }
func (c *wcursor) Next() error { c.i++; return nil }
func (c *wcursor) EOF() bool { return c.i >= 1 }
func (c *wcursor) Rowid() (int64, error) { return 1, nil }
func (c *wcursor) Close() error { return nil }
func (c *wcursor) Column(ctx *vtab.Context, col int) error {
	if ctx.NoChange() {
		return nil
	}
	if col == 0 {
		ctx.ResultText("k0")
	} else {
		ctx.ResultText(strings.Join(wlog, ";"))
	}
	return nil
}

type mod struct{}

func (mod) Schema() string { return "CREATE TABLE x(a TEXT, seen TEXT, arg HIDDEN)" }
func (mod) Connect(c *vtab.Conn) (vtab.Table, error) { return table{}, nil }

type table struct{}

func (table) Disconnect() error { return nil }
func (table) Open(any) (vtab.Cursor, error) { return &cursor{}, nil }
func (table) BestIndex(ii *vtab.IndexInfo) error {
	var parts []string
	for i, c := range ii.Constraints {
		if !c.Usable || c.Op != vtab.OpEQ {
			continue
		}
		ii.ConstraintUsage[i] = vtab.ConstraintUsage{ArgvIndex: len(parts) + 1, In: c.IsIn}
		parts = append(parts, fmt.Sprintf("%d:in=%v:coll=%s:rhs=%v", c.Column, c.IsIn, c.Collation, c.RHS))
	}
	ii.IdxStr = strings.Join(parts, ",")
	ii.EstimatedCost = float64(100 - len(parts))
	return nil
}

type cursor struct {
	i    int
	arg  any
	seen string
}

func (c *cursor) Filter(_ int, idxStr string, args []any) error {
	c.i, c.arg = 0, nil
	c.seen = fmt.Sprintf("%s %#v", idxStr, args)
	for i, p := range strings.Split(idxStr, ",") {
		if strings.HasPrefix(p, "2:") {
			c.arg = args[i]
		}
	}
	switch c.arg {
	case "panic":
		panic("ext boom")
	case "error":
		return fmt.Errorf("ext: Filter refused")
	}
	return nil
}
func (c *cursor) Next() error { c.i++; return nil }
func (c *cursor) EOF() bool   { return c.i >= 3 }
func (c *cursor) Rowid() (int64, error) { return int64(c.i), nil }
func (c *cursor) Close() error { return nil }
func (c *cursor) Column(ctx *vtab.Context, col int) error {
	switch col {
	case 0:
		ctx.ResultText(fmt.Sprintf("r%d", c.i))
	case 1:
		ctx.ResultText(c.seen)
	case 2:
		ctx.ResultValue(c.arg)
	}
	return nil
}
`

// TestLoadableExtension builds the extension from a test-only package and
// loads it into the sqlite3 shell, a different SQLite than mattn's.
func TestLoadableExtension(t *testing.T) {
	sqlite3, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sqlite3 command not found; install it (Debian: apt-get install sqlite3) to test the loadable extension")
		}
		t.Skip("sqlite3 command not found; install it (Debian: apt-get install sqlite3) to test the loadable extension")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the extension test builds a Linux shared object")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(src, []byte(extTestMain), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]any{"Replace": map[string]string{
		filepath.Join(root, "vtab", "zz_exttest_overlay", "main.go"): src,
	}})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(tmp, "outlooksql.so")
	build := exec.Command("go", "build", "-overlay", overlayFile, "-tags", "outlooksql_ext",
		"-buildmode=c-shared", "-o", so, "./vtab/zz_exttest_overlay")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", build.Args, err, out)
	}

	t.Run("symbols", func(t *testing.T) {
		f, err := elf.Open(so)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		syms, err := f.DynamicSymbols()
		if err != nil {
			t.Fatal(err)
		}
		var undefined, defined []string
		for _, s := range syms {
			if !strings.HasPrefix(s.Name, "sqlite3") {
				continue
			}
			if s.Section == elf.SHN_UNDEF {
				undefined = append(undefined, s.Name)
			} else {
				defined = append(defined, s.Name)
			}
		}
		equal(t, "undefined sqlite3 symbols", undefined, []string(nil))
		equal(t, "exported sqlite3 symbols", defined, []string{"sqlite3_outlooksql_init"})
	})

	tests := []struct {
		name  string
		load  string
		sql   string
		out   string
		fails string
	}{
		{name: "rows and function", load: ".load " + so, sql: "SELECT a, ext_hello(a) FROM ext_t",
			out: "r0|hello r0\nr1|hello r1\nr2|hello r2\n"},
		{name: "explicit entry point", load: ".load " + so + " sqlite3_outlooksql_init", sql: "SELECT count(*) FROM ext_t",
			out: "3\n"},
		{name: "table-valued function argument", load: ".load " + so, sql: "SELECT a, arg, seen FROM ext_t('q') LIMIT 1",
			out: `r0|q|2:in=false:coll=BINARY:rhs=q []interface {}{"q"}` + "\n"},
		{name: "IN list in one Filter", load: ".load " + so, sql: "SELECT DISTINCT seen FROM ext_t WHERE a IN ('r2', 'r0', 'zz')",
			out: `0:in=true:coll=BINARY:rhs=<nil> []interface {}{sqlite.InList{"r0", "r2", "zz"}}` + "\n"},
		{name: "collation", load: ".load " + so, sql: "SELECT seen FROM ext_t WHERE arg = 'Q' COLLATE NOCASE LIMIT 1",
			out: `2:in=false:coll=NOCASE:rhs=<nil> []interface {}{"Q"}` + "\n"},
		{name: "error in Filter", load: ".load " + so, sql: "SELECT a FROM ext_t('error')", fails: "ext: Filter refused"},
		{name: "panic in Filter", load: ".load " + so, sql: "SELECT a FROM ext_t('panic')", fails: "vtab: ext_t: panic in Filter: ext boom"},
		{name: "function error", load: ".load " + so, sql: "SELECT ext_hello('fail')", fails: "ext: refused fail"},
		{name: "writes", load: ".load " + so,
			sql: "UPDATE ext_w SET log = 'x'; DELETE FROM ext_w; INSERT INTO ext_w VALUES ('n', NULL); SELECT last_insert_rowid(), log FROM ext_w",
			out: "9|Begin;UPDATE 1 [vtab.Unchanged x];Sync;Commit;Begin;DELETE 1 [];Sync;Commit;Begin;INSERT 0 [n <nil>];Sync;Commit\n"},
		{name: "Sync error", load: ".load " + so, sql: "INSERT INTO ext_w VALUES ('n', 'fail-sync')", fails: "ext: sync refused"},
		{name: "DIRECTONLY", load: ".load " + so,
			sql:   "CREATE TABLE t(x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM ext_w; END; INSERT INTO t VALUES (1)",
			fails: `unsafe use of virtual table "ext_w"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(sqlite3, ":memory:", tt.load, tt.sql, "SELECT 'still usable'")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tt.fails != "" {
				if err == nil || !strings.Contains(stderr.String(), tt.fails) {
					t.Fatalf("%s: err %v, stderr %q; want an error containing %q", tt.sql, err, stderr.String(), tt.fails)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", tt.sql, err, stderr.String())
			}
			equal(t, "output", stdout.String(), tt.out+"still usable\n")
		})
	}
}
