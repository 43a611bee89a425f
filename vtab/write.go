package vtab

/*
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
)

// Writable is implemented by a Module whose tables may accept writes. When
// Writable returns true at Register, SQLite sees the module with xUpdate
// and the transaction callbacks (iVersion 2); its tables then implement
// Updater, and optionally Transactor and Savepointer. A table of such a
// module that does not implement Updater refuses every write, in xBegin,
// with "table NAME may not be modified". A Module without Writable (or
// returning false) is read-only: SQLite refuses INSERT, UPDATE and DELETE
// when it prepares them, with that same message.
type Writable interface {
	Writable() bool
}

// WriteKind says what one xUpdate call does.
type WriteKind int

// The kinds of UpdateOp.
const (
	// WriteDelete deletes the row OldRowid.
	WriteDelete WriteKind = iota + 1
	// WriteInsert inserts a row with Values, with the rowid NewRowid when
	// HasNewRowid is set (the statement gave one) and else one the table
	// chooses and returns.
	WriteInsert
	// WriteUpdate changes the row OldRowid to Values; its rowid becomes
	// NewRowid (equal to OldRowid unless the statement sets the rowid).
	WriteUpdate
)

// String returns DELETE, INSERT or UPDATE.
func (k WriteKind) String() string {
	switch k {
	case WriteDelete:
		return "DELETE"
	case WriteInsert:
		return "INSERT"
	case WriteUpdate:
		return "UPDATE"
	}
	return fmt.Sprintf("WriteKind(%d)", int(k))
}

// unchanged is the type of Unchanged.
type unchanged struct{}

// String makes Unchanged readable in test output and errors.
func (unchanged) String() string { return "vtab.Unchanged" }

// Unchanged stands, in UpdateOp.Values of a WriteUpdate, for a column the
// UPDATE does not set and whose value the cursor did not give because
// Context.NoChange was true (sqlite3_value_nochange). Compare with ==.
var Unchanged any = unchanged{}

// UpdateOp is one row change, the arguments of one xUpdate call.
type UpdateOp struct {
	Kind WriteKind
	// OldRowid is the row deleted or updated (WriteDelete, WriteUpdate).
	OldRowid int64
	// NewRowid is the rowid after a WriteUpdate, or the one a WriteInsert
	// asks for when HasNewRowid is set.
	NewRowid    int64
	HasNewRowid bool
	// Values has one value per column of the schema, HIDDEN columns
	// included, in schema order (nil for WriteDelete): nil for SQL NULL,
	// int64, float64, string, []byte, or Unchanged.
	Values []any
}

// Updater is implemented by a table that accepts INSERT, UPDATE and DELETE
// (xUpdate). Update applies op; for a WriteInsert without HasNewRowid it
// returns the new row's rowid (what last_insert_rowid() then reports), and
// otherwise its rowid result is ignored. An error fails the statement with
// its message.
type Updater interface {
	Update(op UpdateOp) (rowid int64, err error)
}

// Transactor is implemented by a writable table that takes part in SQLite's
// transactions. Begin runs before the first write of a transaction to the
// table (in autocommit, of each write statement), before its scan; Sync
// runs when the transaction commits (the end of a statement in autocommit,
// or COMMIT) and then Commit, or Rollback when the transaction is rolled
// back (ROLLBACK, a failed statement in autocommit, or a failed Sync).
// Errors of Begin and Sync fail the statement with their message; SQLite
// ignores the errors of Commit and Rollback, so work that can fail belongs
// in Sync.
type Transactor interface {
	Begin() error
	Sync() error
	Commit() error
	Rollback() error
}

// Savepointer is implemented by a Transactor that follows savepoints within
// a transaction (xSavepoint, xRelease, xRollbackTo): Savepoint(n) opens
// savepoint level n, Release(n) drops levels n and above keeping their
// changes, RollbackTo(n) undoes the changes made since Savepoint(n) and keeps
// level n open. SQLite also uses them around single statements inside a
// transaction, so that a failed statement undoes only its own changes. An
// error fails the statement with a generic SQLite message (SQLite keeps no
// text from these callbacks).
type Savepointer interface {
	Savepoint(n int) error
	Release(n int) error
	RollbackTo(n int) error
}

// DirectOnlyTable is implemented by a table that may declare itself
// SQLITE_VTAB_DIRECTONLY on its connection: when DirectOnly returns true
// after Connect, views and triggers (stored in a database file or TEMP) may
// not use the table, neither to read nor to write ("unsafe use of virtual
// table"), only the user's own statements may. Otherwise the table keeps
// SQLite's default risk level. It needs SQLite 3.31.0 or later; on an older
// host Connect fails rather than leave the table open to views.
type DirectOnlyTable interface {
	DirectOnly() bool
}

// NoChange reports, in Cursor.Column during an UPDATE, that the column is
// one the UPDATE does not set (sqlite3_vtab_nochange): the cursor may then
// return without setting a value, and Updater.Update receives Unchanged for
// it instead of a value. Elsewhere it is false.
func (c *Context) NoChange() bool {
	return c.ctx != nil && C.osq_vtab_nochange(c.ctx) != 0
}

// readOnlyErr is the text SQLite gives a write to a read-only table.
func readOnlyErr(name string) string {
	return fmt.Sprintf("table %s may not be modified", name)
}

//export osqUpdate
func osqUpdate(vt *C.sqlite3_vtab, h C.uintptr_t, argc C.int, argv **C.sqlite3_value, out *C.sqlite3_int64) (rc C.int) {
	t := cgo.Handle(h).Value().(*table)
	defer func() {
		if r := recover(); r != nil {
			setVtabErr(vt, panicErr(t.name, "Update", r).Error())
			rc = C.SQLITE_ERROR
		}
	}()
	if t.upd == nil {
		setVtabErr(vt, readOnlyErr(t.name))
		return C.SQLITE_READONLY
	}
	n := int(argc)
	vals := make([]C.osq_value, n)
	C.osq_update_values(argc, argv, &vals[0])
	rowid := func(i int) (int64, bool, error) {
		switch vals[i]._type {
		case C.SQLITE_INTEGER:
			return int64(vals[i].i), true, nil
		case C.SQLITE_NULL:
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("vtab: %s: rowid %v is not an integer", t.name, toGo(&vals[i]))
	}
	var op UpdateOp
	old, hasOld, err := rowid(0)
	if err != nil {
		setVtabErr(vt, err.Error())
		return C.SQLITE_MISMATCH
	}
	switch {
	case n == 1:
		op = UpdateOp{Kind: WriteDelete, OldRowid: old}
	case !hasOld:
		op.Kind = WriteInsert
	default:
		op = UpdateOp{Kind: WriteUpdate, OldRowid: old}
	}
	if n > 1 {
		if op.NewRowid, op.HasNewRowid, err = rowid(1); err != nil {
			setVtabErr(vt, err.Error())
			return C.SQLITE_MISMATCH
		}
		op.Values = make([]any, n-2)
		for i := range op.Values {
			if v := &vals[i+2]; v._type == C.OSQ_NOCHANGE {
				op.Values[i] = Unchanged
			} else {
				op.Values[i] = toGo(v)
			}
		}
	}
	id, err := t.upd.Update(op)
	if err != nil {
		setVtabErr(vt, err.Error())
		return C.SQLITE_ERROR
	}
	if op.Kind == WriteInsert && !op.HasNewRowid {
		*out = C.sqlite3_int64(id)
	}
	return C.SQLITE_OK
}

// txnNames names the callbacks of osqTxn and osqSavepoint in panics.
var txnNames = map[C.int]string{
	C.OSQ_BEGIN: "Begin", C.OSQ_SYNC: "Sync", C.OSQ_COMMIT: "Commit", C.OSQ_ROLLBACK: "Rollback",
	C.OSQ_SAVEPOINT: "Savepoint", C.OSQ_RELEASE: "Release", C.OSQ_ROLLBACK_TO: "RollbackTo",
}

// txnErr makes err the result of a transaction callback. SQLite reads the
// message only after xBegin and xSync; for the others the message is not
// set, so that it cannot surface later as the text of an unrelated error.
func txnErr(vt *C.sqlite3_vtab, op C.int, err error) C.int {
	if op == C.OSQ_BEGIN || op == C.OSQ_SYNC {
		setVtabErr(vt, err.Error())
	}
	return C.SQLITE_ERROR
}

//export osqTxn
func osqTxn(vt *C.sqlite3_vtab, h C.uintptr_t, op C.int) (rc C.int) {
	t := cgo.Handle(h).Value().(*table)
	defer func() {
		if r := recover(); r != nil {
			rc = txnErr(vt, op, panicErr(t.name, txnNames[op], r))
		}
	}()
	if t.upd == nil {
		if op == C.OSQ_BEGIN {
			setVtabErr(vt, readOnlyErr(t.name))
			return C.SQLITE_READONLY
		}
		return C.SQLITE_OK
	}
	if t.txn == nil {
		return C.SQLITE_OK
	}
	var err error
	switch op {
	case C.OSQ_BEGIN:
		err = t.txn.Begin()
	case C.OSQ_SYNC:
		err = t.txn.Sync()
	case C.OSQ_COMMIT:
		err = t.txn.Commit()
	case C.OSQ_ROLLBACK:
		err = t.txn.Rollback()
	}
	if err != nil {
		return txnErr(vt, op, err)
	}
	return C.SQLITE_OK
}

//export osqSavepoint
func osqSavepoint(vt *C.sqlite3_vtab, h C.uintptr_t, op C.int, n C.int) (rc C.int) {
	t := cgo.Handle(h).Value().(*table)
	defer func() {
		if r := recover(); r != nil {
			rc = txnErr(vt, op, panicErr(t.name, txnNames[op], r))
		}
	}()
	if t.svp == nil {
		return C.SQLITE_OK
	}
	var err error
	switch op {
	case C.OSQ_SAVEPOINT:
		err = t.svp.Savepoint(int(n))
	case C.OSQ_RELEASE:
		err = t.svp.Release(int(n))
	case C.OSQ_ROLLBACK_TO:
		err = t.svp.RollbackTo(int(n))
	}
	if err != nil {
		return txnErr(vt, op, err)
	}
	return C.SQLITE_OK
}
