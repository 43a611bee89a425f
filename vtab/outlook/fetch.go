package outlook

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Fan-out: a scan with several requests (user_id IN (…), message_id IN
// (…), id IN (…)) fetches their first answers ahead of the cursor, several
// at a time, while the cursor still yields rows in request order; later
// pages are fetched when the cursor reaches them. With FanOut=Batch the
// GETs of one mailbox that follow each other go 20 to a $batch.
const (
	// fanInFlight is how many fetches (a GET or a $batch) of one scan may
	// be in flight at once; the client's 4 per mailbox always holds too.
	fanInFlight = 8
	// fanAhead is how many requests past the cursor's may be started, which
	// bounds the first pages held in memory and the requests wasted when
	// SQLite stops reading early.
	fanAhead = 40
)

// pages is what a listSource reads: a graph.Pager, or one that already
// failed.
type pages interface {
	Next() (gjson.Result, error)
}

// failedPages is a collection whose first page failed.
type failedPages struct{ err error }

func (p failedPages) Next() (gjson.Result, error) { return gjson.Result{}, p.err }

// fanout fetches the first answers of a scan's requests ahead of the cursor.
type fanout struct {
	ctx    context.Context
	src    *Source
	client *graph.Client
	reqs   []plan.Request
	hdrs   []http.Header
	units  []fetchUnit
	firsts []*firstAnswer
	next   int           // the next unit to start
	ahead  int           // how many requests past the cursor's may start
	slots  chan struct{} // fetches in flight
	wg     sync.WaitGroup
}

// fetchUnit is requests [start, end) fetched together: one GET, or a batch
// of GETs of one mailbox.
type fetchUnit struct {
	start, end int
	done       chan struct{} // closed when the unit is fetched
	// after is the done of the mailbox's previous batch: the client runs a
	// mailbox's batches one at a time anyway, and this way in order.
	after chan struct{}
}

// firstAnswer is the first answer to one request: the entity of a GET by
// id, or the first page of a collection.
type firstAnswer struct {
	done  chan struct{}
	resp  *graph.Response
	err   error
	taken bool
}

// newFanout returns the fan-out of a scan, or nil when its requests run one
// after another: FanOut=Sequential, a single request, or a LIMIT that
// Graph's answers meet (the first requests may satisfy it; running the rest
// would waste them). hdr gives each request's headers.
func newFanout(ctx context.Context, src *Source, scan *plan.Scan, hdr func(*plan.Request) http.Header) *fanout {
	mode := src.Config.FanOut
	if mode == config.FanOutBatch && src.BatchRefused() {
		mode = config.FanOutConcurrent
	}
	if mode == config.FanOutSequential || len(scan.Requests) < 2 || scan.Limit > 0 {
		return nil
	}
	// Under a LIMIT, start no more requests ahead than rows SQLite may read:
	// a GET by id gives at most one, a listing one or more.
	ahead, batch := fanAhead, graph.MaxBatch
	if scan.Want > 0 {
		ahead, batch = int(min(int64(ahead), scan.Want)), int(min(int64(batch), scan.Want))
	}
	f := &fanout{ctx: ctx, src: src, client: src.Client, reqs: scan.Requests, slots: make(chan struct{}, fanInFlight), ahead: ahead}
	for i := range f.reqs {
		f.hdrs = append(f.hdrs, hdr(&f.reqs[i]))
		f.firsts = append(f.firsts, &firstAnswer{done: make(chan struct{})})
	}
	last := map[string]chan struct{}{} // a mailbox's last batch
	for i := 0; i < len(f.reqs); {
		j := i + 1
		if mode == config.FanOutBatch {
			for j < len(f.reqs) && j-i < batch && strings.EqualFold(f.reqs[j].Mailbox, f.reqs[i].Mailbox) {
				j++
			}
		}
		u := fetchUnit{start: i, end: j, done: make(chan struct{})}
		if j-i > 1 {
			box := strings.ToLower(f.reqs[i].Mailbox)
			u.after, last[box] = last[box], u.done
		}
		f.units = append(f.units, u)
		i = j
	}
	return f
}

// advance starts the units that begin within fanAhead requests of request
// i, the one the cursor opens.
func (f *fanout) advance(i int) {
	for f.next < len(f.units) && f.units[f.next].start < i+f.ahead {
		u := f.units[f.next]
		f.next++
		f.wg.Add(1)
		go f.run(u)
	}
}

// run fetches one unit.
func (f *fanout) run(u fetchUnit) {
	defer f.wg.Done()
	defer close(u.done)
	cancelled := func() {
		for i := u.start; i < u.end; i++ {
			f.firsts[i].set(nil, f.ctx.Err())
		}
	}
	if u.after != nil {
		select {
		case <-u.after:
		case <-f.ctx.Done():
			cancelled()
			return
		}
	}
	select {
	case f.slots <- struct{}{}:
	case <-f.ctx.Done():
		cancelled()
		return
	}
	defer func() { <-f.slots }()
	if u.end-u.start == 1 {
		r := &f.reqs[u.start]
		resp, err := f.client.Get(f.ctx, r.Mailbox, r.URL, f.hdrs[u.start])
		f.firsts[u.start].set(resp, err)
		return
	}
	breqs := make([]graph.BatchRequest, 0, u.end-u.start)
	for i := u.start; i < u.end; i++ {
		breqs = append(breqs, graph.BatchRequest{Path: f.reqs[i].URL, Header: f.hdrs[i]})
	}
	var res []graph.BatchResult
	var err error
	refused := f.src.BatchRefused()
	if !refused {
		res, err = f.client.Batch(f.ctx, f.reqs[u.start].Mailbox, breqs)
		refused = err != nil && batchRefused(err)
	}
	if refused {
		// A Graph-compatible server without $batch: one GET each, from
		// now on.
		f.src.RefuseBatch()
		var wg sync.WaitGroup
		for i := u.start; i < u.end; i++ {
			wg.Go(func() {
				resp, err := f.client.Get(f.ctx, f.reqs[i].Mailbox, f.reqs[i].URL, f.hdrs[i])
				f.firsts[i].set(resp, err)
			})
		}
		wg.Wait()
		return
	}
	for i := u.start; i < u.end; i++ {
		if err != nil {
			f.firsts[i].set(nil, err)
			continue
		}
		r := res[i-u.start]
		f.firsts[i].set(r.Response, r.Err)
	}
}

// batchRefused reports whether the server does not serve $batch at all.
func batchRefused(err error) bool {
	switch graph.Status(err) {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

func (a *firstAnswer) set(resp *graph.Response, err error) {
	a.resp, a.err = resp, err
	close(a.done)
}

// take waits for the first answer of request i. ok is false when it was
// taken already (the request is being read a second time).
func (f *fanout) take(i int) (resp *graph.Response, err error, ok bool) {
	a := f.firsts[i]
	if a.taken {
		return nil, nil, false
	}
	a.taken = true
	select {
	case <-a.done:
	case <-f.ctx.Done():
		return nil, f.ctx.Err(), true
	}
	resp, err = a.resp, a.err
	a.resp = nil // the cursor holds it now
	return resp, err, true
}

// wait waits for every fetch to end; the caller cancels them first.
func (f *fanout) wait() { f.wg.Wait() }

// fanIndex returns the position of r, the request the cursor has open,
// among the fan-out's requests, or -1 when there is no fan-out.
func (c *cursor) fanIndex(r *plan.Request) int {
	i := c.next - 1
	if c.fan == nil || i < 0 || i >= len(c.fan.reqs) || &c.fan.reqs[i] != r {
		return -1
	}
	return i
}

// opened tells the fan-out that the cursor opens request r, so that the
// fetches ahead of it start.
func (c *cursor) opened(r *plan.Request) {
	if i := c.fanIndex(r); i >= 0 {
		c.fan.advance(i)
	}
}

// pages returns the pages of the collection at u, part of request r:
// from the fan-out's first answer when u is r's URL and it has one.
func (c *cursor) pages(r *plan.Request, u string, hdr http.Header) pages {
	if i := c.fanIndex(r); i >= 0 && u == r.URL {
		if resp, err, ok := c.fan.take(i); ok {
			if err != nil {
				return &dedupePages{p: c.failedFirst(r, u, hdr, err)}
			}
			return &dedupePages{p: adapt(r, c.src.Client.PagesFrom(c.ctx, r.Mailbox, u, resp, hdr))}
		}
	} else if u == r.URL {
		if resp, err, ok := c.aheadTake(r, hdr); ok {
			if err != nil {
				return failedPages{err}
			}
			return &dedupePages{p: adapt(r, c.src.Client.PagesFrom(c.ctx, r.Mailbox, u, resp, hdr))}
		}
	}
	return &dedupePages{p: adapt(r, c.src.Client.Pages(c.ctx, r.Mailbox, u, hdr))}
}

// get sends request r, a GET by id, or takes the fan-out's answer to it.
func (c *cursor) get(r *plan.Request, hdr http.Header) (*graph.Response, error) {
	if i := c.fanIndex(r); i >= 0 {
		if resp, err, ok := c.fan.take(i); ok {
			return resp, err
		}
	} else if resp, err, ok := c.aheadTake(r, hdr); ok {
		return resp, err
	}
	return c.src.Client.Get(c.ctx, r.Mailbox, r.URL, hdr)
}
