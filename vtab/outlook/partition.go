package outlook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Partitioned scans: a listing the planner marked (plan.Partition) sends
// its first page as ever, asking for $count=true, so a listing of one page
// is one request. When that page has a nextLink and its @odata.count says
// the listing spans ParallelScanMinPages pages or more, concurrent probes
// ($top=1&$skip=k, sorted by the partition property) read the property at
// the quantiles of the count; then up to ParallelScans chains read the
// disjoint half-open ranges between them at once: 7 round trips for 20
// pages. A repeat of a listing split within PartitionMemory starts its
// chains at once with the same bounds (partmemo.go): 5 round trips. The
// first page is dropped and the chains read every item: without a pushed
// order its items lie anywhere in the ranges, so keeping them would mean
// remembering their ids and dropping them from the chains, to save no
// round trip (20 pages split 4 ways take 5 pages per chain; 19 take 5 as
// well). Dropping it keeps the rows exactly those of the listing. When the
// listing is not split it goes on from its second page, as it would have.
const (
	// orderedAhead is the pages a chain may read ahead of the cursor when
	// the rows must come out chain after chain (a pushed ORDER BY): the
	// later chains fill up while the cursor reads the first.
	orderedAhead = 4
	// unorderedAhead is the pages read ahead per chain when any order will
	// do: the cursor takes whichever page is ready.
	unorderedAhead = 1
)

// PartitionInfo is one chain of a partitioned scan, for explain.
type PartitionInfo struct {
	Range    string // e.g. "receivedDateTime ge 2024-01-01T00:00:00Z and lt 2024-03-01T00:00:00Z"
	URL      string // the chain's first request
	Requests int    // pages the chain fetched
	Rows     int64  // rows it read for the scan
}

// partSource yields the rows of a request that may be split into chains.
type partSource struct {
	c   *cursor
	req *plan.Request
	hdr http.Header

	started bool
	seq     *listSource // not split: the listing from its first page on

	key        string   // the listing's key in the remembered bounds
	remembered partMemo // the bounds came from a previous scan (partmemo.go)
	read       int64    // rows the chains read

	chains []*chain
	order  []int // the chains in the order their rows go out (ordered scans)
	cur    int
	shared chan chainPage // unordered scans: every chain's pages
	live   int            // unordered: chains not done
	from   *chain         // the chain of the current page
	items  []gjson.Result
	pos    int
}

// chain is one range of a partitioned scan.
type chain struct {
	lo, hi string
	url    string
	out    chan chainPage
	info   int // index in ScanInfo.Partitions
}

// chainPage is one page a chain read, or its end (done), or its error.
// The chain splits the page into its items (gjson's Array) itself, so that
// the cursor, which takes the pages of an ordered scan one chain after
// another, finds them ready.
type chainPage struct {
	from  *chain
	items []gjson.Result
	err   error
	done  bool
}

// newPartSource returns the rows of r, a request with a Partition.
func newPartSource(c *cursor, r *plan.Request, hdr http.Header) *partSource {
	return &partSource{c: c, req: r, hdr: hdr}
}

func (s *partSource) next() (row, error) {
	if !s.started {
		s.started = true
		if err := s.start(); err != nil {
			return row{}, err
		}
	}
	if s.seq != nil {
		return s.seq.next()
	}
	for s.pos >= len(s.items) {
		if err := s.nextPage(); err != nil {
			return row{}, err
		}
	}
	it := s.items[s.pos]
	s.pos++
	return row{item: it}, nil
}

// current is listSource.current for a partitioned scan.
func (s *partSource) current() (items []gjson.Result, pos int, ok bool) {
	if s.seq != nil {
		return s.seq.current()
	}
	if s.pos == 0 || s.pos > len(s.items) {
		return nil, 0, false
	}
	return s.items, s.pos - 1, true
}

// start reads the first page and decides whether to split. The first
// page asked for $count=true: when it has a nextLink and its @odata.count
// says the listing spans ParallelScanMinPages pages or more, the probes go
// out at once, and the chains after them. A count that is missing or -1
// (Graph gives -1 for some filtered folder listings) is read from the
// listing's /$count while the second page is.
func (s *partSource) start() error {
	c, r, p := s.c, s.req, s.req.Part
	cfg := c.src.Config
	s.key = memoKey(c.src, r)
	var pager *graph.Pager
	if resp, err, ok := c.aheadTake(r, s.hdr); ok {
		// a join's lookahead fetched the first page already
		if err != nil {
			return err
		}
		pager = adapt(r, c.src.Client.PagesFrom(c.ctx, r.Mailbox, r.URL, resp, s.hdr))
	} else if m, age, ok := recall(s.key); ok && pagesOf(m.total, m.per) >= int64(cfg.ParallelScanMinPages) &&
		s.affords(pagesOf(m.total, m.per)+int64(len(m.bounds))) {
		// split a moment ago: the chains at once, by the same bounds
		s.remembered = m
		s.split(m.bounds, fmt.Sprintf("a previous scan's (%s ago, @odata.count %d)", age.Round(time.Second), m.total))
		return nil
	} else {
		pager = adapt(r, c.src.Client.Pages(c.ctx, r.Mailbox, r.URL, s.hdr))
	}
	dd := &dedupePages{p: pager}
	page, err := dd.Next()
	if err != nil {
		return err
	}
	c.count(1)
	s.seq = &listSource{c: c, req: r, pager: dd}
	s.seq.setPage(page)
	if !gjson.GetBytes(pager.Page(), "@odata\\.nextLink").Exists() {
		return nil // one page: the scan is this one request
	}
	total := int64(-1)
	if n := gjson.GetBytes(pager.Page(), "@odata\\.count"); n.Type == gjson.Number {
		total = n.Int()
	}
	if total < 0 {
		// no count on the first page: /$count, while the second page is read
		var page2 gjson.Result
		var err2 error
		done := make(chan struct{})
		go func() {
			defer close(done)
			page2, err2 = dd.Next()
		}()
		resp, cerr := c.src.Client.Get(c.ctx, r.Mailbox, p.CountURL(), s.hdr)
		<-done
		if err2 != nil {
			return err2
		}
		s.seq.pager = &prefetched{page: page2, p: dd}
		if cerr == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(resp.Body)), 10, 64); err == nil {
				total = n
			}
		}
	}
	per := page.Get("#").Int()
	if total <= 0 || per <= 0 || pagesOf(total, per) < int64(cfg.ParallelScanMinPages) {
		return nil // unknown or small: go on in sequence
	}
	if !s.affords(2*int64(cfg.ParallelScans-1) + pagesOf(total, per)) {
		return nil // the statement's MaxRequests has room for one chain only
	}
	bounds, err := s.probe(total, int64(cfg.ParallelScans))
	if err != nil || len(bounds) == 0 {
		return nil // no bounds (the probes failed, or the mailbox emptied): in sequence
	}
	s.seq = nil
	remember(s.key, partMemo{bounds: bounds, total: total, per: per})
	s.split(bounds, fmt.Sprintf("probes (@odata.count %d)", total))
	return nil
}

// pagesOf is the pages total items take, per a page.
func pagesOf(total, per int64) int64 {
	if per <= 0 {
		return 0
	}
	return (total + per - 1) / per
}

// affords reports whether the statement's MaxRequests leaves room for n
// more requests: a split costs its probes and a part-filled last page per
// chain more than one chain does, which must not make a query that fits
// its budget as one chain fail.
func (s *partSource) affords(n int64) bool {
	left := s.c.stmt.budget.Left()
	return left < 0 || n <= left
}

// prefetched is pages whose next one was read already.
type prefetched struct {
	page gjson.Result
	read bool
	p    pages
}

func (f *prefetched) Next() (gjson.Result, error) {
	if !f.read {
		f.read = true
		return f.page, nil
	}
	return f.p.Next()
}

// probe reads the partition property at the n-1 quantiles of total items,
// sorted ascending, in GETs sent at once; it returns the distinct bounds, ascending, as OData literals.
func (s *partSource) probe(total, n int64) ([]string, error) {
	c, r, p := s.c, s.req, s.req.Part
	var reqs []graph.BatchRequest
	for i := int64(1); i < n; i++ {
		reqs = append(reqs, graph.BatchRequest{Path: p.ProbeURL(i * total / n), Header: s.hdr})
	}
	// GETs at once rather than a $batch: the statement's cache answers an
	// identical GET again for free (an inner scan SQLite repeats).
	bodies := make([][]byte, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() {
			resp, err := c.src.Client.Get(c.ctx, r.Mailbox, reqs[i].Path, s.hdr)
			if err == nil {
				bodies[i] = resp.Body
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var bounds []string
	var last time.Time
	for _, b := range bodies {
		v := gjson.GetBytes(b, "value.0").Get(p.Property)
		t, err := time.Parse(time.RFC3339Nano, v.String())
		if err != nil || (len(bounds) > 0 && !t.After(last)) {
			continue // past the end (items went away), or a repeated bound
		}
		last = t
		bounds = append(bounds, t.UTC().Format(time.RFC3339Nano))
	}
	return bounds, nil
}

// split starts one chain per range between the bounds; from says where the
// bounds came from, for explain.
func (s *partSource) split(bounds []string, from string) {
	c, r, p := s.c, s.req, s.req.Part
	los := append([]string{""}, bounds...)
	his := append(slices.Clone(bounds), "")
	ordered := p.Order != 0
	if !ordered {
		s.shared = make(chan chainPage, len(los)*unorderedAhead)
		s.live = len(los)
	}
	c.stmt.mu.Lock()
	c.info.PartitionBounds = from
	for i := range los {
		ch := &chain{lo: los[i], hi: his[i], url: p.ChainURL(los[i], his[i]), out: s.shared, info: len(c.info.Partitions)}
		if ordered {
			ch.out = make(chan chainPage, orderedAhead)
		}
		c.info.Partitions = append(c.info.Partitions, PartitionInfo{Range: plan.Range(p.Property, ch.lo, ch.hi), URL: ch.url})
		s.chains = append(s.chains, ch)
		s.order = append(s.order, i)
	}
	c.stmt.mu.Unlock()
	if p.Order < 0 {
		slices.Reverse(s.order)
	}
	for _, ch := range s.chains {
		c.bg.Add(1)
		go s.run(c.ctx, r, ch)
	}
}

// run reads one chain's pages into its channel until the chain ends, fails
// or the scan is cancelled.
func (s *partSource) run(ctx context.Context, r *plan.Request, ch *chain) {
	defer s.c.bg.Done()
	pager := adapt(r, s.c.src.Client.Pages(ctx, r.Mailbox, ch.url, s.hdr))
	dd := &dedupePages{p: pager}
	for {
		v, err := dd.Next()
		s.c.stmt.mu.Lock()
		s.c.info.Partitions[ch.info].Requests = pager.Pages()
		s.c.stmt.mu.Unlock()
		cp := chainPage{from: ch}
		switch {
		case err == io.EOF:
			cp = chainPage{from: ch, done: true}
		case err != nil:
			cp = chainPage{from: ch, err: fmt.Errorf("partition %s: %w", plan.Range(r.Part.Property, ch.lo, ch.hi), err), done: true}
		default:
			cp.items = v.Array()
		}
		select {
		case ch.out <- cp:
		case <-ctx.Done():
			return
		}
		if cp.done {
			return
		}
	}
}

// nextPage takes the next page of the chains: in range order for an
// ordered scan, else whichever is ready. io.EOF when every chain is done;
// a chain's error ends the scan.
func (s *partSource) nextPage() error {
	ctx := s.c.ctx
	for {
		var in chan chainPage
		switch {
		case s.shared != nil && s.live > 0:
			in = s.shared
		case s.shared == nil && s.cur < len(s.order):
			in = s.chains[s.order[s.cur]].out
		default:
			if m := s.remembered; len(m.bounds) > 0 && pagesOf(s.read, m.per) < int64(s.c.src.Config.ParallelScanMinPages) {
				// the listing became small: the next scan reads its
				// first page, and splits only if the count says so
				remember(s.key, partMemo{})
				s.remembered = partMemo{}
			}
			return io.EOF
		}
		var cp chainPage
		select {
		case cp = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if cp.err != nil {
			return cp.err
		}
		if cp.done {
			if s.shared != nil {
				s.live--
			} else {
				s.cur++
			}
			continue
		}
		s.from, s.items, s.pos = cp.from, cp.items, 0
		s.read += int64(len(s.items))
		s.c.count(1)
		s.c.stmt.mu.Lock()
		s.c.info.Partitions[s.from.info].Rows += int64(len(s.items)) // rows read
		s.c.stmt.mu.Unlock()
		return nil
	}
}

// dedupePages drops from a page the items whose id the previous page had:
// when mail arrives during a $skip listing, the items before the next
// page's $skip move down by one each, and the last ones of a page come
// again at the start of the next. The window is one page, so memory stays
// flat; more arrivals than a page between two pages can still repeat one.
//
// Most pages repeat nothing, and the repeats are always the first items of
// a page (a listing keeps its order): so a page whose first item the
// previous page does not hold is passed on as it is, at the cost of one
// search of the previous page's text.
type dedupePages struct {
	p    pages
	prev gjson.Result // the previous page
}

func (d *dedupePages) Next() (gjson.Result, error) {
	v, err := d.p.Next()
	if err != nil {
		return v, err
	}
	prev := d.prev
	d.prev = v
	if prev.Raw == "" {
		return v, nil
	}
	first := v.Get("0." + tables.ID)
	if first.Type != gjson.String || !strings.Contains(prev.Raw, first.Raw) {
		return v, nil // the same id is the same text on one server's pages
	}
	seen := map[string]struct{}{}
	prev.ForEach(func(_, it gjson.Result) bool {
		seen[it.Get(tables.ID).String()] = struct{}{}
		return true
	})
	arr := v.Array()
	var keep []gjson.Result
	dup := false
	for i, it := range arr {
		id := it.Get(tables.ID).String()
		if _, ok := seen[id]; ok && id != "" {
			if !dup {
				dup, keep = true, slices.Clone(arr[:i])
			}
			continue
		}
		if dup {
			keep = append(keep, it)
		}
	}
	if !dup {
		return v, nil
	}
	raw := make([]byte, 0, len(v.Raw))
	raw = append(raw, '[')
	for i, it := range keep {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = append(raw, it.Raw...)
	}
	raw = append(raw, ']')
	return gjson.ParseBytes(raw), nil
}
