package vtab

/*
#include "glue.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Conn is one SQLite connection on which the registered modules and
// functions live. It is valid until the connection closes; Lookup then
// returns nil for its ID and its Data is dropped.
type Conn struct {
	id   int64
	refs atomic.Int64 // registrations whose destructor has not run yet

	mu       sync.RWMutex
	db       *C.sqlite3 // nil once the connection is closed
	data     any
	closed   bool
	stepping any // the value of the statement being stepped (Step); nil outside Step
}

// ID returns a number that identifies the connection; no two connections of
// the process share one.
func (c *Conn) ID() int64 { return c.id }

// Interrupted reports whether sqlite3_interrupt was called on the connection
// for the statement that is running (sqlite3_is_interrupted). database/sql
// through mattn interrupts when a query's context ends. It is always false on
// a host SQLite older than 3.41 and after the connection closed.
func (c *Conn) Interrupted() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.db == nil {
		return false
	}
	return C.osq_is_interrupted(c.db) != 0
}

// SetData stores application state for the connection, replacing what was
// there. It is safe for concurrent use. The value is dropped when the
// connection closes.
func (c *Conn) SetData(v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.data = v
	}
}

// Step runs step, which steps one statement of the connection
// (sqlite3_step: e.g. mattn's Rows.Next, or Exec), with v as that statement's
// value: every cursor the statement opens during step receives v in
// Table.Open. SQLite's callbacks do not say which statement they run for,
// and a connection may have several statements open at once (two result
// sets); a cursor, though, belongs to the one statement that opened it, and
// all its calls run within that statement's steps, so v identifies the
// statement for the cursor's whole life.
//
// v is set only while step runs. Steps may nest (a function called by the
// statement steps another): the outer value applies again when the inner
// step returns. Cursors opened outside Step receive nil.
func (c *Conn) Step(v any, step func()) {
	c.mu.Lock()
	prev := c.stepping
	c.stepping = v
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.stepping = prev
		c.mu.Unlock()
	}()
	step()
}

// stepValue returns the value Step gave the statement being stepped, or nil.
func (c *Conn) stepValue() any {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stepping
}

// Data returns what SetData stored, or nil.
func (c *Conn) Data() any {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.data
}

var (
	connMu  sync.RWMutex
	conns   = map[int64]*Conn{}
	lastID  atomic.Int64
	errNoDB = errors.New("vtab: connection is closed")
)

// Lookup returns the open connection with the given ID, or nil when there is
// none (never existed or closed).
func Lookup(id int64) *Conn {
	connMu.RLock()
	defer connMu.RUnlock()
	return conns[id]
}

func (c *Conn) release() {
	if c.refs.Add(-1) != 0 {
		return
	}
	connMu.Lock()
	delete(conns, c.id)
	connMu.Unlock()
	c.mu.Lock()
	c.db = nil
	c.data = nil
	c.closed = true
	c.mu.Unlock()
}

// registry holds everything Register and RegisterFunction added. Entries are
// never removed, so their indexes are stable client data for SQLite.
var registry struct {
	sync.RWMutex
	mods  []modEntry
	funcs []funcEntry
}

type modEntry struct {
	name      string
	m         Module
	writable  bool // the Module's Writable() at Register
	creatable bool // the Module is a Creatable
}

type funcEntry struct {
	name string
	nArg int
	fn   func(c *Conn, args []any) (any, error)
	// pure: DETERMINISTIC and INNOCUOUS rather than DIRECTONLY, and left
	// out on a connection that already has the function (functions.go).
	pure bool
	// optional: on no connection until Conn.EnableFunction adds it.
	optional bool
}

// minVersion is the oldest SQLite (sqlite3_libversion_number) the glue
// works with; features of newer versions degrade as glue.h describes. It is
// 3.30.0 because older versions ignore SQLITE_DIRECTONLY, which keeps the
// functions out of reach of a database file's views and triggers.
const minVersion = 3030000

var installOnce sync.Once

// installErr is what installing the per-connection hook reported.
var installErr error

func install() error {
	installOnce.Do(func() { installErr = installHook() })
	return installErr
}

func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("vtab: %s name is empty", kind)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("vtab: %s name %q contains a NUL byte", kind, name)
	}
	return nil
}

// Register makes m available, eponymous, as table name on
// every SQLite connection opened after the call: SELECT … FROM name, or
// name('arg', …) for its HIDDEN columns. Names are case-insensitive, as in
// SQL, and may be registered once. The table is read-only unless m
// implements Writable.
func Register(name string, m Module) error {
	if err := checkName("module", name); err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("vtab: Register %q: module is nil", name)
	}
	registry.Lock()
	for _, e := range registry.mods {
		if strings.EqualFold(e.name, name) {
			registry.Unlock()
			return fmt.Errorf("vtab: module %q is already registered", name)
		}
	}
	w, _ := m.(Writable)
	_, creatable := m.(Creatable)
	registry.mods = append(registry.mods, modEntry{name: name, m: m, writable: w != nil && w.Writable(), creatable: creatable})
	registry.Unlock()
	if err := install(); err != nil {
		return fmt.Errorf("vtab: Register %q: %w", name, err)
	}
	return nil
}

// RegisterFunction makes fn a scalar SQL function called name with nArg
// arguments (-1: any number) on every SQLite connection opened after the
// call. The function is SQLITE_DIRECTONLY: SQL the user runs may call it,
// and so may TEMP views and triggers, but a view or trigger stored in a
// database file gets "unsafe use of name()", so a file cannot make it act.
// fn receives the arguments as nil, int64, float64, string or []byte and
// returns nil, int64, int, float64, string, []byte or bool (true is 1); an
// error fails the statement with its message.
func RegisterFunction(name string, nArg int, fn func(c *Conn, args []any) (any, error)) error {
	return registerFunction(funcEntry{name: name, nArg: nArg, fn: fn})
}

func registerFunction(f funcEntry) error {
	name, nArg, fn := f.name, f.nArg, f.fn
	if err := checkName("function", name); err != nil {
		return err
	}
	if nArg < -1 || nArg > 127 {
		return fmt.Errorf("vtab: function %q: nArg %d is outside -1..127", name, nArg)
	}
	if fn == nil {
		return fmt.Errorf("vtab: RegisterFunction %q: fn is nil", name)
	}
	registry.Lock()
	for _, e := range registry.funcs {
		if strings.EqualFold(e.name, name) && e.nArg == nArg {
			registry.Unlock()
			return fmt.Errorf("vtab: function %q with %d arguments is already registered", name, nArg)
		}
	}
	registry.funcs = append(registry.funcs, f)
	registry.Unlock()
	if err := install(); err != nil {
		return fmt.Errorf("vtab: RegisterFunction %q: %w", name, err)
	}
	return nil
}

// osqConnInit registers every module and function on a new connection.
//
//export osqConnInit
func osqConnInit(db *C.sqlite3, pzErr **C.char) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			setErr(pzErr, fmt.Sprintf("vtab: connection setup panicked: %v", r))
			rc = C.SQLITE_ERROR
		}
	}()
	if v := int(C.osq_libversion_number()); v < minVersion {
		setErr(pzErr, fmt.Sprintf("vtab: SQLite %d.%d.%d is too old; 3.30.0 or later is required", v/1000000, v/1000%1000, v%1000))
		return C.SQLITE_ERROR
	}
	registry.Lock()
	mods := registry.mods
	funcs := registry.funcs
	registry.Unlock()

	c := &Conn{id: lastID.Add(1), db: db}
	c.refs.Store(1) // held by this function until the end
	connMu.Lock()
	conns[c.id] = c
	connMu.Unlock()
	defer c.release()

	for i, e := range mods {
		c.refs.Add(1)
		name := C.CString(e.name)
		writable := C.int(0)
		if e.writable {
			writable = 1
		}
		creatable := C.int(0)
		if e.creatable {
			creatable = 1
		}
		rc = C.osq_create_module(db, name, C.sqlite3_int64(c.id), C.int(i), writable, creatable)
		C.free(unsafe.Pointer(name))
		if rc != C.SQLITE_OK {
			setErr(pzErr, fmt.Sprintf("vtab: registering module %q failed (SQLite code %d)", e.name, int(rc)))
			return rc
		}
	}
	for i, e := range funcs {
		if e.optional || e.pure && hasFunction(db, e.name, e.nArg) {
			continue
		}
		if rc = c.createFunction(db, i, e); rc != C.SQLITE_OK {
			setErr(pzErr, fmt.Sprintf("vtab: registering function %q failed (SQLite code %d)", e.name, int(rc)))
			return rc
		}
	}
	return C.SQLITE_OK
}

// osqRelease runs when SQLite drops the client data of one registration.
//
//export osqRelease
func osqRelease(id C.sqlite3_int64) {
	if c := Lookup(int64(id)); c != nil {
		c.release()
	}
}

// setErr replaces *pz with an sqlite3_mprintf'd copy of msg.
func setErr(pz **C.char, msg string) {
	if pz == nil {
		return
	}
	if *pz != nil {
		// SQLite's contract: the string is ours to set; any previous value
		// came from sqlite3_mprintf.
		C.osq_free(unsafe.Pointer(*pz))
	}
	p, n := cstr(msg)
	*pz = C.osq_errmsg(p, n)
}

// cstr passes the bytes of s to C for the duration of a call.
func cstr(s string) (*C.char, C.int) {
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.int(len(s))
}
