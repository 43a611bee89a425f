package driver

import (
	"database/sql"

	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// Lookahead is one batched lookup of a statement: a nested-loop join whose
// inner scan took its keys from another scan's rows, with the keys whose
// inner requests were fetched ahead, how many of them were served, and the
// requests sent for them (connection key Lookahead).
type Lookahead = outlook.Lookahead

// Lookaheads returns the batched lookups of the last statement run on conn.
func Lookaheads(conn *sql.Conn) ([]Lookahead, error) {
	var out []Lookahead
	err := withConn(conn, func(oc *outlook.Conn) { out = oc.Lookaheads() })
	return out, err
}
