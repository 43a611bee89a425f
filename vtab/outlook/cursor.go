package outlook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/internal/jsonx"
	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// SearchCap is the most results Graph returns for one $search; a search
// that reaches it may be missing rows.
const SearchCap = 1000

// ErrSearchCapped ends a scan whose $search reached Graph's result cap: the
// rows already returned may not be all the rows that match.
var ErrSearchCapped = fmt.Errorf("the search reached Graph's cap of %d results, so the answer may be incomplete: narrow the search (more terms, a folder_id, a received: range)", SearchCap)

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
}

// row is the current row: a Graph item plus values that do not come from it.
type row struct {
	item  gjson.Result
	extra map[int]any // computed columns (path, message_id)
}

// rowSource yields the items of one request; io.EOF ends it.
type rowSource interface {
	next() (row, error)
}

func (c *cursor) Filter(idxNum int, idxStr string, args []any) error {
	c.stop()
	src := c.conn.source()
	if src == nil {
		return ErrNotConfigured
	}
	scan, err := plan.Filter(c.t, idxNum, idxStr, args, defaults(src))
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
	c.fan = newFanout(c.ctx, src, scan)
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
			if missingMessage(c.t, c.req, err) {
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
		c.vals.reset(r.item)
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
		return nil
	}
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
		return fmt.Errorf("%s: %w; AuthType=ApplicationCredentials has no signed-in user (me): name a mailbox, e.g. WHERE user_id = 'alice@contoso.com'", c.t.Name, err)
	}
	if folder, ok := c.folderEcho(); ok && graph.ItemNotFound(err) {
		return fmt.Errorf("%s: %w; folder_id %q is neither a folder id nor a well-known name (inbox, sentitems, drafts, deleteditems, archive, junkemail, outbox, …): SELECT id, path FROM mail_folders lists them", c.t.Name, err, clip.String(folder))
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
	h.Write([]byte(c.row.item.Get("id").String()))
	return int64(h.Sum64())
}

// missingMessage reports whether err says that the message a request's path
// names (attachments WHERE message_id = …) does not exist: in SQL that is a
// message without attachments, not a failed query.
func missingMessage(t *tables.Table, r *plan.Request, err error) bool {
	if _, ok := r.Echo[t.Column("message_id")]; !ok || r.Single {
		return false
	}
	return graph.ItemNotFound(err)
}

func (c *cursor) Close() error {
	c.stop()
	c.conn.closed(c.stmt)
	return nil
}

// open starts the rows of one request.
func (c *cursor) open(r *plan.Request) rowSource {
	hdr := header(r.Header)
	switch {
	case r.Single:
		return &singleSource{c: c, req: r, hdr: hdr}
	case c.t.Fetch == tables.FolderTree:
		return newTreeSource(c, r, hdr)
	case r.Expand:
		// r.Limit counts attachments, the rows; the listing's items are
		// messages, which may have none.
		msgs := *r
		msgs.Limit = 0
		return &expandSource{req: r, list: listSource{c: c, req: &msgs, pager: c.pages(r, r.URL, hdr)}}
	}
	return &listSource{c: c, req: r, pager: c.pages(r, r.URL, hdr)}
}

func header(h map[string]string) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := http.Header{}
	for k, v := range h {
		out.Set(k, v)
	}
	return out
}

// listSource yields the items of a collection, page by page.
type listSource struct {
	c     *cursor
	req   *plan.Request
	pager pages
	items []gjson.Result
	pos   int
	n     int64
}

func (s *listSource) next() (row, error) {
	if s.req.Limit > 0 && s.n >= s.req.Limit {
		return row{}, io.EOF
	}
	for s.pos >= len(s.items) {
		page, err := s.pager.Next()
		if err != nil {
			return row{}, err
		}
		s.c.count(1)
		s.items, s.pos = page.Array(), 0
	}
	it := s.items[s.pos]
	s.pos++
	s.n++
	return row{item: it}, nil
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

// treeSource walks the folder tree depth-first: a folder, then its children.
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
		name := r.item.Get("displayName").String()
		path := name
		if top.path != "" {
			path = top.path + "/" + name
		}
		r.extra = map[int]any{s.c.t.Column("path"): path}
		if u := s.req.ChildrenURL(r.item.Get("id").String()); u != "" && r.item.Get("childFolderCount").Int() > 0 {
			s.push(u, path)
		}
		return r, nil
	}
	return row{}, io.EOF
}

// expandSource yields the attachments of messages listed with
// $expand=attachments, each with its message's id.
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
		s.msgID = r.item.Get("id").String()
		s.atts, s.pos = r.item.Get("attachments").Array(), 0
	}
	a := s.atts[s.pos]
	s.pos++
	s.n++
	return row{item: a, extra: map[int]any{s.list.c.t.Column("message_id"): s.msgID}}, nil
}

func (c *cursor) Column(ctx *vtab.Context, col int) error {
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
	v := c.vals.get(colDef.Path)
	if !v.Exists() || v.Type == gjson.Null {
		if colDef.Type == tables.Blob {
			return c.fetchContent(ctx)
		}
		ctx.ResultNull()
		return nil
	}
	switch colDef.Type {
	case tables.Integer:
		ctx.ResultInt64(v.Int())
	case tables.Bool:
		if v.Bool() {
			ctx.ResultInt64(1)
		} else {
			ctx.ResultInt64(0)
		}
	case tables.Date:
		ctx.ResultText(normalizeDate(v.String()))
	case tables.Recipients:
		ctx.ResultText(recipients(v))
	case tables.JSON:
		ctx.ResultText(canonicalJSON(v))
	case tables.Kind:
		ctx.ResultText(attachmentKind(v.String()))
	case tables.Blob:
		b, err := base64.StdEncoding.DecodeString(v.String())
		if err != nil {
			return fmt.Errorf("%s.%s: Graph sent invalid base64: %w", c.t.Name, colDef.Name, err)
		}
		ctx.ResultBlob(b)
	default:
		ctx.ResultText(v.String())
	}
	return nil
}

// fetchContent reads an attachment's bytes from /$value when the listing
// left contentBytes out (item attachments, files over 3 MB).
func (c *cursor) fetchContent(ctx *vtab.Context) error {
	kind := attachmentKind(c.row.item.Get("@odata\\.type").String())
	if kind == "reference" {
		ctx.ResultNull() // Graph answers 405: a reference attachment has no bytes
		return nil
	}
	msgID, _ := c.row.extra[c.t.Column("message_id")].(string)
	if msgID == "" {
		msgID, _ = c.req.Echo[c.t.Column("message_id")].(string)
	}
	u := fmt.Sprintf("%s/messages/%s/attachments/%s/$value", c.req.MailboxPath,
		url.PathEscape(msgID), url.PathEscape(c.row.item.Get("id").String()))
	resp, err := c.src.Client.Get(c.ctx, c.req.Mailbox, u, nil)
	if err != nil {
		return fmt.Errorf("attachments.content: %w", c.stmt.Err(err))
	}
	ctx.ResultBlob(resp.Body)
	return nil
}

// attachmentKind maps "#microsoft.graph.fileAttachment" to "file".
func attachmentKind(odataType string) string {
	t := odataType[strings.LastIndexByte(odataType, '.')+1:]
	return strings.TrimSuffix(t, "Attachment")
}

// normalizeDate returns a DateTimeOffset in the form SCHEMA.md promises:
// UTC, whole seconds, "Z". Graph sends that form already; anything else is
// converted when it parses.
func normalizeDate(s string) string {
	if len(s) == 20 && s[19] == 'Z' {
		return s
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// recipients turns Graph's [{"emailAddress":{"name","address"}}] into
// SCHEMA.md's [{"name","address"}].
func recipients(v gjson.Result) string {
	b := []byte{'['}
	i := 0
	v.ForEach(func(_, r gjson.Result) bool {
		if i > 0 {
			b = append(b, ',')
		}
		i++
		e := r.Get("emailAddress")
		b = append(b, `{"name":`...)
		b = appendJSONString(b, e.Get("name"))
		b = append(b, `,"address":`...)
		b = appendJSONString(b, e.Get("address"))
		b = append(b, '}')
		return true
	})
	return string(append(b, ']'))
}

// appendJSONString appends v if it is a string, else null.
func appendJSONString(b []byte, v gjson.Result) []byte {
	if v.Type != gjson.String {
		return append(b, "null"...)
	}
	return jsonx.AppendString(b, v.String())
}

// canonicalJSON re-writes Graph's JSON compactly, strings re-escaped by
// jsonx.AppendString and keys in Graph's order, so the text of a JSON column
// does not depend on how Graph chose to escape it.
func canonicalJSON(v gjson.Result) string {
	return string(appendJSON(nil, v))
}

func appendJSON(b []byte, v gjson.Result) []byte {
	switch {
	case v.IsArray():
		b = append(b, '[')
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = appendJSON(b, e)
			return true
		})
		return append(b, ']')
	case v.IsObject():
		b = append(b, '{')
		i := 0
		v.ForEach(func(k, e gjson.Result) bool {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = jsonx.AppendString(b, k.String())
			b = append(b, ':')
			b = appendJSON(b, e)
			return true
		})
		return append(b, '}')
	case v.Type == gjson.String:
		return jsonx.AppendString(b, v.String())
	default:
		return append(b, strings.TrimSpace(v.Raw)...)
	}
}

// folderEcho returns the folder_id the current request was scoped to.
func (c *cursor) folderEcho() (string, bool) {
	if c.req == nil {
		return "", false
	}
	f, ok := c.req.Echo[c.t.Column("folder_id")].(string)
	return f, ok
}
