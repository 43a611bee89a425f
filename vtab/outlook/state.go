package outlook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Conn is the outlooksql state of one SQLite connection: its Source and
// the statement it last ran, for Requests, Scans, Warnings and Progress.
//
// A cursor does not read its statement from the connection: it receives it
// once, explicitly, when it opens (vtab.Table.Open). A driver marks the
// statement it steps with Step. Without one (a host that loaded the
// extension) the cursors opened outside Step share an implicit statement:
// the span while at least one of them is open.
type Conn struct {
	vc *vtab.Conn

	mu    sync.Mutex
	src   *Source
	last  *Statement // the statement last begun or stepped; nil before any
	stmts uint64     // statements begun
	// implicit is the statement of the cursors opened outside Step, while
	// implicitOpen of them are open.
	implicit     *Statement
	implicitOpen int

	w writer // the write transaction
}

// Statement is what one statement did: its context (cancelling it stops
// its requests), its requests, scans and warnings, and its cache of
// identical requests. A connection may step several statements in turn
// (two open result sets): each keeps its own, and each cursor holds the
// statement that opened it.
type Statement struct {
	mu       sync.Mutex // guards scans, their counts, and warnings: Progress reads them from any goroutine
	ctx      context.Context
	cancel   context.CancelFunc // ends the statement's Timeout; nil without one
	start    time.Time
	log      *graph.Log
	memo     *graph.Memo   // the statement's answers to identical requests
	budget   *graph.Budget // the statement's requests (connection key MaxRequests)
	scans    []*ScanInfo
	warnings []string
	planned  []Planned  // the requests a dry-run flush would have sent
	ahead    *lookahead // batched nested loops; nil until a scan filters
	n        uint64     // the connection's statement number
	implicit bool       // begun by a cursor opened outside Step, not by a driver
}

// TimeoutError ends a statement that ran past its deadline: the connection
// string's Timeout, or the deadline of the context it runs under (e.g. the
// command line's --timeout). It wraps context.DeadlineExceeded.
type TimeoutError struct {
	After time.Duration // how long the statement was allowed
	Key   bool          // the deadline is the connection key Timeout's
}

func (e *TimeoutError) Error() string {
	if e.Key {
		return fmt.Sprintf("statement timed out after %s (connection key Timeout)", e.After)
	}
	return fmt.Sprintf("statement timed out after %s (the deadline it was run with)", e.After)
}

// Unwrap makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// Context returns the context the statement's requests run under: the one
// Begin was given, with the connection's Timeout.
func (st *Statement) Context() context.Context { return st.ctx }

// Err explains err, an error of the statement: one caused by its deadline
// passing becomes a *TimeoutError saying how long it was allowed and by
// what; any other error is returned as is.
func (st *Statement) Err(err error) error {
	if err == nil || st == nil || st.ctx == nil || st.ctx.Err() == nil || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return err
	}
	if errors.As(context.Cause(st.ctx), &te) {
		return te
	}
	if d, ok := st.ctx.Deadline(); ok {
		return &TimeoutError{After: roundDuration(d.Sub(st.start))}
	}
	return err
}

// End ends the statement: its deadline's timer stops. Requests still in
// flight under it are cancelled.
func (st *Statement) End() {
	if st != nil && st.cancel != nil {
		st.cancel()
	}
	st.endLookahead()
}

// roundDuration shows a deadline as a person set it: 2s, not 1.999873s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= 100*time.Millisecond:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// ScanInfo describes one scan of a virtual table in a statement, for explain.
type ScanInfo struct {
	Table  string
	Pushed []plan.Term // constraints Graph evaluated, and how
	Local  []plan.Term // constraints SQLite checked
	URLs   []string    // the first request of each Graph request sequence
	Rows   int64       // rows the scan returned
	Pages  int         // pages fetched
	// Requests is the HTTP requests sent for the scan, retries included; a
	// $batch POST counts once (its GETs are in the connection's Requests).
	Requests int
	// Cached is the requests answered by an identical request made earlier
	// in the statement (or at the same time), without sending them.
	Cached int
	// Partitions is the chains of a partitioned scan, in range order
	// (none when the scan was not split).
	Partitions []PartitionInfo
	// PartitionBounds says where a partitioned scan's bounds came from:
	// "probes (@odata.count N)", or "a previous scan's (… ago, …)" when a
	// repeat of a listing split within PartitionMemory reused them.
	PartitionBounds string
	// Ahead is the requests answered by a batched lookup: fetched ahead,
	// for a nested-loop join, with those of the next outer rows.
	Ahead int

	log *graph.Log // the scan's requests
}

// StatementCache is the most bytes of Graph answers a statement keeps so
// that identical requests within it are sent once.
const StatementCache = 16 << 20

// ErrNotConfigured is returned by a scan on a connection without a Source.
var ErrNotConfigured = errors.New(`outlooksql: this connection is not configured: run SELECT outlooksql_configure() (it reads $OUTLOOKSQL_CONNECTION or the profile "default"; outlooksql_configure('NAME') reads the profile NAME); from Go, open it with the "outlook" database/sql driver`)

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
	c := &Conn{vc: vc}
	vc.SetData(c)
	return c
}

// Begin starts a statement: its requests run under ctx (cancelling it
// stops them), with an empty request log, scans, warnings and cache. The
// caller steps its SQLite statement with Step and ends it with End.
//
// The connection string's Timeout bounds the statement from now on, and
// MaxRequests its requests.
func (c *Conn) Begin(ctx context.Context) *Statement {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.begin(ctx)
}

// Step runs step, which steps st's SQLite statement (mattn's Query, Exec or
// Rows.Next): the cursors it opens meanwhile belong to st. st becomes the
// statement Requests, Scans, Warnings and Progress report.
func (c *Conn) Step(st *Statement, step func()) {
	c.mu.Lock()
	c.last = st
	c.mu.Unlock()
	c.vc.Step(st, step)
}

// begin is Begin with c.mu held.
func (c *Conn) begin(ctx context.Context) *Statement {
	c.stmts++
	st := &Statement{start: time.Now(), log: &graph.Log{}, memo: graph.NewMemo(StatementCache), n: c.stmts}
	max, timeout := int64(config.DefaultMaxRequests), time.Duration(0)
	if c.src != nil {
		max, timeout = c.src.Config.MaxRequests, c.src.Config.Timeout
	}
	st.budget = graph.NewBudget(max)
	if timeout > 0 {
		ctx, st.cancel = context.WithTimeoutCause(ctx, timeout, &TimeoutError{After: timeout, Key: true})
	}
	st.ctx = ctx
	c.last = st
	return st
}

// opened returns the statement of a cursor opening in the statement that
// Step gave stmt (vtab.Table.Open). A cursor opened outside Step belongs to
// the implicit statement, which the first such cursor begins.
func (c *Conn) opened(stmt any) *Statement {
	if st, ok := stmt.(*Statement); ok && st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.implicitOpen++
	if c.implicitOpen == 1 {
		c.implicit = c.begin(context.Background())
		c.implicit.implicit = true
	}
	return c.implicit
}

// closed counts a cursor of st closing. The last cursor of the implicit
// statement to close ends it.
func (c *Conn) closed(st *Statement) {
	if st == nil || !st.implicit {
		return // a driver's statement: the driver ends it
	}
	c.mu.Lock()
	var end *Statement
	if c.implicit == st && c.implicitOpen > 0 {
		c.implicitOpen--
		if c.implicitOpen == 0 {
			end, c.implicit = st, nil
		}
	}
	c.mu.Unlock()
	end.End()
}

// lastStatement returns the statement last begun or stepped, or an empty
// one before any.
func (c *Conn) lastStatement() *Statement {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return &Statement{log: &graph.Log{}}
	}
	return c.last
}

// Requests returns the Graph requests of the last statement begun or stepped.
func (c *Conn) Requests() []graph.Record { return c.lastStatement().log.Records() }

// Scans returns the virtual-table scans of the last statement begun or
// stepped.
func (c *Conn) Scans() []ScanInfo {
	st := c.lastStatement()
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]ScanInfo, len(st.scans))
	for i, s := range st.scans {
		out[i] = *s
		out[i].Partitions = slices.Clone(s.Partitions)
		if s.log != nil {
			out[i].Requests, out[i].Cached = len(s.log.Records()), s.log.Cached()
		}
	}
	return out
}

// Warnings returns what the statement should tell the user though it did
// not fail, e.g. a $search result that reached Graph's cap.
func (c *Conn) Warnings() []string {
	st := c.lastStatement()
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]string(nil), st.warnings...)
}

// Progress is what the running statement has done so far, for a progress
// line.
type Progress struct {
	Statement uint64        // counts the connection's statements: tells a new one from the last
	Tables    []string      // the tables scanned, in the order of their first scan
	Rows      int64         // rows returned by its scans
	Pages     int           // pages fetched
	Requests  int           // Graph request attempts finished
	Waits     int           // attempts that first waited because Graph throttled
	Waited    time.Duration // the sum of those waits
}

// Progress returns the progress of the statement last begun or stepped.
// It is safe to call from any goroutine while the statement runs.
func (c *Conn) Progress() Progress {
	var p Progress
	st := c.lastStatement()
	st.mu.Lock()
	p.Statement = st.n
	for _, s := range st.scans {
		if !slices.Contains(p.Tables, s.Table) {
			p.Tables = append(p.Tables, s.Table)
		}
		p.Rows += s.Rows
		p.Pages += s.Pages
	}
	st.mu.Unlock()
	for _, r := range st.log.Records() {
		p.Requests++
		if r.Wait > 0 {
			p.Waits++
			p.Waited += r.Wait
		}
	}
	return p
}

// warn adds msg to the statement's warnings, once.
func (st *Statement) warn(msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !slices.Contains(st.warnings, msg) {
		st.warnings = append(st.warnings, msg)
	}
}

func (c *Conn) source() *Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.src
}

// context returns the statement's context with its request log, cache and
// request budget attached: what its cursors' requests run under.
func (st *Statement) context() context.Context {
	return graph.WithBudget(graph.WithLog(graph.WithMemo(st.ctx, st.memo), st.log), st.budget)
}

// addScan adds a scan to the statement's scans.
func (st *Statement) addScan(s *ScanInfo) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.scans = append(st.scans, s)
}
