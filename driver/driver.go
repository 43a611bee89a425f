// Package driver is the database/sql driver "outlook": SQLite with the Graph
// mail tables, configured by a connection string.
//
//	db, err := sql.Open("outlook", "TokenUrl=…;ClientId=…;RefreshTokenFilePath=…")
//	rows, err := db.Query(`SELECT subject, from_address FROM messages WHERE folder_id = 'inbox' LIMIT 20`)
//
// Each pooled connection is an in-memory SQLite database (mattn/go-sqlite3)
// on which the tables messages, mail_folders, users and attachments exist.
// The connection string is parsed once, when the connector is made; every
// connection then shares one Graph client and one token source.
package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// Name is the name the driver is registered under with database/sql.
const Name = "outlook"

func init() {
	sql.Register(Name, &Driver{})
}

// Config is a parsed connection string.
type Config = config.Config

// ParseConfig parses and validates a connection string (keys in SCHEMA.md).
func ParseConfig(connStr string) (*Config, error) { return config.Parse(connStr) }

// Request is one Graph request a statement made.
type Request = graph.Record

// Scan is one virtual-table scan a statement made: what was pushed to Graph
// and what SQLite checked.
type Scan = outlook.ScanInfo

// PartitionInfo is one chain of a partitioned scan (Scan.Partitions).
type PartitionInfo = outlook.PartitionInfo

// Driver is the database/sql driver. It implements driver.DriverContext, so
// a bad connection string fails sql.Open's first use with a precise error.
type Driver struct{}

// Open opens one connection; database/sql calls OpenConnector instead.
func (d *Driver) Open(name string) (driver.Conn, error) {
	c, err := d.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the connection string once.
func (d *Driver) OpenConnector(name string) (driver.Connector, error) {
	cfg, err := config.Parse(name)
	if err != nil {
		return nil, err
	}
	return NewConnector(cfg)
}

// Connector opens connections for one configuration (driver.Connector).
type Connector struct {
	src *outlook.Source
}

// NewConnector returns a connector for cfg, for sql.OpenDB.
func NewConnector(cfg *Config) (*Connector, error) {
	if err := outlook.Register(); err != nil {
		return nil, err
	}
	src, err := outlook.Open(cfg)
	if err != nil {
		return nil, err
	}
	return &Connector{src: src}, nil
}

// Driver returns the Driver.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Connect opens an in-memory SQLite connection with the tables attached to
// the connector's Graph source.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := (&sqlite3.SQLiteDriver{}).Open(":memory:")
	if err != nil {
		return nil, fmt.Errorf("open SQLite: %w", err)
	}
	sc := dc.(*sqlite3.SQLiteConn)
	id, err := connectionID(sc)
	if err != nil {
		sc.Close()
		return nil, err
	}
	oc, err := outlook.Attach(id, c.src)
	if err != nil {
		sc.Close()
		return nil, err
	}
	return &Conn{SQLiteConn: sc, oc: oc}, nil
}

// connectionID asks SQLite which connection sc is, through the function the
// tables register on every connection.
func connectionID(sc *sqlite3.SQLiteConn) (int64, error) {
	rows, err := sc.Query("SELECT "+outlook.ConnectionIDFunction+"()", nil)
	if err != nil {
		return 0, fmt.Errorf("attach Graph tables: %w", err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil && err != io.EOF {
		return 0, fmt.Errorf("attach Graph tables: %w", err)
	}
	id, ok := dest[0].(int64)
	if !ok {
		return 0, fmt.Errorf("attach Graph tables: unexpected connection id %v", dest[0])
	}
	return id, nil
}

// Conn is one connection. Each statement's context governs its Graph
// requests: cancelling it stops them. Every call that steps a statement
// (Query, Exec, Rows.Next) runs inside outlook.Conn.Step with the
// statement's state, which the tables' cursors receive when they open.
type Conn struct {
	*sqlite3.SQLiteConn
	oc *outlook.Conn
}

// QueryContext runs a query. The connection string's Timeout bounds it
// until its rows are closed.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st := c.oc.Begin(ctx)
	var r driver.Rows
	var err error
	c.oc.Step(st, func() { r, err = c.SQLiteConn.QueryContext(st.Context(), query, args) })
	return wrapRows(r, err)(c.oc, st)
}

// ExecContext runs a statement that returns no rows.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st := c.oc.Begin(ctx)
	defer st.End()
	var r driver.Result
	var err error
	c.oc.Step(st, func() { r, err = c.SQLiteConn.ExecContext(st.Context(), query, args) })
	return r, stmtErr(c.oc, st, err)
}

// PrepareContext prepares a statement.
func (c *Conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.SQLiteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &Stmt{Stmt: s, oc: c.oc}, nil
}

// Prepare prepares a statement.
func (c *Conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// Outlook returns the connection's Graph state: the requests, scans and
// warnings of its last statement.
func (c *Conn) Outlook() *outlook.Conn { return c.oc }

// Stmt is a prepared statement.
type Stmt struct {
	driver.Stmt
	oc *outlook.Conn
}

// QueryContext runs the statement as a query.
func (s *Stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	st := s.oc.Begin(ctx)
	var r driver.Rows
	var err error
	s.oc.Step(st, func() { r, err = s.Stmt.(driver.StmtQueryContext).QueryContext(st.Context(), args) })
	return wrapRows(r, err)(s.oc, st)
}

// ExecContext runs the statement.
func (s *Stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	st := s.oc.Begin(ctx)
	defer st.End()
	var r driver.Result
	var err error
	s.oc.Step(st, func() { r, err = s.Stmt.(driver.StmtExecContext).ExecContext(st.Context(), args) })
	return r, stmtErr(s.oc, st, err)
}

// Requests returns the Graph requests made by the last statement run on conn.
func Requests(conn *sql.Conn) ([]Request, error) {
	var out []Request
	err := withConn(conn, func(oc *outlook.Conn) { out = oc.Requests() })
	return out, err
}

// Scans returns the virtual-table scans of the last statement run on conn.
func Scans(conn *sql.Conn) ([]Scan, error) {
	var out []Scan
	err := withConn(conn, func(oc *outlook.Conn) { out = oc.Scans() })
	return out, err
}

// Warnings returns what the last statement on conn should tell the user
// though it did not fail.
func Warnings(conn *sql.Conn) ([]string, error) {
	var out []string
	err := withConn(conn, func(oc *outlook.Conn) { out = oc.Warnings() })
	return out, err
}

// Progress is what a running statement has done so far.
type Progress = outlook.Progress

// Watch returns a function that reports the progress of the statement
// running on conn. Unlike Requests, Scans and Warnings, which wait until
// the connection is free, the function may be called from another goroutine
// while a statement runs: for a progress line.
func Watch(conn *sql.Conn) (func() Progress, error) {
	var oc *outlook.Conn
	if err := withConn(conn, func(c *outlook.Conn) { oc = c }); err != nil {
		return nil, err
	}
	return oc.Progress, nil
}

func withConn(conn *sql.Conn, f func(*outlook.Conn)) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*Conn)
		if !ok {
			return fmt.Errorf("not an %q driver connection", Name)
		}
		f(c.oc)
		return nil
	})
}

// wrapRows makes a query's rows step their statement with its state, so
// that with two result sets open on one connection each keeps its own
// context, request log and cache.
func wrapRows(r driver.Rows, err error) func(*outlook.Conn, *outlook.Statement) (driver.Rows, error) {
	return func(oc *outlook.Conn, st *outlook.Statement) (driver.Rows, error) {
		if err != nil {
			st.End()
			return nil, stmtErr(oc, st, err)
		}
		sr, ok := r.(*sqlite3.SQLiteRows)
		if !ok {
			return r, nil // its Timeout, if any, ends it on its own
		}
		return &Rows{SQLiteRows: sr, oc: oc, st: st}, nil
	}
}

// stmtErr explains a statement's error: a flush that failed part-way is
// returned as the outlook error SQLite copied as text (errors.As finds its
// *WriteError); a deadline says whose it was.
func stmtErr(oc *outlook.Conn, st *outlook.Statement, err error) error {
	if err == nil {
		return nil
	}
	if we := oc.TakeWriteError(); we != nil && strings.Contains(err.Error(), we.Error()) {
		return we
	}
	return st.Err(err)
}

// Rows is a query's result set (mattn's, with its column-type methods).
type Rows struct {
	*sqlite3.SQLiteRows
	oc *outlook.Conn
	st *outlook.Statement
}

// Next steps the statement to its next row. A statement stopped by its
// deadline says so: "statement timed out after 2s (connection key
// Timeout)", not "context deadline exceeded".
func (r *Rows) Next(dest []driver.Value) error {
	var err error
	r.oc.Step(r.st, func() { err = r.SQLiteRows.Next(dest) })
	if err == io.EOF {
		return err
	}
	return stmtErr(r.oc, r.st, err)
}

// Close closes the rows and ends their statement.
func (r *Rows) Close() error {
	defer r.st.End()
	return r.SQLiteRows.Close()
}
