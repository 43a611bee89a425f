// Package sqlite is the planning half of SQLite's virtual-table interface
// (https://sqlite.org/vtab.html#xbestindex) as plain Go values: the
// constraint operators, sqlite3_index_info and the IN lists xFilter
// receives. It has no cgo and does not link SQLite, so that a planner
// (vtab/plan) builds and is tested without a C compiler; package vtab, the
// cgo binding, converts SQLite's C structs into these types and re-exports
// them under the same names.
package sqlite

import "errors"

// Op is a constraint operator, SQLITE_INDEX_CONSTRAINT_*.
type Op uint8

// The constraint operators, with SQLite's values.
const (
	OpEQ        Op = 2
	OpGT        Op = 4
	OpLE        Op = 8
	OpLT        Op = 16
	OpGE        Op = 32
	OpMATCH     Op = 64
	OpLIKE      Op = 65
	OpGLOB      Op = 66
	OpREGEXP    Op = 67
	OpNE        Op = 68
	OpISNOT     Op = 69
	OpISNOTNULL Op = 70
	OpISNULL    Op = 71
	OpIS        Op = 72
	OpLIMIT     Op = 73
	OpOFFSET    Op = 74
	OpFUNCTION  Op = 150
)

// String returns the SQL spelling of the operator.
func (o Op) String() string {
	switch o {
	case OpEQ:
		return "="
	case OpGT:
		return ">"
	case OpLE:
		return "<="
	case OpLT:
		return "<"
	case OpGE:
		return ">="
	case OpMATCH:
		return "MATCH"
	case OpLIKE:
		return "LIKE"
	case OpGLOB:
		return "GLOB"
	case OpREGEXP:
		return "REGEXP"
	case OpNE:
		return "!="
	case OpISNOT:
		return "IS NOT"
	case OpISNOTNULL:
		return "IS NOT NULL"
	case OpISNULL:
		return "IS NULL"
	case OpIS:
		return "IS"
	case OpLIMIT:
		return "LIMIT"
	case OpOFFSET:
		return "OFFSET"
	case OpFUNCTION:
		return "FUNCTION"
	}
	return "op?"
}

// IdxFlags bits (SQLITE_INDEX_SCAN_*).
const (
	// ScanUnique tells SQLite the scan visits at most one row.
	ScanUnique = 1
)

// Constraint is one entry of sqlite3_index_info.aConstraint, with what the
// sqlite3_vtab_* helper functions tell about it.
type Constraint struct {
	Column    int    // column index; -1 is the rowid
	Op        Op     // operator
	Usable    bool   // false: this plan may not use it
	Collation string // sqlite3_vtab_collation: "BINARY", "NOCASE", "RTRIM", …
	// IsIn is true when the constraint is an IN list that the table may take
	// whole: set ConstraintUsage.In to receive the list in one Filter call.
	IsIn bool
	// RHS is the right-hand value when SQLite knows it at plan time
	// (sqlite3_vtab_rhs_value); HasRHS says whether it does.
	RHS    any
	HasRHS bool
}

// OrderBy is one ORDER BY term (aOrderBy).
type OrderBy struct {
	Column int
	Desc   bool
}

// ConstraintUsage is the table's answer for one constraint (aConstraintUsage).
type ConstraintUsage struct {
	// ArgvIndex > 0 passes the constraint's value to Filter as args[ArgvIndex-1].
	ArgvIndex int
	// Omit tells SQLite not to check the constraint again. Set it only when
	// the table applies the constraint exactly.
	Omit bool
	// In asks for the whole IN list in one Filter call (sqlite3_vtab_in with
	// 1); the argument then arrives as an InList. Only valid when IsIn.
	In bool
}

// IndexInfo is sqlite3_index_info: the inputs SQLite gives BestIndex and the
// outputs the table fills in.
type IndexInfo struct {
	// Inputs.
	Constraints []Constraint
	OrderBy     []OrderBy
	// ColUsed has bit i set when column i is used; bit 63 stands for every
	// column from 63 on.
	ColUsed uint64
	// Distinct is sqlite3_vtab_distinct: 0 plain, 1 GROUP BY, 2 DISTINCT, 3
	// DISTINCT and ORDER BY.
	Distinct int

	// Outputs. ConstraintUsage has one entry per constraint, zero-valued on
	// entry; set its fields, do not replace the slice. EstimatedCost and
	// EstimatedRows arrive with SQLite's defaults (5e98 and 25), the others
	// zero. An invalid answer (an ArgvIndex on an unusable constraint,
	// ArgvIndex values that are not 1..n, Omit or In without ArgvIndex, In
	// where IsIn is false) fails the statement with an error naming it.
	ConstraintUsage []ConstraintUsage
	IdxNum          int
	IdxStr          string
	OrderByConsumed bool
	EstimatedCost   float64
	EstimatedRows   int64
	IdxFlags        int
}

// InList is the value Filter receives for a constraint taken whole with
// ConstraintUsage.In: every distinct value of the IN list.
type InList []any

// ErrConstraint, returned from BestIndex, tells SQLite the plan is impossible
// (SQLITE_CONSTRAINT) so that it tries another; it is not an error of the
// statement.
var ErrConstraint = errors.New("vtab: plan not usable")
