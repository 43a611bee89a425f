package outlook

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab"
)

// Conn is the outlooksql state of one SQLite connection: its Source, the
// context of the statement running on it, and what that statement did.
type Conn struct {
	vc *vtab.Conn

	mu       sync.Mutex
	src      *Source
	ctx      context.Context
	log      *graph.Log
	scans    []*ScanInfo
	warnings []string
}

// ScanInfo describes one scan of a virtual table in a statement, for explain.
type ScanInfo struct {
	Table  string
	Pushed []string // constraints Graph evaluated
	Local  []string // constraints SQLite checked
	URLs   []string // the first request of each Graph request sequence
	Rows   int64    // rows the scan returned
	Pages  int      // pages fetched
}

// ErrNotConfigured is returned by a scan on a connection without a Source.
var ErrNotConfigured = errors.New(`outlooksql: this connection is not configured: open it with the "outlook" database/sql driver, or run SELECT outlooksql_configure('<connection string>') first`)

// Attach gives the connection with the given SQLite connection id a Source.
// It returns the connection's state.
func Attach(connID int64, src *Source) (*Conn, error) {
	vc := vtab.Lookup(connID)
	if vc == nil {
		return nil, fmt.Errorf("outlooksql: no open SQLite connection with id %d", connID)
	}
	c := stateOf(vc)
	c.mu.Lock()
	c.src = src
	c.mu.Unlock()
	return c, nil
}

var stateMu sync.Mutex

// stateOf returns the connection's state, creating it on first use.
func stateOf(vc *vtab.Conn) *Conn {
	stateMu.Lock()
	defer stateMu.Unlock()
	if c, ok := vc.Data().(*Conn); ok {
		return c
	}
	c := &Conn{vc: vc, log: &graph.Log{}}
	vc.SetData(c)
	return c
}

// Begin starts a statement: later requests run under ctx (cancelling it
// stops them) and the request log, scans and warnings start empty.
func (c *Conn) Begin(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ctx = ctx
	c.log.Reset()
	c.scans = nil
	c.warnings = nil
}

// Requests returns the Graph requests made since Begin.
func (c *Conn) Requests() []graph.Record { return c.log.Records() }

// Scans returns the virtual-table scans made since Begin.
func (c *Conn) Scans() []ScanInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ScanInfo, len(c.scans))
	for i, s := range c.scans {
		out[i] = *s
	}
	return out
}

// Warnings returns what the statement should tell the user though it did
// not fail, e.g. a $search result that reached Graph's cap.
func (c *Conn) Warnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.warnings...)
}

func (c *Conn) warn(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.warnings {
		if w == msg {
			return
		}
	}
	c.warnings = append(c.warnings, msg)
}

func (c *Conn) source() *Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.src
}

// context returns the statement's context, with the request log attached.
func (c *Conn) context() context.Context {
	c.mu.Lock()
	ctx := c.ctx
	c.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	return graph.WithLog(ctx, c.log)
}

func (c *Conn) addScan(s *ScanInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scans = append(c.scans, s)
}
