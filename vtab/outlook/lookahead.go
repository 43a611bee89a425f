package outlook

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Batched nested loops. SQLite runs a join's inner scan once per outer row,
// passing the outer row's key (attachments WHERE message_id = m.id, messages
// WHERE user_id = u.id): one request per row, in turn. The inner scan is
// never told where its key comes from, so each statement keeps a registry of
// its open cursors, and an inner xFilter looks for its key in the current
// row of the others. When it finds it (messages.id), the keys of the rows
// that follow on that cursor's page are the likely next keys: their inner
// requests, planned exactly as xFilter will plan them (the same plan with
// the key replaced), are fetched ahead, 20 to a $batch for one mailbox or
// concurrently for several, and the next xFilter calls take their answers
// instead of sending them. Answers are matched by the exact request (URL
// and headers), so a wrong guess costs a request and nothing else.
//
// The window of keys fetched ahead starts at aheadFirst and grows while the
// answers are used, to the connection's Lookahead (60 by default), and
// shrinks when they are not; it never passes the outer cursor's page or its
// LIMIT. Answers are served once and dropped; those a scan passed by are
// dropped too, so a statement holds at most a window of them per join.
const (
	// aheadFirst is the window at a join's first match.
	aheadFirst = 4
	// aheadInFlight is how many fetches (a GET or a $batch) of one
	// statement's lookahead run at once; the client's 4 per mailbox always
	// holds too.
	aheadInFlight = 8
	// aheadMisses is how many inner scans in a row may find their key in no
	// other cursor before a join stops looking (the outer side is a plain
	// SQLite table, or a scan the lookahead cannot read).
	aheadMisses = 32
)

// Lookahead describes the batched lookups of one inner scan of a statement:
// a nested-loop join whose inner scan took its key from another scan's
// rows, and the inner requests fetched ahead for the rows that followed.
type Lookahead struct {
	Table  string // the inner table, e.g. attachments
	Column string // its key column, e.g. message_id
	// From is the column of the outer scan the keys were found in, e.g.
	// messages.id.
	From string
	// Prefetched is the keys whose inner requests were fetched ahead.
	Prefetched int
	// Served is the inner scans answered by them.
	Served int
	// Dropped is the answers fetched ahead that no scan took (a guess that
	// SQLite did not follow, e.g. an outer row its WHERE dropped), or that
	// failed in a way Graph may not repeat (throttled, 5xx), which the
	// scan then sent itself.
	Dropped int
	// Requests is the HTTP requests the lookahead sent: a $batch counts
	// once.
	Requests int
	// Cached is the keys among Prefetched whose inner requests the
	// statement's cache answered (an identical request sent earlier in the
	// statement, e.g. when the outer side is read again): they cost no
	// request.
	Cached int

	log *graph.Log
}

// lookahead is one statement's batched nested loops.
type lookahead struct {
	st     *Statement
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}
	wg     sync.WaitGroup

	// open, groups and their fields are used only by the goroutine that
	// steps the statement (SQLite calls a connection's cursors in turn).
	open   []*cursor
	groups map[string]*aheadGroup
	order  []*aheadGroup // in the order they were found, for explain

	mu      sync.Mutex // guards answers, and the Lookahead counts
	answers map[string]*aheadAnswer
}

// aheadGroup is one join: an inner table's plan and key argument, and the
// outer cursor column its keys were found in.
type aheadGroup struct {
	info   Lookahead
	keys   []plan.KeyArg
	outer  *cursor
	path   string        // the outer item's property that gave the keys
	page   *gjson.Result // the outer page the answers are for (its first item)
	cand   []int         // the positions of its items that give rows
	next   int           // the position in cand up to which answers were asked for
	window int
	misses int
	off    bool // stopped: the outer side is not ours, or the guesses were wrong

	pending []*aheadAnswer // asked for, not yet taken or dropped, by position
	used    int            // answers taken since the window last changed
	wasted  int            // answers dropped since then
}

// aheadAnswer is the answer to one request fetched ahead.
type aheadAnswer struct {
	key   string
	pos   int // the outer row it was asked for
	g     *aheadGroup
	done  chan struct{}
	resp  *graph.Response
	err   error
	taken bool
	// failed: the fetch failed in a way Graph may not repeat; the scan
	// sends its own request. Not a wrong guess.
	failed bool
}

// lookaheadOf returns the statement's lookahead, creating it on first use.
func (st *Statement) lookaheadOf() *lookahead {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ahead == nil {
		ctx, cancel := context.WithCancel(st.context())
		st.ahead = &lookahead{st: st, ctx: ctx, cancel: cancel, slots: make(chan struct{}, aheadInFlight),
			groups: map[string]*aheadGroup{}, answers: map[string]*aheadAnswer{}}
	}
	return st.ahead
}

// stop cancels the fetches ahead and waits for them; the answers are
// dropped.
func (la *lookahead) stop() {
	if la == nil {
		return
	}
	la.cancel()
	la.wg.Wait()
	la.mu.Lock()
	la.answers = map[string]*aheadAnswer{}
	for _, g := range la.groups {
		g.pending, g.outer, g.page = nil, nil, nil
	}
	la.mu.Unlock()
}

// opened registers a cursor that filters: its rows may give another
// cursor's keys.
func (la *lookahead) opened(c *cursor) {
	if !slices.Contains(la.open, c) {
		la.open = append(la.open, c)
	}
}

// closed unregisters a cursor, and drops the answers asked for from its
// rows.
func (la *lookahead) closed(c *cursor) {
	la.open = slices.DeleteFunc(la.open, func(o *cursor) bool { return o == c })
	for _, g := range la.groups {
		if g.outer == c {
			la.dropAll(g)
			g.outer, g.page = nil, nil
		}
	}
}

// aheadKey identifies a request: the Source that sends it (two sign-ins
// on the same Graph send the same URLs: a table created with a profile
// beside the connection's own), its URL and headers.
func aheadKey(src *Source, u string, h http.Header) string {
	return graph.RequestKey(src, u, h)
}

// lookup is called by xFilter of c with the scan it planned: when one of
// its key arguments is the current row of another open cursor, the inner
// requests of the rows that follow it are fetched ahead.
func (la *lookahead) lookup(c *cursor, idxNum int, idxStr string, args []any, d plan.Defaults) {
	if len(c.scan.Requests) != 1 || c.src.Config.Lookahead <= 0 {
		return
	}
	gk := c.t.Name + "\x00" + strconv.Itoa(idxNum) + "\x00" + idxStr
	g := la.groups[gk]
	if g == nil {
		keys, err := plan.KeyArgs(c.t, idxStr)
		if err != nil || len(keys) == 0 {
			keys = nil
		}
		g = &aheadGroup{keys: keys, off: len(keys) == 0, window: min(aheadFirst, c.src.Config.Lookahead)}
		g.info.Table = c.t.Name
		g.info.log = &graph.Log{}
		la.groups[gk] = g
	}
	if g.off {
		return
	}
	for _, ka := range g.keys {
		k, ok := args[ka.Arg].(string)
		if !ok || k == "" {
			continue
		}
		p, ok := la.find(c, g, k)
		if !ok {
			continue
		}
		g.misses = 0
		if g.info.Column == "" {
			la.mu.Lock()
			g.info.Column = c.t.Columns[ka.Col].Name
			la.order = append(la.order, g)
			la.mu.Unlock()
		}
		la.topUp(c, g, ka, p, idxNum, idxStr, args, d)
		return
	}
	if g.misses++; g.misses >= aheadMisses && g.outer == nil {
		g.off = true
	}
}

// outerPage is the page of items an outer cursor is reading.
type outerPage struct {
	items []gjson.Result
	pos   int      // the current row's item
	cols  []keyCol // the values of an item that may be another scan's key
	// gives reports whether an item gives rows (a message whose
	// attachments are the rows may have none); nil: every item does.
	gives func(gjson.Result) bool
	// rowsLeft is how many more rows the cursor may return, by its LIMITs
	// (-1: no bound).
	rowsLeft int64
}

// keyCols returns the columns of t whose values may be another scan's key:
// ids, and the names of a mailbox (a user's userPrincipalName and mail).
// Not the addresses of a message: a message's sender may be the address
// of the mailbox a join reads, and the next rows' senders are not.
func keyCols(t *tables.Table) []keyCol {
	var cols []keyCol
	for _, col := range t.Columns {
		if col.Path != "" && col.MayBeKey() {
			cols = append(cols, keyCol{col.Name, col.Path})
		}
	}
	return cols
}

// keyCol is a column of the outer table and where its value is in an item.
type keyCol struct{ name, path string }

// page returns the page the cursor is reading; ok is false when it is not
// reading one (a GET by id, a folder tree, an IN list's fan-out, or at its
// end).
func (c *cursor) page() (p outerPage, ok bool) {
	if c.eof || c.scan == nil || c.fan != nil {
		return p, false
	}
	var items []gjson.Result
	var pos int
	ok = false
	switch s := c.rows.(type) {
	case *listSource:
		items, pos, ok = s.current()
		p.cols = keyCols(c.t)
	case *partSource:
		items, pos, ok = s.current()
		p.cols = keyCols(c.t)
	case *expandSource:
		// Attachments by messages?$expand: the rows' message_id is their
		// message's id.
		items, pos, ok = s.list.current()
		x := c.t.Fetch.Expand
		p.cols = []keyCol{{c.t.Columns[c.t.KeyColumn(x.Key)].Name, tables.ID}}
		count := x.Property + ".#"
		p.gives = func(it gjson.Result) bool { return it.Get(count).Int() > 0 }
	}
	if !ok {
		return p, false
	}
	p.items, p.pos = items, pos
	p.rowsLeft = -1
	bound := func(n int64) {
		if p.rowsLeft < 0 || n < p.rowsLeft {
			p.rowsLeft = max(n, 0)
		}
	}
	if c.req.Limit > 0 {
		bound(c.req.Limit - c.reqRows)
	}
	if c.scan.Limit > 0 {
		bound(c.scan.Limit - c.n)
	}
	if c.scan.Want > 0 {
		bound(c.scan.Want - c.n)
	}
	return p, true
}

// find returns the page of the open cursor whose current row has key k;
// ok is false when there is none. The cursor and column found before are
// tried first.
func (la *lookahead) find(c *cursor, g *aheadGroup, k string) (outerPage, bool) {
	if g.outer != nil {
		if p, ok := g.outer.page(); ok {
			if v := p.items[p.pos].Get(g.path); v.Type == gjson.String && v.Str == k {
				return p, true
			}
		}
	}
	for _, o := range la.open {
		if o == c || o == g.outer {
			continue
		}
		p, ok := o.page()
		if !ok {
			continue
		}
		for _, col := range p.cols {
			if v := p.items[p.pos].Get(col.path); v.Type == gjson.String && v.Str == k {
				if g.outer != nil {
					la.dropAll(g)
				}
				g.outer, g.path, g.page = o, col.path, nil
				la.mu.Lock()
				g.info.From = o.t.Name + "." + col.name
				la.mu.Unlock()
				return p, true
			}
		}
	}
	return outerPage{}, false
}

// topUp settles the answers of the rows before the outer cursor's current
// one, adjusts the window, and asks for the inner requests of the rows
// after it, up to the window.
func (la *lookahead) topUp(c *cursor, g *aheadGroup, ka plan.KeyArg, p outerPage,
	idxNum int, idxStr string, args []any, d plan.Defaults) {
	if g.page != &p.items[0] {
		la.dropAll(g) // a new page: positions start again
		g.page, g.next, g.cand = &p.items[0], 0, g.cand[:0]
		for i, it := range p.items {
			if p.gives == nil || p.gives(it) {
				g.cand = append(g.cand, i)
			}
		}
	}
	// Positions from here on count the items that give rows.
	pos, found := slices.BinarySearch(g.cand, p.pos)
	if !found {
		return
	}
	last := len(g.cand) // past the outer cursor's last row on this page
	if p.rowsLeft >= 0 {
		last = min(last, pos+1+int(p.rowsLeft))
	}
	// The answers of the rows SQLite passed by were not used.
	// The answers of the rows SQLite passed by were not used; the current
	// row's is about to be (its scan takes it after this).
	la.mu.Lock()
	for len(g.pending) > 0 && g.pending[0].pos < pos {
		a := g.pending[0]
		g.pending = g.pending[1:]
		if !a.taken {
			la.drop(a)
		}
	}
	if len(g.pending) > 0 && g.pending[0].pos == pos && la.answers[g.pending[0].key] == g.pending[0] {
		g.used++
	}
	used, wasted := g.used, g.wasted
	la.mu.Unlock()
	limit := c.src.Config.Lookahead
	// The window grows while at least a third of the answers are used (a
	// batch of 20 of which 7 are used still saves 6 requests); past a
	// batch, only once a few answers were settled since it last changed
	// (SQLite does not tell the tables a join's LIMIT: a join it stops
	// after a few rows then wastes about one window, however fast the
	// answers come); it shrinks when fewer than a fifth are used.
	switch {
	case wasted > 4*used && g.window <= 1:
		g.off = true // the guesses keep being wrong: stop guessing
		la.dropAll(g)
		return
	case wasted > 4*used:
		g.window = max(g.window/2, 1)
		la.resetCounts(g)
	case used > 0 && 2*used >= wasted && g.window < limit && (g.window < graph.MaxBatch || used+wasted >= aheadFirst):
		if g.window < graph.MaxBatch {
			g.window = min(graph.MaxBatch, limit)
		} else {
			g.window = min(g.window+graph.MaxBatch, limit)
		}
		la.resetCounts(g)
	}
	if 2*(g.next-pos-1) > g.window {
		return // more than half the window is still ahead
	}
	end := min(pos+1+g.window, last)
	if g.next <= pos {
		// Nothing asked for this row yet (the join's first row, or the
		// page's): its request goes in the same batch as the next rows'.
		g.next = pos
	}
	if g.window >= 2*graph.MaxBatch && end < last {
		// A large window asks in whole batches.
		end = g.next + (end-g.next)/graph.MaxBatch*graph.MaxBatch
	}
	if end <= max(g.next, pos+1) {
		return
	}
	// Leave the statement's own requests room: speculate with at most half
	// of the requests its MaxRequests has left.
	allow := int64(-1)
	if left := la.st.budget.Left(); left >= 0 {
		allow = left / 2
	}
	batched := c.src.Config.FanOut == config.FanOutBatch && !c.src.BatchRefused()
	perBox := map[string]int{}
	var cost int64
	var batch []*aheadAnswer
	var reqs []plan.Request
	var hdrs []http.Header
	i := g.next
	for ; i < end; i++ {
		k := p.items[g.cand[i]].Get(g.path)
		if k.Type != gjson.String {
			continue
		}
		next := slices.Clone(args)
		next[ka.Arg] = k.Str
		scan, err := plan.Filter(c.t, idxNum, idxStr, next, d)
		if err != nil || len(scan.Requests) != 1 {
			continue
		}
		r := scan.Requests[0]
		h := c.header(&r)
		key := aheadKey(c.src, r.URL, h)
		la.mu.Lock()
		_, dup := la.answers[key]
		la.mu.Unlock()
		if dup {
			continue
		}
		box := strings.ToLower(r.Mailbox)
		if !batched || perBox[box]%graph.MaxBatch == 0 {
			if allow >= 0 && cost+1 > allow {
				break // the rest when the budget allows, or by the scans themselves
			}
			cost++
		}
		perBox[box]++
		a := &aheadAnswer{key: key, pos: i, g: g, done: make(chan struct{})}
		la.mu.Lock()
		la.answers[key] = a
		g.pending = append(g.pending, a)
		g.info.Prefetched++
		la.mu.Unlock()
		batch = append(batch, a)
		reqs = append(reqs, r)
		hdrs = append(hdrs, h)
	}
	g.next = i
	if len(batch) > 0 {
		la.fetch(c.src, g, batched, batch, reqs, hdrs)
	}
}

// resetCounts starts counting used and wasted answers again.
func (la *lookahead) resetCounts(g *aheadGroup) {
	la.mu.Lock()
	g.used, g.wasted = 0, 0
	la.mu.Unlock()
}

// drop forgets an answer no scan took; la.mu is held.
func (la *lookahead) drop(a *aheadAnswer) {
	if la.answers[a.key] == a {
		delete(la.answers, a.key)
	}
	a.g.info.Dropped++
	if !a.failed {
		a.g.wasted++
	}
}

// dropAll forgets every answer of g no scan took.
func (la *lookahead) dropAll(g *aheadGroup) {
	la.mu.Lock()
	defer la.mu.Unlock()
	for _, a := range g.pending {
		if !a.taken {
			la.drop(a)
		}
	}
	g.pending = nil
}

// fetch sends the requests of answers: GETs of one mailbox 20 to a $batch
// (FanOut=Batch), or one GET each; different mailboxes concurrently.
func (la *lookahead) fetch(src *Source, g *aheadGroup, batch bool, answers []*aheadAnswer, reqs []plan.Request, hdrs []http.Header) {
	ctx := graph.WithLog(la.ctx, g.info.log)
	var boxes []string
	byBox := map[string][]int{}
	for i, r := range reqs {
		b := strings.ToLower(r.Mailbox)
		if _, ok := byBox[b]; !ok {
			boxes = append(boxes, b)
		}
		byBox[b] = append(byBox[b], i)
	}
	for _, b := range boxes {
		idx := byBox[b]
		size := 1
		if batch {
			size = graph.MaxBatch
		}
		for start := 0; start < len(idx); start += size {
			unit := idx[start:min(start+size, len(idx))]
			la.wg.Add(1)
			go la.run(ctx, src, unit, answers, reqs, hdrs)
		}
	}
}

// run fetches one unit: a GET, or a $batch of GETs of one mailbox.
func (la *lookahead) run(ctx context.Context, src *Source, unit []int, answers []*aheadAnswer, reqs []plan.Request, hdrs []http.Header) {
	defer la.wg.Done()
	select {
	case la.slots <- struct{}{}:
	case <-ctx.Done():
		for _, i := range unit {
			la.settle(answers[i], nil, ctx.Err())
		}
		return
	}
	defer func() { <-la.slots }()
	get := func(i int) {
		resp, err := src.Client.Get(ctx, reqs[i].Mailbox, reqs[i].URL, hdrs[i])
		la.settle(answers[i], resp, err)
	}
	if len(unit) == 1 {
		get(unit[0])
		return
	}
	breqs := make([]graph.BatchRequest, 0, len(unit))
	for _, i := range unit {
		breqs = append(breqs, graph.BatchRequest{Path: reqs[i].URL, Header: hdrs[i]})
	}
	res, err := src.Client.Batch(ctx, reqs[unit[0]].Mailbox, breqs)
	if err != nil && batchRefused(err) {
		src.RefuseBatch() // a Graph-compatible server without $batch
		var wg sync.WaitGroup
		for _, i := range unit {
			wg.Go(func() { get(i) })
		}
		wg.Wait()
		return
	}
	for j, i := range unit {
		if err != nil {
			la.settle(answers[i], nil, err)
			continue
		}
		la.settle(answers[i], res[j].Response, res[j].Err)
	}
}

// settle records an answer fetched ahead. One Graph would not give again
// (throttled after the retries, a 5xx, no answer, cancelled) is dropped:
// the scan that needs it sends its own request.
func (la *lookahead) settle(a *aheadAnswer, resp *graph.Response, err error) {
	if err != nil && !definite(err) {
		resp = nil
	}
	la.mu.Lock()
	a.resp, a.err, a.failed = resp, err, resp == nil
	if resp == nil && la.answers[a.key] == a {
		delete(la.answers, a.key)
	}
	la.mu.Unlock()
	close(a.done)
}

// definite reports whether a failed answer is what Graph answers the
// request every time: a 400 (a malformed id) or a 404 (no such message or
// mailbox). A scan serves it as it would its own.
func definite(err error) bool {
	switch graph.Status(err) {
	case http.StatusBadRequest, http.StatusNotFound:
		return true
	}
	return false
}

// take returns the answer fetched ahead for the request with key, waiting
// for it when it is in flight; ok is false when there is none (or it
// failed in a way the scan must see for itself).
func (la *lookahead) take(ctx context.Context, key string) (*graph.Response, error, bool) {
	la.mu.Lock()
	a := la.answers[key]
	if a != nil {
		delete(la.answers, key) // served once
		a.taken = true
	}
	la.mu.Unlock()
	if a == nil {
		return nil, nil, false
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		return nil, ctx.Err(), true
	}
	la.mu.Lock()
	defer la.mu.Unlock()
	if a.resp == nil {
		a.g.info.Dropped++
		return nil, nil, false
	}
	a.g.info.Served++
	return a.resp, a.err, true
}

// lookaheads returns the statement's batched lookups, for explain.
func (la *lookahead) lookaheads() []Lookahead {
	if la == nil {
		return nil
	}
	la.mu.Lock()
	defer la.mu.Unlock()
	var out []Lookahead
	for _, g := range la.order {
		l := g.info
		l.Requests, l.Cached, l.log = len(g.info.log.Records()), g.info.log.Cached(), nil
		out = append(out, l)
	}
	return out
}

// endLookahead stops the statement's fetches ahead, if it has any.
func (st *Statement) endLookahead() {
	if st == nil {
		return
	}
	st.mu.Lock()
	la := st.ahead
	st.mu.Unlock()
	la.stop()
}

// aheadFilter is xFilter's part in batched nested loops: c, whose scan is
// planned, joins the statement's open cursors, and fetches ahead when its
// key is another cursor's current row.
func (c *cursor) aheadFilter(idxNum int, idxStr string, args []any, d plan.Defaults) {
	if c.src.Config.Lookahead <= 0 || d.Writing {
		return
	}
	la := c.stmt.lookaheadOf()
	la.opened(c)
	if c.fan == nil {
		la.lookup(c, idxNum, idxStr, args, d)
	}
}

// aheadClosed takes c out of the statement's open cursors.
func (c *cursor) aheadClosed() {
	if c.stmt == nil {
		return
	}
	c.stmt.mu.Lock()
	la := c.stmt.ahead
	c.stmt.mu.Unlock()
	if la != nil {
		la.closed(c)
	}
}

// aheadTake returns the answer fetched ahead for request r's first page or
// entity; ok is false when there is none.
func (c *cursor) aheadTake(r *plan.Request, hdr http.Header) (*graph.Response, error, bool) {
	if c.stmt == nil || c.src.Config.Lookahead <= 0 {
		return nil, nil, false
	}
	c.stmt.mu.Lock()
	la := c.stmt.ahead
	c.stmt.mu.Unlock()
	if la == nil {
		return nil, nil, false
	}
	resp, err, ok := la.take(c.ctx, aheadKey(c.src, r.URL, hdr))
	if ok {
		c.stmt.mu.Lock()
		c.info.Ahead++
		c.stmt.mu.Unlock()
	}
	return resp, err, ok
}

// Lookaheads returns the batched lookups of the last statement begun or
// stepped: for each nested-loop join whose inner scan took its keys from
// another scan, the keys fetched ahead, served, dropped, and the requests
// sent for them.
func (c *Conn) Lookaheads() []Lookahead {
	st := c.lastStatement()
	st.mu.Lock()
	la := st.ahead
	st.mu.Unlock()
	return la.lookaheads()
}
