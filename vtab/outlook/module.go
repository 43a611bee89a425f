package outlook

import (
	"fmt"
	"sync"

	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/funcs"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// ConfigureFunction is the SQL function that configures a connection:
// SELECT outlooksql_configure() takes $OUTLOOKSQL_CONNECTION, else the
// profile "default"; outlooksql_configure('work') takes the profile work;
// outlooksql_configure('BaseUrl=…;…') takes a connection string (whose
// secret then shows in the SQL and in the result column's name). It
// returns the connection's id. Like every function of the package it is
// SQLITE_DIRECTONLY: a database file's views and triggers cannot call it.
const ConfigureFunction = "outlooksql_configure"

// LastInsertIDFunction is the SQL function that returns the id of the last
// draft, folder or attachment an INSERT created on the connection (NULL
// before any). INSERT … RETURNING cannot: Graph gives the id only when the
// change is sent, after the statement's rows.
const LastInsertIDFunction = "last_insert_id"

// ConnectionIDFunction is the SQL function that returns the connection's id,
// which Attach takes.
const ConnectionIDFunction = "outlooksql_connection_id"

var registerOnce sync.Once
var registerErr error

// Register makes the Graph tables and outlooksql_configure available on
// every SQLite connection the process opens from now on. It is idempotent.
func Register() error {
	registerOnce.Do(func() {
		if registerErr = funcs.RegisterRegexp(); registerErr != nil {
			return
		}
		for _, t := range tables.All {
			if err := vtab.Register(t.Name, &module{t: t}); err != nil {
				registerErr = fmt.Errorf("register table %s: %w", t.Name, err)
				return
			}
		}
		for _, nArg := range []int{0, 1} {
			if err := vtab.RegisterFunction(ConfigureFunction, nArg, configure); err != nil {
				registerErr = err
				return
			}
		}
		if registerErr = vtab.RegisterFunction(LastInsertIDFunction, 0, func(vc *vtab.Conn, _ []any) (any, error) {
			if id := stateOf(vc).LastInsertID(); id != "" {
				return id, nil
			}
			return nil, nil
		}); registerErr != nil {
			return
		}
		registerErr = vtab.RegisterFunction(ConnectionIDFunction, 0, func(vc *vtab.Conn, _ []any) (any, error) {
			return vc.ID(), nil
		})
	})
	return registerErr
}

// module is one table's vtab.Module.
type module struct{ t *tables.Table }

func (m *module) Schema() string { return m.t.Schema() }

func (m *module) Connect(vc *vtab.Conn) (vtab.Table, error) {
	c := stateOf(vc)
	t := &table{t: m.t, conn: c}
	if m.t.Writes != nil {
		// Writable unless the connection is read-only when the table is
		// first used; a connection configured later stays DIRECTONLY.
		src := c.source()
		t.directOnly = src == nil || !src.Config.ReadOnly
	}
	return t, nil
}

// table is one table on one connection.
type table struct {
	t    *tables.Table
	conn *Conn
	// directOnly: the table was declared SQLITE_VTAB_DIRECTONLY, so views
	// and triggers cannot use it and it may write.
	directOnly bool
}

func (t *table) BestIndex(info *vtab.IndexInfo) error {
	if t.t.Fetch.Empty {
		info.EstimatedCost, info.EstimatedRows = 1, 0
		return nil
	}
	opt := plan.Options{Pushdown: true}
	if src := t.conn.source(); src != nil {
		opt = planOptions(src)
	}
	return plan.BestIndex(t.t, info, opt)
}

// Open opens a cursor of stmt, the statement the driver stepped with
// Conn.Step (nil in a host that loaded the extension): the cursor keeps it.
func (t *table) Open(stmt any) (vtab.Cursor, error) {
	return &cursor{t: t.t, conn: t.conn, stmt: t.conn.opened(stmt)}, nil
}

func (t *table) Disconnect() error { return nil }
