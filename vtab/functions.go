package vtab

/*
#cgo LDFLAGS: -lm
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Beyond RegisterFunction's DIRECTONLY functions, the package offers pure
// functions (RegisterPureFunction), functions a program adds to chosen
// connections only (RegisterOptionalFunction, Conn.EnableFunction), and
// SQLite's math functions (mathfunc.c) on every connection whose SQLite
// lacks them.

// RegisterPureFunction makes fn a scalar SQL function called name with nArg
// arguments (-1: any number) on every SQLite connection opened after the
// call, like RegisterFunction, but for a function without side effects
// whose result depends on its arguments only: it is SQLITE_DETERMINISTIC
// and SQLITE_INNOCUOUS, so views, triggers, indexes and generated columns
// may use it, as they use the built-in functions. A connection whose SQLite
// already has a function of that name and number of arguments (a host's
// own, e.g. the sqlite3 shell's regexp) keeps it. fn receives and returns
// values as RegisterFunction describes.
func RegisterPureFunction(name string, nArg int, fn func(args []any) (any, error)) error {
	if fn == nil {
		return fmt.Errorf("vtab: RegisterPureFunction %q: fn is nil", name)
	}
	return registerFunction(funcEntry{name: name, nArg: nArg, pure: true,
		fn: func(_ *Conn, args []any) (any, error) { return fn(args) }})
}

// RegisterOptionalFunction declares fn as RegisterFunction does (a
// SQLITE_DIRECTONLY function) but adds it to no connection by itself:
// Conn.EnableFunction adds it to one connection. It is for functions with
// side effects that only some programs should offer (e.g. a shell's
// writefile).
func RegisterOptionalFunction(name string, nArg int, fn func(c *Conn, args []any) (any, error)) error {
	return registerFunction(funcEntry{name: name, nArg: nArg, fn: fn, optional: true})
}

// EnableFunction adds the functions RegisterOptionalFunction declared under
// name (every number of arguments) to the connection. Call it while no
// statement of the connection runs.
func (c *Conn) EnableFunction(name string) error {
	registry.RLock()
	funcs := registry.funcs
	registry.RUnlock()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.db == nil {
		return fmt.Errorf("vtab: enable function %q: %w", name, errNoDB)
	}
	found := false
	for i, e := range funcs {
		if !e.optional || !strings.EqualFold(e.name, name) {
			continue
		}
		found = true
		if rc := c.createFunction(c.db, i, e); rc != C.SQLITE_OK {
			return fmt.Errorf("vtab: enable function %q: SQLite code %d", name, int(rc))
		}
	}
	if !found {
		return fmt.Errorf("vtab: enable function %q: no function of that name was registered with RegisterOptionalFunction", name)
	}
	return nil
}

// createFunction registers entry i of the registry on db, for c.
func (c *Conn) createFunction(db *C.sqlite3, i int, e funcEntry) C.int {
	c.refs.Add(1) // released by the function's destructor, even on failure
	name := C.CString(e.name)
	defer C.free(unsafe.Pointer(name))
	pure := C.int(0)
	if e.pure {
		pure = 1
	}
	return C.osq_create_function(db, name, C.int(e.nArg), C.sqlite3_int64(c.id), C.int(i), pure)
}

// hasFunction reports whether db already has a function name taking nArg
// arguments (any number for -1).
func hasFunction(db *C.sqlite3, name string, nArg int) bool {
	if nArg < 0 {
		nArg = 1
	}
	args := strings.TrimSuffix(strings.Repeat("NULL,", nArg), ",")
	sql := C.CString(`SELECT "` + strings.ReplaceAll(name, `"`, `""`) + `"(` + args + `)`)
	defer C.free(unsafe.Pointer(sql))
	return C.osq_compiles(db, sql) != 0
}

// Creatable is a Module whose tables may also be created under a name of
// the user's with CREATE VIRTUAL TABLE name USING module(arguments…), which
// SQLite stores in the database file's schema; the table is connected again
// (ConnectCreated) whenever a connection that has the module opens the file
// and uses it. The module's eponymous table stays (Connect). Dropping a
// created table removes only its schema entry.
type Creatable interface {
	Module
	// ConnectCreated makes a created table for one connection. It must
	// refuse arguments it does not know with an error saying which are
	// accepted; CREATE VIRTUAL TABLE then fails with that error.
	ConnectCreated(c *Conn, t Created) (Table, error)
}

// Created is a table made by CREATE VIRTUAL TABLE.
type Created struct {
	DB   string   // the schema it is in: "main", "temp" or an attached name
	Name string   // its name
	Args []string // the module arguments as SQLite gives them: the text between the commas, without leading and trailing spaces
}

// cArgs copies xConnect's argv: module name, database, table, arguments.
func cArgs(argc C.int, argv **C.char) []string {
	if argc <= 0 || argv == nil {
		return nil
	}
	out := make([]string, int(argc))
	for i, p := range unsafe.Slice(argv, int(argc)) {
		out[i] = C.GoString(p)
	}
	return out
}

// connectModule calls the module's Connect for its eponymous table and
// ConnectCreated for a table CREATE VIRTUAL TABLE made.
func connectModule(e modEntry, c *Conn, argv []string) (Table, error) {
	cr, ok := e.m.(Creatable)
	if !ok || len(argv) < 3 || len(argv) == 3 && strings.EqualFold(argv[2], e.name) {
		return e.m.Connect(c)
	}
	return cr.ConnectCreated(c, Created{DB: argv[1], Name: argv[2], Args: argv[3:]})
}
