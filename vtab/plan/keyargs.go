package plan

import (
	"encoding/json"
	"fmt"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// KeyArg is an xFilter argument that gives a key column (a mailbox, folder,
// message or id) one value: the same plan with another value in it is the
// same scan of another key. A nested-loop join passes the outer row's value
// there once per outer row.
type KeyArg struct {
	Arg int // the argument's index in xFilter's args
	Col int // the key column's index in the table
}

// KeyArgs returns the arguments of the plan idxStr (made by BestIndex for
// t) that give a key column one value with = or IS. $search is not one:
// its value is a query, not a key.
func KeyArgs(t *tables.Table, idxStr string) ([]KeyArg, error) {
	var p index
	if err := json.Unmarshal([]byte(idxStr), &p); err != nil {
		return nil, fmt.Errorf("plan: %s: index string %q is not a plan made by BestIndex: %w", t.Name, idxStr, err)
	}
	var out []KeyArg
	for i, a := range p.Args {
		col := column(t, a.Col)
		if col == nil || a.In || (a.Role != roleKey && a.Role != roleID) || col.Key == keySearch {
			continue
		}
		if a.Op != sqlite.OpEQ && a.Op != sqlite.OpIS {
			continue
		}
		out = append(out, KeyArg{Arg: i, Col: a.Col})
	}
	return out, nil
}
