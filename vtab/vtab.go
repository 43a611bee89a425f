// Package vtab is a thin Go binding of SQLite's virtual-table C API
// (https://sqlite.org/vtab.html), linked against the SQLite that
// github.com/mattn/go-sqlite3 bundles, so a process has one SQLite.
//
// Unlike mattn's own vtab wrapper, it shows Go the whole sqlite3_index_info:
// every constraint with its own omit choice, colUsed, collations, right-hand
// values, whole IN lists in one xFilter (sqlite3_vtab_in), LIMIT/OFFSET and
// ORDER BY consumption. Modules are registered once per process with Register
// and appear, eponymous, on every SQLite connection opened afterwards.
//
// Tables are read-only unless their Module implements Writable: SQLite then
// sees the module at iVersion 2, and its tables take writes through the
// optional interfaces Updater, Transactor and Savepointer (see write.go);
// a table may also declare itself DIRECTONLY (DirectOnlyTable).
//
// The C code only marshals between SQLite and Go; every callback recovers
// panics and turns them into SQLite errors.
//
// Builds: by default the package links with github.com/mattn/go-sqlite3 and
// installs itself with sqlite3_auto_extension. With the build tag
// outlooksql_ext it calls SQLite only through the host's sqlite3_api and
// exports sqlite3_outlooksql_init, for a loadable extension built with
// go build -tags outlooksql_ext -buildmode=c-shared ./cmd/outlooksql-ext.
// The host SQLite must be 3.30.0 or later (SQLITE_DIRECTONLY); IN lists, LIMIT/OFFSET, RHS
// values and Distinct need 3.38.0 and Conn.Interrupted 3.41.0 (older hosts
// report IsIn false, HasRHS false, Distinct 0, Interrupted false).
package vtab

import "github.com/outlooksql/outlooksql/vtab/sqlite"

// The planning types are declared, without cgo, in package vtab/sqlite, so
// that planners build and test without SQLite; the binding converts C
// structs into them. These aliases keep their SQLite names here.
type (
	// Op is a constraint operator, SQLITE_INDEX_CONSTRAINT_*.
	Op = sqlite.Op
	// Constraint is one entry of sqlite3_index_info.aConstraint.
	Constraint = sqlite.Constraint
	// OrderBy is one ORDER BY term (aOrderBy).
	OrderBy = sqlite.OrderBy
	// ConstraintUsage is the table's answer for one constraint (aConstraintUsage).
	ConstraintUsage = sqlite.ConstraintUsage
	// IndexInfo is sqlite3_index_info: BestIndex's inputs and outputs.
	IndexInfo = sqlite.IndexInfo
	// InList is the value Filter receives for a constraint taken whole.
	InList = sqlite.InList
)

// The constraint operators, with SQLite's values.
const (
	OpEQ        = sqlite.OpEQ
	OpGT        = sqlite.OpGT
	OpLE        = sqlite.OpLE
	OpLT        = sqlite.OpLT
	OpGE        = sqlite.OpGE
	OpMATCH     = sqlite.OpMATCH
	OpLIKE      = sqlite.OpLIKE
	OpGLOB      = sqlite.OpGLOB
	OpREGEXP    = sqlite.OpREGEXP
	OpNE        = sqlite.OpNE
	OpISNOT     = sqlite.OpISNOT
	OpISNOTNULL = sqlite.OpISNOTNULL
	OpISNULL    = sqlite.OpISNULL
	OpIS        = sqlite.OpIS
	OpLIMIT     = sqlite.OpLIMIT
	OpOFFSET    = sqlite.OpOFFSET
	OpFUNCTION  = sqlite.OpFUNCTION
)

// ScanUnique (IdxFlags, SQLITE_INDEX_SCAN_UNIQUE) tells SQLite the scan
// visits at most one row.
const ScanUnique = sqlite.ScanUnique

// ErrConstraint, returned from BestIndex, tells SQLite the plan is impossible
// (SQLITE_CONSTRAINT) so that it tries another; it is not an error of the
// statement.
var ErrConstraint = sqlite.ErrConstraint

// Module is one virtual table type. It is eponymous: the table exists under
// the module's name on every connection, and HIDDEN columns of its schema can
// be given as table-valued-function arguments.
type Module interface {
	// Schema is the CREATE TABLE statement SQLite sees (sqlite3_declare_vtab).
	Schema() string
	// Connect makes the table for one connection (xConnect).
	Connect(c *Conn) (Table, error)
}

// Table is a virtual table on one connection (sqlite3_vtab).
type Table interface {
	// BestIndex is xBestIndex: it must be cheap and do no I/O.
	BestIndex(info *IndexInfo) error
	// Open is xOpen. stmt is the value the host gave Conn.Step for the
	// statement that opens the cursor, or nil when it is stepped outside
	// Step (e.g. by a program that loaded the extension). The cursor's
	// Filter, Next and Column calls all run within that statement.
	Open(stmt any) (Cursor, error)
	// Disconnect is xDisconnect.
	Disconnect() error
}

// Cursor scans a table (sqlite3_vtab_cursor).
type Cursor interface {
	// Filter is xFilter: start a scan. args are the values of the constraints
	// the plan asked for, in ArgvIndex order; nil stands for SQL NULL, and
	// values are int64, float64, string, []byte or InList.
	Filter(idxNum int, idxStr string, args []any) error
	// Next is xNext.
	Next() error
	// EOF is xEof.
	EOF() bool
	// Column is xColumn: set column col of the current row through ctx.
	Column(ctx *Context, col int) error
	// Rowid is xRowid.
	Rowid() (int64, error)
	// Close is xClose.
	Close() error
}
