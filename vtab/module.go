package vtab

/*
#include "glue.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime/cgo"
	"sync/atomic"
	"unsafe"
)

// table is the Go side of one osq_vtab.
type table struct {
	name string
	conn *Conn
	t    Table
	// The optional interfaces of t, found once at Connect.
	upd Updater
	txn Transactor
	svp Savepointer
}

// cursor is the Go side of one osq_cursor.
type cursor struct {
	t   *table
	c   Cursor
	ctx Context
	// pending is an error that could not be returned when it happened (a
	// panic in EOF); the next Next, Column or Rowid returns it.
	pending error
	vals    []C.osq_value
	entry   cursorEntry // its handle and itself, for lastCursor
}

// setVtabErr makes msg the error text SQLite reports for the current call.
func setVtabErr(vt *C.sqlite3_vtab, msg string) {
	p, n := cstr(msg)
	C.osq_set_vtab_error(vt, p, n)
}

func panicErr(name, method string, r any) error {
	return fmt.Errorf("vtab: %s: panic in %s: %v", name, method, r)
}

//export osqConnect
func osqConnect(db *C.sqlite3, conn C.sqlite3_int64, idx C.int, argc C.int, argv **C.char, ph *C.uintptr_t, pzErr **C.char) (rc C.int) {
	registry.RLock()
	e := registry.mods[int(idx)]
	registry.RUnlock()
	defer func() {
		if r := recover(); r != nil {
			setErr(pzErr, panicErr(e.name, "Connect", r).Error())
			rc = C.SQLITE_ERROR
		}
	}()
	c := Lookup(int64(conn))
	if c == nil {
		setErr(pzErr, fmt.Sprintf("vtab: %s: connection %d is closed", e.name, int64(conn)))
		return C.SQLITE_ERROR
	}
	schema := e.m.Schema()
	cs := C.CString(schema)
	rc = C.osq_declare_vtab(db, cs)
	C.free(unsafe.Pointer(cs))
	if rc != C.SQLITE_OK {
		setErr(pzErr, fmt.Sprintf("vtab: %s: SQLite rejected the schema (code %d); fix Schema(): %s", e.name, int(rc), schema))
		return rc
	}
	t, err := connectModule(e, c, cArgs(argc, argv))
	if err != nil {
		setErr(pzErr, err.Error())
		return C.SQLITE_ERROR
	}
	if t == nil {
		setErr(pzErr, fmt.Sprintf("vtab: %s: Connect returned a nil Table", e.name))
		return C.SQLITE_ERROR
	}
	if d, ok := t.(DirectOnlyTable); ok && d.DirectOnly() {
		if rc := C.osq_vtab_directonly(db); rc != C.SQLITE_OK {
			func() {
				defer func() { _ = recover() }()
				_ = t.Disconnect()
			}()
			setErr(pzErr, fmt.Sprintf("vtab: %s: SQLite refused SQLITE_VTAB_DIRECTONLY (code %d); SQLite 3.31.0 or later is needed", e.name, int(rc)))
			return C.SQLITE_ERROR
		}
	}
	tb := &table{name: e.name, conn: c, t: t}
	tb.upd, _ = t.(Updater)
	tb.txn, _ = t.(Transactor)
	tb.svp, _ = t.(Savepointer)
	*ph = C.uintptr_t(cgo.NewHandle(tb))
	return C.SQLITE_OK
}

//export osqDisconnect
func osqDisconnect(h C.uintptr_t) {
	hd := cgo.Handle(h)
	t := hd.Value().(*table)
	hd.Delete()
	defer func() { _ = recover() }() // xDisconnect cannot fail
	_ = t.t.Disconnect()
}

// collation returns the collation name without allocating for the usual ones.
func collation(p *C.char) string {
	if p == nil {
		return ""
	}
	var b [8]byte
	n := 0
	for ; n < len(b); n++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), n))
		if c == 0 {
			break
		}
		b[n] = c
	}
	if n < len(b) {
		switch string(b[:n]) {
		case "BINARY":
			return "BINARY"
		case "NOCASE":
			return "NOCASE"
		case "RTRIM":
			return "RTRIM"
		}
	}
	return C.GoString(p)
}

//export osqBestIndex
func osqBestIndex(vt *C.sqlite3_vtab, h C.uintptr_t, info *C.sqlite3_index_info) (rc C.int) {
	t := cgo.Handle(h).Value().(*table)
	defer func() {
		if r := recover(); r != nil {
			setVtabErr(vt, panicErr(t.name, "BestIndex", r).Error())
			rc = C.SQLITE_ERROR
		}
	}()
	n := int(info.nConstraint)
	cons := unsafe.Slice(info.aConstraint, n)
	ii := &IndexInfo{
		Constraints:     make([]Constraint, n),
		ConstraintUsage: make([]ConstraintUsage, n),
		ColUsed:         uint64(info.colUsed),
		Distinct:        int(C.osq_distinct(info)),
		EstimatedCost:   float64(info.estimatedCost),
		EstimatedRows:   int64(info.estimatedRows),
	}
	for i := range cons {
		c := &ii.Constraints[i]
		c.Column = int(cons[i].iColumn)
		c.Op = Op(cons[i].op)
		c.Usable = cons[i].usable != 0
		c.Collation = collation(C.osq_collation(info, C.int(i)))
		c.IsIn = C.osq_vtab_in(info, C.int(i), -1) != 0
		var v C.osq_value
		if C.osq_rhs_value(info, C.int(i), &v) == C.SQLITE_OK {
			c.RHS, c.HasRHS = toGo(&v), true
		}
	}
	if nob := int(info.nOrderBy); nob > 0 {
		ob := unsafe.Slice(info.aOrderBy, nob)
		ii.OrderBy = make([]OrderBy, nob)
		for i := range ob {
			ii.OrderBy[i] = OrderBy{Column: int(ob[i].iColumn), Desc: ob[i].desc != 0}
		}
	}

	err := t.t.BestIndex(ii)
	if errors.Is(err, ErrConstraint) {
		return C.SQLITE_CONSTRAINT
	}
	if err != nil {
		setVtabErr(vt, err.Error())
		return C.SQLITE_ERROR
	}
	if err := checkIndexInfo(ii); err != nil {
		setVtabErr(vt, fmt.Sprintf("vtab: %s: BestIndex: %v", t.name, err))
		return C.SQLITE_ERROR
	}

	usage := unsafe.Slice(info.aConstraintUsage, n)
	for i, u := range ii.ConstraintUsage {
		usage[i].argvIndex = C.int(u.ArgvIndex)
		usage[i].omit = 0
		if u.Omit {
			usage[i].omit = 1
		}
		if u.In {
			C.osq_vtab_in(info, C.int(i), 1)
		}
	}
	info.idxNum = C.int(ii.IdxNum)
	if ii.IdxStr != "" {
		p, n := cstr(ii.IdxStr)
		s := C.osq_idxstr(p, n)
		if s == nil {
			return C.SQLITE_NOMEM
		}
		info.idxStr = s
		info.needToFreeIdxStr = 1
	}
	info.orderByConsumed = 0
	if ii.OrderByConsumed {
		info.orderByConsumed = 1
	}
	info.estimatedCost = C.double(ii.EstimatedCost)
	info.estimatedRows = C.sqlite3_int64(ii.EstimatedRows)
	info.idxFlags = C.int(ii.IdxFlags)
	return C.SQLITE_OK
}

// checkIndexInfo rejects outputs SQLite would call "xBestIndex malfunction"
// or silently ignore.
func checkIndexInfo(ii *IndexInfo) error {
	n := len(ii.Constraints)
	if len(ii.ConstraintUsage) != n {
		return fmt.Errorf("ConstraintUsage has %d entries, want one per constraint (%d); set fields of the given slice instead of replacing it", len(ii.ConstraintUsage), n)
	}
	seen := make([]bool, n+1)
	used := 0
	for i, u := range ii.ConstraintUsage {
		c := ii.Constraints[i]
		switch {
		case u.ArgvIndex < 0 || u.ArgvIndex > n:
			return fmt.Errorf("constraint %d (column %d %s): ArgvIndex %d is outside 0..%d", i, c.Column, c.Op, u.ArgvIndex, n)
		case u.ArgvIndex > 0 && !c.Usable:
			return fmt.Errorf("constraint %d (column %d %s) is not usable in this plan but has ArgvIndex %d; only take constraints with Usable set", i, c.Column, c.Op, u.ArgvIndex)
		case u.ArgvIndex > 0 && seen[u.ArgvIndex]:
			return fmt.Errorf("constraint %d (column %d %s): ArgvIndex %d is given to two constraints", i, c.Column, c.Op, u.ArgvIndex)
		case u.ArgvIndex == 0 && u.Omit:
			return fmt.Errorf("constraint %d (column %d %s): Omit without ArgvIndex has no effect; give it an ArgvIndex or clear Omit", i, c.Column, c.Op)
		case u.In && !c.IsIn:
			return fmt.Errorf("constraint %d (column %d %s): In is set but the constraint is not an IN list SQLite can pass whole (IsIn is false)", i, c.Column, c.Op)
		case u.In && u.ArgvIndex == 0:
			return fmt.Errorf("constraint %d (column %d %s): In needs an ArgvIndex", i, c.Column, c.Op)
		}
		if u.ArgvIndex > 0 {
			seen[u.ArgvIndex] = true
			used++
		}
	}
	for k := 1; k <= used; k++ {
		if !seen[k] {
			return fmt.Errorf("ArgvIndex values must be 1..%d without gaps, %d is missing", used, k)
		}
	}
	if ii.IdxNum < math.MinInt32 || ii.IdxNum > math.MaxInt32 {
		return fmt.Errorf("IdxNum %d does not fit a C int", ii.IdxNum)
	}
	for i := 0; i < len(ii.IdxStr); i++ {
		if ii.IdxStr[i] == 0 {
			return fmt.Errorf("IdxStr contains a NUL byte at %d; SQLite would cut it there", i)
		}
	}
	if math.IsNaN(ii.EstimatedCost) || ii.EstimatedCost < 0 {
		return fmt.Errorf("EstimatedCost %v must be a number >= 0", ii.EstimatedCost)
	}
	if ii.EstimatedRows < 0 {
		return fmt.Errorf("EstimatedRows %d must be >= 0", ii.EstimatedRows)
	}
	return nil
}

//export osqOpen
func osqOpen(vt *C.sqlite3_vtab, h C.uintptr_t, ph *C.uintptr_t) (rc C.int) {
	t := cgo.Handle(h).Value().(*table)
	defer func() {
		if r := recover(); r != nil {
			setVtabErr(vt, panicErr(t.name, "Open", r).Error())
			rc = C.SQLITE_ERROR
		}
	}()
	c, err := t.t.Open(t.conn.stepValue())
	if err != nil {
		setVtabErr(vt, err.Error())
		return C.SQLITE_ERROR
	}
	if c == nil {
		setVtabErr(vt, fmt.Sprintf("vtab: %s: Open returned a nil Cursor", t.name))
		return C.SQLITE_ERROR
	}
	cur := &cursor{t: t, c: c}
	*ph = C.uintptr_t(cgo.NewHandle(cur))
	cur.entry = cursorEntry{*ph, cur}
	return C.SQLITE_OK
}

// lastCursor is the cursor cursorOf found last. A scan calls xNext, xEof
// and xColumn for every row, each with its cursor's handle: this spares them
// cgo.Handle's sync.Map lookup (3% of a 100,000-row scan's CPU); a join that
// alternates between two cursors only pays the lookup as before. Handles are
// never reused, so an entry can only ever name its own cursor.
var lastCursor atomic.Pointer[cursorEntry]

type cursorEntry struct {
	h C.uintptr_t
	c *cursor
}

// cursorOf returns the cursor of handle h.
func cursorOf(h C.uintptr_t) *cursor {
	if e := lastCursor.Load(); e != nil && e.h == h {
		return e.c
	}
	c := cgo.Handle(h).Value().(*cursor)
	lastCursor.Store(&c.entry)
	return c
}

//export osqClose
func osqClose(h C.uintptr_t) {
	hd := cgo.Handle(h)
	c := hd.Value().(*cursor)
	if e := lastCursor.Load(); e != nil && e.h == h {
		lastCursor.CompareAndSwap(e, nil) // let the cursor go
	}
	hd.Delete()
	defer func() { _ = recover() }() // xClose cannot fail
	_ = c.c.Close()
}

// fail reports err (or a recovered panic) as the error of a cursor call.
func (c *cursor) fail(cur *C.sqlite3_vtab_cursor, err error) C.int {
	setVtabErr(cur.pVtab, err.Error())
	return C.SQLITE_ERROR
}

//export osqFilter
func osqFilter(cur *C.sqlite3_vtab_cursor, h C.uintptr_t, idxNum C.int, idxStr *C.char, argc C.int, argv **C.sqlite3_value) (rc C.int) {
	c := cursorOf(h)
	defer func() {
		if r := recover(); r != nil {
			rc = c.fail(cur, panicErr(c.t.name, "Filter", r))
		}
	}()
	c.pending = nil
	var args []any
	if n := int(argc); n > 0 {
		vs := unsafe.Slice(argv, n)
		if cap(c.vals) < n {
			c.vals = make([]C.osq_value, n)
		}
		vals := c.vals[:n]
		C.osq_values_get(argc, argv, &vals[0])
		args = make([]any, n)
		for i := range vals {
			if vals[i]._type == C.SQLITE_NULL {
				args[i] = inList(vs[i])
				continue
			}
			args[i] = toGo(&vals[i])
		}
	}
	var s string
	if idxStr != nil {
		s = C.GoString(idxStr)
	}
	if err := c.c.Filter(int(idxNum), s, args); err != nil {
		return c.fail(cur, err)
	}
	return C.SQLITE_OK
}

// inList returns the InList behind v when v is an IN list taken whole, and
// nil (SQL NULL) otherwise.
func inList(v *C.sqlite3_value) any {
	var e C.osq_value
	rc := C.osq_in_first(v, &e)
	if rc == C.SQLITE_DONE {
		return InList{}
	}
	if rc != C.SQLITE_OK {
		return nil
	}
	list := InList{}
	for rc == C.SQLITE_OK {
		list = append(list, toGo(&e))
		rc = C.osq_in_next(v, &e)
	}
	return list
}

// toGo converts one value read by osq_value_get.
func toGo(v *C.osq_value) any {
	switch v._type {
	case C.SQLITE_INTEGER:
		return int64(v.i)
	case C.SQLITE_FLOAT:
		return float64(v.f)
	case C.SQLITE_TEXT:
		if v.n == 0 {
			return ""
		}
		return C.GoStringN((*C.char)(v.p), v.n)
	case C.SQLITE_BLOB:
		if v.n == 0 {
			return []byte{}
		}
		return C.GoBytes(v.p, v.n)
	}
	return nil
}

//export osqNext
func osqNext(cur *C.sqlite3_vtab_cursor, h C.uintptr_t) (rc C.int) {
	c := cursorOf(h)
	defer func() {
		if r := recover(); r != nil {
			rc = c.fail(cur, panicErr(c.t.name, "Next", r))
		}
	}()
	if c.pending != nil {
		return c.fail(cur, c.pending)
	}
	if err := c.c.Next(); err != nil {
		return c.fail(cur, err)
	}
	return C.SQLITE_OK
}

//export osqEof
func osqEof(h C.uintptr_t) (eof C.int) {
	c := cursorOf(h)
	defer func() {
		if r := recover(); r != nil {
			// xEof cannot fail: report "not at end" so that SQLite calls
			// Column or Next, which return the panic as the error.
			c.pending = panicErr(c.t.name, "EOF", r)
			eof = 0
		}
	}()
	if c.pending != nil {
		return 0
	}
	if c.c.EOF() {
		return 1
	}
	return 0
}

//export osqColumn
func osqColumn(cur *C.sqlite3_vtab_cursor, h C.uintptr_t, ctx *C.sqlite3_context, col C.int, res *C.osq_result) (rc C.int) {
	c := cursorOf(h)
	defer func() {
		c.ctx.ctx, c.ctx.res = nil, nil
		if r := recover(); r != nil {
			rc = c.fail(cur, panicErr(c.t.name, "Column", r))
		}
	}()
	if c.pending != nil {
		return c.fail(cur, c.pending)
	}
	c.ctx.ctx, c.ctx.res = ctx, res
	if err := c.c.Column(&c.ctx, int(col)); err != nil {
		return c.fail(cur, err)
	}
	return C.SQLITE_OK
}

//export osqRowid
func osqRowid(cur *C.sqlite3_vtab_cursor, h C.uintptr_t, out *C.sqlite3_int64) (rc C.int) {
	c := cursorOf(h)
	defer func() {
		if r := recover(); r != nil {
			rc = c.fail(cur, panicErr(c.t.name, "Rowid", r))
		}
	}()
	if c.pending != nil {
		return c.fail(cur, c.pending)
	}
	id, err := c.c.Rowid()
	if err != nil {
		return c.fail(cur, err)
	}
	*out = C.sqlite3_int64(id)
	return C.SQLITE_OK
}

//export osqFunc
func osqFunc(ctx *C.sqlite3_context, conn C.sqlite3_int64, idx C.int, argc C.int, argv **C.sqlite3_value) {
	registry.RLock()
	e := registry.funcs[int(idx)]
	registry.RUnlock()
	rctx := Context{ctx: ctx}
	defer func() {
		if r := recover(); r != nil {
			rctx.resultError(panicErr(e.name, "function", r).Error())
		}
	}()
	var args []any
	if n := int(argc); n > 0 {
		vals := make([]C.osq_value, n)
		C.osq_values_get(argc, argv, &vals[0])
		args = make([]any, n)
		for i := range vals {
			args[i] = toGo(&vals[i])
		}
	}
	v, err := e.fn(Lookup(int64(conn)), args)
	if err != nil {
		rctx.resultError(err.Error())
		return
	}
	rctx.ResultValue(v)
}
