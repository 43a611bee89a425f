package outlook

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// SearchCap is the most results Graph returns for one $search; a search
// that reaches it may be missing rows.
const SearchCap = tables.SearchCap

// ErrSearchCapped ends a scan whose $search reached Graph's result cap: the
// rows already returned may not be all the rows that match.
var ErrSearchCapped = tables.ErrSearchCapped

// cursor is the one generic cursor of every table.
type cursor struct {
	t    *tables.Table
	conn *Conn

	ctx    context.Context
	cancel context.CancelFunc
	stmt   *Statement // the statement that opened the cursor (Open)
	src    *Source
	scan   *plan.Scan
	info   *ScanInfo
	next   int     // index of the next request of scan to start
	fan    *fanout // fetches ahead of the cursor; nil when requests run in turn

	rows rowSource
	req  *plan.Request
	row  row
	eof  bool
	n    int64          // rows returned by this scan
	seen map[int64]bool // rowids returned, when the scan is Distinct
	vals fields         // the current row's values by path
	// reqRows counts the rows the current request returned.
	reqRows int64
	// full: the current row of a Light scan was read whole (readFull).
	full bool
	// hdr is the table's headers for the connection settings of hdrSrc.
	hdr    map[string]string
	hdrSrc *Source
	// bg is the chains of a partitioned scan (partition.go).
	bg sync.WaitGroup
}

// row is the current row: a Graph item plus values that do not come from it.
type row struct {
	item  gjson.Result
	extra map[int]any // computed columns (path, message_id)
	// members are item's, when the listing walked them (elements.next);
	// valid until its next row.
	members []member
}

// rowSource yields the items of one request; io.EOF ends it.
type rowSource interface {
	next() (row, error)
}

func (c *cursor) Filter(idxNum int, idxStr string, args []any) error {
	c.stop()
	if c.t.Fetch.Empty {
		c.eof = true // an action table: nothing to read
		return nil
	}
	src := c.conn.source()
	if src == nil {
		return ErrNotConfigured
	}
	d := defaults(src)
	d.Writing = c.t.Writes != nil && c.conn.w.active.Load()
	scan, err := plan.Filter(c.t, idxNum, idxStr, args, d)
	if err != nil {
		return fmt.Errorf("%s: %w", c.t.Name, err)
	}
	c.src, c.scan = src, scan
	c.next, c.n, c.eof, c.rows, c.req, c.seen = 0, 0, false, nil, nil, nil
	if scan.Distinct {
		c.seen = map[int64]bool{}
	}
	c.info = &ScanInfo{Table: c.t.Name, Pushed: scan.Pushed, Local: scan.Local}
	for _, r := range scan.Requests {
		c.info.URLs = append(c.info.URLs, r.URL)
	}
	c.info.log = &graph.Log{}
	c.stmt.addScan(c.info)
	c.ctx, c.cancel = context.WithCancel(graph.WithLog(c.stmt.context(), c.info.log))
	go c.watchInterrupt(c.ctx, c.cancel)
	c.fan = newFanout(c.ctx, src, scan, c.header)
	c.aheadFilter(idxNum, idxStr, args, d)
	return c.advance()
}

// watchInterrupt cancels the scan's requests when SQLite is interrupted
// (sqlite3_interrupt, e.g. Ctrl-C in a host that loaded the extension).
func (c *cursor) watchInterrupt(ctx context.Context, cancel context.CancelFunc) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if c.conn.vc.Interrupted() {
				cancel()
				return
			}
		}
	}
}

func (c *cursor) Next() error { return c.advance() }

// advance moves to the next row, starting the scan's next request when the
// current one is done.
func (c *cursor) advance() error {
	for {
		if c.scan.Limit > 0 && c.n >= c.scan.Limit {
			return c.finish()
		}
		if c.rows == nil {
			if c.next >= len(c.scan.Requests) {
				return c.finish()
			}
			c.req = &c.scan.Requests[c.next]
			c.next++
			c.reqRows = 0
			c.opened(c.req)
			c.rows = c.open(c.req)
		}
		r, err := c.rows.next()
		if err == io.EOF {
			if ls, ok := c.rows.(*listSource); ok && c.req.Search && ls.n >= SearchCap {
				c.stmt.warn(ErrSearchCapped.Error())
				return fmt.Errorf("%s: %w", c.t.Name, ErrSearchCapped)
			}
			c.rows = nil
			continue
		}
		if err != nil {
			if noMailbox(err) {
				// A user without an Exchange Online mailbox has no mail:
				// in a join over users that is no rows, not a failed query.
				c.stmt.warn(fmt.Sprintf("%s: %s has no mailbox Graph can read (MailboxNotEnabledForRESTAPI); it counts as empty", c.t.Name, c.req.Mailbox))
				c.rows = nil
				continue
			}
			if missingParent(c.t, c.req, err) {
				c.rows = nil // attachments of a message that does not exist: none
				continue
			}
			if tooComplex(err) && c.reqRows == 0 {
				src, ok, serr := c.sortLocally(c.next - 1) // c.req is request c.next-1
				if serr != nil {
					return c.fail(serr)
				}
				if ok {
					c.stmt.warn(fmt.Sprintf("%s: Graph refused the $filter with $orderby as too complex (InefficientFilter); the rows were sorted locally", c.t.Name))
					c.rows = src
					continue
				}
			}
			return c.fail(err)
		}
		c.row = r
		c.vals.resetWalked(r.item, r.members)
		if c.seen != nil {
			id := c.identity()
			if c.seen[id] {
				continue // another request of the scan returned it already
			}
			c.seen[id] = true
		}
		c.n++
		c.reqRows++
		c.count(0)
		c.full = false
		if c.t.Writes != nil && c.conn.w.active.Load() {
			c.conn.record(c.identity(), c.ref())
		}
		return nil
	}
}

// ref is the current row as a write needs it: which item, and what was read.
func (c *cursor) ref() *rowRef {
	r := &rowRef{t: c.t, mailbox: c.req.Mailbox, mailboxPath: c.req.MailboxPath,
		id: c.row.item.Get(tables.ID).String(), item: c.row.item, keys: map[string]string{}}
	for i, col := range c.t.Columns {
		v, ok := c.row.extra[i]
		if !ok {
			v, ok = c.req.Echo[i]
		}
		if s, isText := v.(string); ok && isText {
			r.keys[col.Name] = s
		}
	}
	return r
}

func (c *cursor) fail(err error) error {
	c.eof = true
	if te := c.stmt.Err(err); te != err {
		return fmt.Errorf("%s: %w", c.t.Name, te)
	}
	if errors.Is(err, context.Canceled) && c.conn.vc.Interrupted() {
		return fmt.Errorf("%s: interrupted", c.t.Name)
	}
	if c.appOnlyMe(err) {
		name := "the mailbox column"
		if i := c.t.KeyColumn(tables.KeyMailbox); i >= 0 {
			name = c.t.Columns[i].Name
		}
		return fmt.Errorf("%s: %w; AuthType=ApplicationCredentials has no signed-in user (me): name a mailbox, e.g. WHERE %s = 'alice@contoso.com'", c.t.Name, err, name)
	}
	if c.t.Forbidden != nil && graph.Status(err) == http.StatusForbidden {
		return fmt.Errorf("%s: %w; %s", c.t.Name, err, c.t.Forbidden(c.settings()))
	}
	if advice, ok := c.notFoundAdvice(); ok && graph.ItemNotFound(err) {
		return fmt.Errorf("%s: %w; %s", c.t.Name, err, advice)
	}
	return fmt.Errorf("%s: %w", c.t.Name, err)
}

// appOnlyMe reports whether err is Graph refusing /me to an app-only token.
func (c *cursor) appOnlyMe(err error) bool {
	return c.src.Config.AuthType == config.ApplicationCredentials && c.req != nil &&
		strings.EqualFold(c.req.Mailbox, "me") && graph.Status(err) == http.StatusBadRequest
}

func (c *cursor) finish() error {
	c.eof = true
	c.stop()
	return nil
}

// count records rows and pages in the scan's explain entry.
func (c *cursor) count(pages int) {
	c.stmt.mu.Lock()
	c.info.Rows = c.n
	c.info.Pages += pages
	c.stmt.mu.Unlock()
}

func (c *cursor) stop() {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	if c.fan != nil {
		c.fan.wait() // no fetch outlives the scan
		c.fan = nil
	}
	c.bg.Wait() // nor a chain of a partitioned scan
}

func (c *cursor) EOF() bool { return c.eof }

// Rowid identifies the row by what it is, not by where the scan found it:
// for WHERE a OR b SQLite may run one scan per branch and drop the rows
// whose rowid an earlier scan returned, so the same row must have the same
// rowid in every scan of a statement and different rows different ones.
// It is a hash of the values that echo the request's keys (user_id,
// folder_id, search, message_id) and the item's id.
func (c *cursor) Rowid() (int64, error) { return c.identity(), nil }

func (c *cursor) identity() int64 {
	h := fnv.New64a()
	for col := range c.t.Columns {
		v, ok := c.row.extra[col]
		if !ok {
			v, ok = c.req.Echo[col]
		}
		if ok {
			fmt.Fprintf(h, "%d=%T:%v\x00", col, v, v)
		}
	}
	h.Write([]byte(c.row.item.Get(tables.ID).String()))
	return int64(h.Sum64())
}

// missingParent reports whether err says that the parent a request's path
// names (attachments WHERE message_id = …) does not exist: in SQL that is a
// parent without rows, not a failed query.
func missingParent(t *tables.Table, r *plan.Request, err error) bool {
	if t.Fetch.Expand == nil || r.Single {
		return false
	}
	if _, ok := r.Echo[t.KeyColumn(t.Fetch.Expand.Key)]; !ok {
		return false
	}
	return graph.ItemNotFound(err)
}

func (c *cursor) Close() error {
	c.stop()
	c.aheadClosed()
	c.conn.closed(c.stmt)
	return nil
}

// open starts the rows of one request.
func (c *cursor) open(r *plan.Request) rowSource {
	hdr := c.header(r)
	switch {
	case r.Single:
		return &singleSource{c: c, req: r, hdr: hdr}
	case c.t.Fetch.Tree != nil:
		return newTreeSource(c, r, hdr)
	case r.Expand:
		// r.Limit counts attachments, the rows; the listing's items are
		// messages, which may have none.
		msgs := *r
		msgs.Limit = 0
		return &expandSource{req: r, list: listSource{c: c, req: &msgs, pager: c.pages(r, r.URL, hdr)}}
	}
	if r.Part != nil && c.src.Config.ParallelScans > 1 {
		return newPartSource(c, r, hdr)
	}
	return &listSource{c: c, req: r, pager: c.pages(r, r.URL, hdr)}
}

// header is the headers of request r: the table's (the mail Prefer
// header), then the request's own.
func (c *cursor) header(r *plan.Request) http.Header {
	if c.t.Header != nil && c.hdrSrc != c.src {
		c.hdrSrc, c.hdr = c.src, c.t.Header(c.settings())
	}
	return header(c.hdr, r.Header)
}

// header merges header maps into one http.Header; a later Prefer is
// appended to an earlier one. nil when there are none.
func header(hs ...map[string]string) http.Header {
	var out http.Header
	for _, h := range hs {
		for k, v := range h {
			if out == nil {
				out = http.Header{}
			}
			out.Add(k, v)
		}
	}
	return out
}

// listSource yields the items of a collection, page by page.
type listSource struct {
	c     *cursor
	req   *plan.Request
	pager pages
	items elements     // the current page's
	page  gjson.Result // the current page
	pos   int          // the current page's items returned
	all   []gjson.Result
	n     int64
}

// setPage makes page the current page, none of its items returned.
func (s *listSource) setPage(page gjson.Result) {
	s.items, s.page, s.pos, s.all = elementsOf(page), page, 0, nil
}

// current returns the current page's items and the index of the item
// returned last; ok is false before the first. A lookahead reads the rows
// after it; the slice is made only when asked for.
func (s *listSource) current() (items []gjson.Result, pos int, ok bool) {
	if s.pos == 0 {
		return nil, 0, false
	}
	if s.all == nil {
		s.all = s.page.Array()
	}
	if s.pos > len(s.all) {
		return nil, 0, false
	}
	return s.all, s.pos - 1, true
}

func (s *listSource) next() (row, error) {
	if s.req.Limit > 0 && s.n >= s.req.Limit {
		return row{}, io.EOF
	}
	it, ok := s.items.next()
	for !ok {
		page, err := s.pager.Next()
		if err != nil {
			return row{}, err
		}
		s.c.count(1)
		s.setPage(page)
		it, ok = s.items.next()
	}
	s.n++
	s.pos++
	return row{item: it, members: s.items.members}, nil
}

// singleSource yields the one entity a request names, or nothing when Graph
// says there is no such entity.
type singleSource struct {
	c    *cursor
	req  *plan.Request
	hdr  http.Header
	done bool
}

func (s *singleSource) next() (row, error) {
	if s.done {
		return row{}, io.EOF
	}
	s.done = true
	resp, err := s.c.get(s.req, s.hdr)
	if err != nil {
		if graph.NotFound(err) {
			return row{}, io.EOF
		}
		return row{}, err
	}
	s.c.count(1)
	return row{item: gjson.ParseBytes(resp.Body)}, nil
}

// noMailbox reports whether Graph said the user exists but has no mailbox
// it can read.
func noMailbox(err error) bool {
	return graph.Code(err) == "MailboxNotEnabledForRESTAPI"
}

// treeSource walks a tree depth-first (the folder tree): an item, then its
// children.
type treeSource struct {
	c     *cursor
	req   *plan.Request
	hdr   http.Header
	stack []*treeLevel
}

type treeLevel struct {
	list listSource
	path string // the parent's path, "" at the top
}

func newTreeSource(c *cursor, r *plan.Request, hdr http.Header) *treeSource {
	s := &treeSource{c: c, req: r, hdr: hdr}
	s.push(r.URL, "")
	return s
}

func (s *treeSource) push(u, path string) {
	s.stack = append(s.stack, &treeLevel{
		list: listSource{c: s.c, req: &plan.Request{}, pager: s.c.pages(s.req, u, s.hdr)},
		path: path,
	})
}

func (s *treeSource) next() (row, error) {
	for len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1]
		r, err := top.list.next()
		if err == io.EOF {
			s.stack = s.stack[:len(s.stack)-1]
			continue
		}
		if err != nil {
			return row{}, err
		}
		tree := s.c.t.Fetch.Tree
		name := r.item.Get(tree.Name).String()
		path := name
		if top.path != "" {
			path = top.path + "/" + name
		}
		r.extra = map[int]any{s.c.t.Column(tree.Path): path}
		if u := s.req.ChildrenURL(r.item.Get(tables.ID).String()); u != "" && r.item.Get(tree.Count).Int() > 0 {
			s.push(u, path)
		}
		return r, nil
	}
	return row{}, io.EOF
}

// expandSource yields the rows nested in parents listed with $expand (the
// attachments of messages), each with its parent's id in the parent's key
// column.
type expandSource struct {
	req   *plan.Request
	list  listSource
	msgID string
	atts  []gjson.Result
	pos   int
	n     int64 // attachments returned
}

func (s *expandSource) next() (row, error) {
	if s.req.Limit > 0 && s.n >= s.req.Limit {
		return row{}, io.EOF
	}
	for s.pos >= len(s.atts) {
		r, err := s.list.next()
		if err != nil {
			return row{}, err
		}
		s.msgID = r.item.Get(tables.ID).String()
		s.atts, s.pos = r.item.Get(s.list.c.t.Fetch.Expand.Property).Array(), 0
	}
	a := s.atts[s.pos]
	s.pos++
	s.n++
	t := s.list.c.t
	return row{item: a, extra: map[int]any{t.KeyColumn(t.Fetch.Expand.Key): s.msgID}}, nil
}

func (c *cursor) Column(ctx *vtab.Context, col int) error {
	if c.conn.w.active.Load() && ctx.NoChange() {
		return nil // an UPDATE that does not set the column: Unchanged
	}
	if v, ok := c.row.extra[col]; ok {
		ctx.ResultValue(v)
		return nil
	}
	if v, ok := c.req.Echo[col]; ok {
		ctx.ResultValue(v)
		return nil
	}
	colDef := &c.t.Columns[col]
	if colDef.Path == "" {
		ctx.ResultNull()
		return nil
	}
	if c.scan.Light && !c.full && colDef.Select != "" && !selected(c.scan.Selected, col) {
		if err := c.readFull(); err != nil {
			return err
		}
	}
	v := c.vals.get(colDef.Path)
	if (!v.Exists() || v.Type == gjson.Null) && colDef.Content != nil {
		return c.fetchContent(ctx, colDef)
	}
	d, err := colDef.Decode(v)
	if err != nil {
		return fmt.Errorf("%s.%w", c.t.Name, err)
	}
	switch d.Storage {
	case tables.Int:
		ctx.ResultInt64(d.Int)
	case tables.String:
		ctx.ResultText(d.Text)
	case tables.Bytes:
		ctx.ResultBlob(d.Blob)
	default:
		ctx.ResultNull()
	}
	return nil
}

// itemPath fills a path of the current row's item: {mailbox}, the keys
// the row echoes ({message} of an attachment) and {id}, the item's id.
func (c *cursor) itemPath(path string) string {
	u := strings.ReplaceAll(path, "/{"+tables.KeyMailbox+"}", c.req.MailboxPath)
	for i, k := range c.t.Columns {
		if k.Key == "" || k.Key == tables.KeyMailbox || k.Key == tables.KeyID {
			continue
		}
		v, ok := c.row.extra[i].(string)
		if !ok {
			v, _ = c.req.Echo[i].(string)
		}
		u = strings.ReplaceAll(u, "/{"+k.Key+"}", "/"+url.PathEscape(v))
	}
	return strings.ReplaceAll(u, "/{"+tables.KeyID+"}", "/"+url.PathEscape(c.row.item.Get(tables.ID).String()))
}

// fetchContent reads a value the listing left out (an attachment's bytes:
// item attachments, files over 3 MB) from the column's Content path.
func (c *cursor) fetchContent(ctx *vtab.Context, col *tables.Column) error {
	if col.Content.None != nil && col.Content.None(c.row.item) {
		ctx.ResultNull() // Graph answers 405: e.g. a reference attachment has no bytes
		return nil
	}
	u := c.itemPath(col.Content.Path)
	resp, err := c.src.Client.Get(c.ctx, c.req.Mailbox, u, c.header(&plan.Request{}))
	if err != nil {
		return fmt.Errorf("%s.%s: %w", c.t.Name, col.Name, c.stmt.Err(err))
	}
	ctx.ResultBlob(resp.Body)
	return nil
}

// notFoundAdvice is the NotFound advice of the key column the current
// request was scoped by (a folder_id Graph does not know).
func (c *cursor) notFoundAdvice() (string, bool) {
	if c.req == nil {
		return "", false
	}
	for i, col := range c.t.Columns {
		if col.NotFound == "" {
			continue
		}
		if v, ok := c.req.Echo[i].(string); ok {
			return fmt.Sprintf(col.NotFound, clip.String(v)), true
		}
	}
	return "", false
}

// settings are what the table's declarations (headers, advice) may depend
// on in the connection's configuration.
func (c *cursor) settings() tables.Settings { return settingsOf(c.src) }

// settingsOf is what the tables' declarations depend on in a Source's
// configuration.
func settingsOf(src *Source) tables.Settings {
	return tables.Settings{BodyContentType: src.Config.BodyContentType, AppOnly: src.Config.AuthType == config.ApplicationCredentials}
}

// selected reports whether column i is in a scan's Selected mask.
func selected(mask uint64, i int) bool {
	if i >= 63 {
		return mask&(1<<63) != 0
	}
	return mask&(1<<uint(i)) != 0
}

// readFull reads the current row's item whole (every column's property) when
// a Light scan, the scan behind an UPDATE, did not select a column that is
// read after all (by an expression SQLite evaluates itself).
func (c *cursor) readFull() error {
	c.full = true
	if c.t.Item == "" {
		return nil
	}
	var sel []string
	for _, col := range c.t.Columns {
		if col.Select != "" && !slices.Contains(sel, col.Select) {
			sel = append(sel, col.Select)
		}
	}
	u := c.itemPath(c.t.Item) + "?$select=" + strings.Join(sel, ",")
	resp, err := c.src.Client.Get(c.ctx, c.req.Mailbox, u, c.header(&plan.Request{}))
	if err != nil {
		return fmt.Errorf("%s: reading the rest of %s: %w", c.t.Name, clip.String(c.row.item.Get(tables.ID).String()), c.stmt.Err(err))
	}
	c.row.item = gjson.ParseBytes(resp.Body)
	c.vals.reset(c.row.item)
	return nil
}
