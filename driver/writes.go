package driver

import (
	"database/sql"

	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// Pending describes the changes a flush is about to send (SetConfirm).
type Pending = outlook.Pending

// Planned is one request a dry run would have sent (SetDryRun).
type Planned = outlook.Planned

// WriteError is a flush that did not make every change: how many it made,
// and each failure with Graph's code and message (errors.As finds it).
type WriteError = outlook.WriteError

// SetConfirm makes every flush on conn of more than one change call f first,
// with what it would send; an error from f cancels the flush, nothing sent,
// and the statement fails with it. nil removes it. The shell asks a person
// this way.
func SetConfirm(conn *sql.Conn, f func(Pending) error) error {
	return withConn(conn, func(oc *outlook.Conn) { oc.SetConfirm(f) })
}

// SetDryRun makes flushes on conn list the requests they would send (see
// Planned) and send none: reads still run, and write statements succeed
// without changing anything.
func SetDryRun(conn *sql.Conn, on bool) error {
	return withConn(conn, func(oc *outlook.Conn) { oc.SetDryRun(on) })
}

// PlannedRequests returns the requests the last statement's dry run would
// have sent.
func PlannedRequests(conn *sql.Conn) ([]Planned, error) {
	var out []Planned
	err := withConn(conn, func(oc *outlook.Conn) { out = oc.Planned() })
	return out, err
}
