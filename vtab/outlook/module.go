package outlook

import (
	"fmt"
	"sync"

	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// ConfigureFunction is the SQL function that configures a connection from a
// connection string: SELECT outlooksql_configure('BaseUrl=…;…'). It returns
// the connection's id.
const ConfigureFunction = "outlooksql_configure"

// ConnectionIDFunction is the SQL function that returns the connection's id,
// which Attach takes.
const ConnectionIDFunction = "outlooksql_connection_id"

var registerOnce sync.Once
var registerErr error

// Register makes the Graph tables and outlooksql_configure available on
// every SQLite connection the process opens from now on. It is idempotent.
func Register() error {
	registerOnce.Do(func() {
		for _, t := range tables.All {
			if err := vtab.Register(t.Name, &module{t: t}); err != nil {
				registerErr = fmt.Errorf("register table %s: %w", t.Name, err)
				return
			}
		}
		if err := vtab.RegisterFunction(ConfigureFunction, 1, configure); err != nil {
			registerErr = err
			return
		}
		registerErr = vtab.RegisterFunction(ConnectionIDFunction, 0, func(vc *vtab.Conn, _ []any) (any, error) {
			return vc.ID(), nil
		})
	})
	return registerErr
}

// configure is outlooksql_configure(connection_string).
func configure(vc *vtab.Conn, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("%s: the argument must be a connection string (TEXT)", ConfigureFunction)
	}
	src, err := OpenString(s)
	if err != nil {
		return nil, err
	}
	c := stateOf(vc)
	c.mu.Lock()
	c.src = src
	c.mu.Unlock()
	return vc.ID(), nil
}

// module is one table's vtab.Module.
type module struct{ t *tables.Table }

func (m *module) Schema() string { return m.t.Schema() }

func (m *module) Connect(vc *vtab.Conn) (vtab.Table, error) {
	return &table{t: m.t, conn: stateOf(vc)}, nil
}

// table is one table on one connection.
type table struct {
	t    *tables.Table
	conn *Conn
}

func (t *table) BestIndex(info *vtab.IndexInfo) error {
	opt := plan.Options{Pushdown: true}
	if src := t.conn.source(); src != nil {
		opt = src.planOptions()
	}
	return plan.BestIndex(t.t, info, opt)
}

func (t *table) Open() (vtab.Cursor, error) {
	t.conn.opened()
	return &cursor{t: t.t, conn: t.conn}, nil
}

func (t *table) Disconnect() error { return nil }
