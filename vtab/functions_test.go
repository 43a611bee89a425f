//go:build !outlooksql_ext

package vtab

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// labelMod is a Creatable module whose one-row tables show, in column a,
// how they were connected.
type labelMod struct{}

func (labelMod) Schema() string               { return "CREATE TABLE x(a TEXT)" }
func (labelMod) Connect(*Conn) (Table, error) { return labelTable("eponymous"), nil }
func (labelMod) ConnectCreated(_ *Conn, ct Created) (Table, error) {
	if len(ct.Args) > 0 && strings.TrimSpace(ct.Args[0]) == "refuse" {
		return nil, fmt.Errorf("%s: refused", ct.Name)
	}
	return labelTable(fmt.Sprintf("%s.%s %q", ct.DB, ct.Name, ct.Args)), nil
}

type labelTable string

func (labelTable) BestIndex(*IndexInfo) error { return nil }
func (labelTable) Disconnect() error          { return nil }
func (t labelTable) Open(any) (Cursor, error) { return &labelCursor{label: string(t)}, nil }

type labelCursor struct {
	label string
	eof   bool
}

func (c *labelCursor) Filter(int, string, []any) error  { c.eof = false; return nil }
func (c *labelCursor) Next() error                      { c.eof = true; return nil }
func (c *labelCursor) EOF() bool                        { return c.eof }
func (c *labelCursor) Rowid() (int64, error)            { return 1, nil }
func (c *labelCursor) Close() error                     { return nil }
func (c *labelCursor) Column(ctx *Context, _ int) error { ctx.ResultText(c.label); return nil }

// TestCreatableModule checks CREATE VIRTUAL TABLE on a Creatable module:
// the eponymous table stays, a created one gets its schema, name and raw
// arguments, a refusal fails the statement with the module's error and
// stores nothing, the table persists in a file and comes back on a new
// connection; a module that is not Creatable still refuses CREATE.
func TestCreatableModule(t *testing.T) {
	name := fmt.Sprintf("c%d", modSeq.Add(1))
	if err := Register(name, labelMod{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	mustQuery(t, db, "CREATE VIRTUAL TABLE mine USING "+name+"(profile=x, 'a b')")
	mustQuery(t, db, "CREATE VIRTUAL TABLE temp.bare USING "+name)
	equal(t, "rows", mustQuery(t, db, "SELECT (SELECT a FROM "+name+"), (SELECT a FROM mine), (SELECT a FROM bare)"),
		[]string{`eponymous|main.mine ["profile=x" "'a b'"]|temp.bare []`})
	_, err = query(db, "CREATE VIRTUAL TABLE no USING "+name+"(refuse)")
	equal(t, "refusal", fmt.Sprint(err), "no: refused")
	equal(t, "schema", mustQuery(t, db, "SELECT name, sql FROM sqlite_master"),
		[]string{"mine|CREATE VIRTUAL TABLE mine USING " + name + "(profile=x, 'a b')"})
	db.Close()

	db2, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	equal(t, "reopened", mustQuery(t, db2, "SELECT a FROM mine"), []string{`main.mine ["profile=x" "'a b'"]`})
	mustQuery(t, db2, "DROP TABLE mine")
	equal(t, "dropped", mustQuery(t, db2, "SELECT count(*) FROM sqlite_master"), []string{"0"})

	_, plain := newMod(t, &testMod{})
	_, err = query(db2, "CREATE VIRTUAL TABLE x USING "+plain)
	if err == nil || !strings.Contains(err.Error(), plain) {
		t.Errorf("CREATE VIRTUAL TABLE on a module that is not Creatable: %v", err)
	}
}

// TestPureAndOptionalFunctions checks RegisterPureFunction (usable in a
// view stored in a file, unlike RegisterFunction's DIRECTONLY functions;
// a connection's own function of the same name wins) and
// RegisterOptionalFunction (absent until Conn.EnableFunction), and that
// SQLite's math functions are on every connection.
func TestPureAndOptionalFunctions(t *testing.T) {
	n := modSeq.Add(1)
	pure, direct, opt := fmt.Sprintf("vt_pure%d", n), fmt.Sprintf("vt_direct%d", n), fmt.Sprintf("vt_opt%d", n)
	if err := RegisterPureFunction(pure, 1, func(a []any) (any, error) { return fmt.Sprintf("pure(%v)", a[0]), nil }); err != nil {
		t.Fatal(err)
	}
	if err := RegisterFunction(direct, 0, func(*Conn, []any) (any, error) { return "direct", nil }); err != nil {
		t.Fatal(err)
	}
	if err := RegisterOptionalFunction(opt, 0, func(c *Conn, _ []any) (any, error) { return c.ID(), nil }); err != nil {
		t.Fatal(err)
	}
	idf := fmt.Sprintf("vt_id%d", n)
	if err := RegisterFunction(idf, 0, func(c *Conn, _ []any) (any, error) { return c.ID(), nil }); err != nil {
		t.Fatal(err)
	}
	if err := RegisterPureFunction("upper", 1, func([]any) (any, error) { return "replaced", nil }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	mustQuery(t, db, "CREATE VIEW vp AS SELECT "+pure+"(7) AS p, pi() > 3.14 AS m, upper('x') AS u")
	mustQuery(t, db, "CREATE VIEW vd AS SELECT "+direct+"() AS d")
	equal(t, "pure view", mustQuery(t, db, "SELECT * FROM vp"), []string{"pure(7)|1|X"})
	_, err = query(db, "SELECT * FROM vd")
	equal(t, "direct view", fmt.Sprint(err), "unsafe use of "+direct+"()")

	_, err = query(db, "SELECT "+opt+"()")
	equal(t, "before EnableFunction", fmt.Sprint(err), "no such function: "+opt)
	var id int64
	if err := db.QueryRow("SELECT " + idf + "()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	c := Lookup(id)
	if err := c.EnableFunction(opt); err != nil {
		t.Fatal(err)
	}
	equal(t, "after EnableFunction", mustQuery(t, db, "SELECT "+opt+"()"), []string{fmt.Sprint(id)})
	equal(t, "unknown", fmt.Sprint(c.EnableFunction("nope")),
		`vtab: enable function "nope": no function of that name was registered with RegisterOptionalFunction`)
	equal(t, "not optional", fmt.Sprint(c.EnableFunction(direct)),
		`vtab: enable function "`+direct+`": no function of that name was registered with RegisterOptionalFunction`)
	other := openDB(t)
	_, err = query(other, "SELECT "+opt+"()")
	equal(t, "other connection", fmt.Sprint(err), "no such function: "+opt)
}
