package graph

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Pager streams a collection page by page. It holds one page in memory.
// It is not safe for concurrent use.
type Pager struct {
	c       *Client
	ctx     context.Context
	mailbox string
	header  http.Header

	next  string    // URL of the next page; "" when done
	first *Response // the answer to next, already received (PagesFrom)
	body  []byte
	pages int
	delta string
	err   error

	visited map[string]int // the URLs fetched, with their page numbers
	empty   int            // empty pages in a row that had a nextLink

	adapt *adaptive // the page size, when it adapts (Adapt); nil: fixed
}

// Pages starts streaming the collection at path (as for Get). No request is
// sent until the first Next.
func (c *Client) Pages(ctx context.Context, mailbox, path string, header http.Header) *Pager {
	return &Pager{c: c, ctx: ctx, mailbox: mailbox, header: header, next: path}
}

// PagesFrom is Pages for a collection whose first page, the answer to path,
// was already received (from Batch): the first Next returns it, and later
// pages follow its @odata.nextLink with Get.
func (c *Client) PagesFrom(ctx context.Context, mailbox, path string, first *Response, header http.Header) *Pager {
	return &Pager{c: c, ctx: ctx, mailbox: mailbox, header: header, next: path, first: first}
}

// Next fetches the next page and returns its "value" array, following
// @odata.nextLink verbatim until a page has none; then it returns io.EOF. A
// page may be empty while more follow. A failed page returns its error, and
// the Pager keeps returning it: a scan never ends early in silence.
func (p *Pager) Next() (gjson.Result, error) {
	if p.err != nil {
		return gjson.Result{}, p.err
	}
	if p.next == "" {
		return gjson.Result{}, io.EOF
	}
	url := p.next
	resp, err := p.first, error(nil)
	p.first = nil
	if resp == nil {
		if p.adapt != nil {
			url = p.adapt.url(p.next)
		}
		resp, err = p.c.Get(p.adapt.context(p.ctx), p.mailbox, url, p.header)
		for err != nil && p.adapt != nil && p.ctx.Err() == nil && p.adapt.failed(err) {
			url = p.adapt.url(p.next) // the same position, a smaller page
			resp, err = p.c.Get(p.adapt.context(p.ctx), p.mailbox, url, p.header)
		}
	}
	shown := p.c.display(url)
	if err != nil && p.adapt != nil && p.adapt.size <= 1 && p.ctx.Err() == nil && TooSlow(err) {
		err = fmt.Errorf("%w (Graph could not send even a page of 1 item in time: select fewer or smaller columns)", err)
	}
	if err != nil {
		p.err = err
		return gjson.Result{}, err
	}
	if !gjson.ValidBytes(resp.Body) {
		p.err = fmt.Errorf("graph: GET %s: page %d is not valid JSON", shown, p.pages+1)
		return gjson.Result{}, p.err
	}
	var value gjson.Result
	p.next, p.delta = "", ""
	// The page is parsed in place: Response.Body is never written after it
	// is read, and gjson.ParseBytes would copy 300 KB per page of 1,000.
	gjson.Parse(unsafe.String(unsafe.SliceData(resp.Body), len(resp.Body))).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "value":
			value = v
		case "@odata.nextLink":
			p.next = v.String()
		case "@odata.deltaLink":
			p.delta = v.String()
		}
		return true
	})
	if !value.IsArray() {
		p.err = fmt.Errorf("graph: GET %s: page %d has no \"value\" array", shown, p.pages+1)
		return gjson.Result{}, p.err
	}
	p.body = resp.Body
	p.pages++
	if p.adapt != nil {
		p.adapt.succeeded()
	}
	if p.visited == nil {
		p.visited = map[string]int{}
	}
	p.visited[p.seen(url)] = p.pages
	if p.next != "" {
		// Graph's paging must end: a nextLink back to a page already read
		// (A→B→A) or an endless run of empty pages would loop forever. The
		// rows read so far stand; the error after them ends the scan.
		if n, ok := p.visited[p.seen(p.next)]; ok {
			what := fmt.Sprintf("back to page %d", n)
			if n == p.pages {
				what = "to the same page"
			}
			p.err = fmt.Errorf("graph: GET %s: the @odata.nextLink of page %d points %s (%s); stopping: the server's paging loops", shown, p.pages, what, p.c.display(p.next))
			p.next = ""
		} else if isEmpty(value) {
			p.empty++
			if p.empty >= p.c.emptyPages {
				p.err = fmt.Errorf("graph: GET %s: %d pages in a row were empty yet had an @odata.nextLink (page %d); stopping: the server's paging does not end", shown, p.empty, p.pages)
				p.next = ""
			}
		} else {
			p.empty = 0
		}
	}
	return value, nil
}

// isEmpty reports whether the array a has no elements, without making the
// slice of all of them that a.Array() would.
func isEmpty(a gjson.Result) bool {
	empty := true
	a.ForEach(func(_, _ gjson.Result) bool {
		empty = false
		return false
	})
	return empty
}

// Page returns the raw body of the current page (e.g. to read @odata.count).
func (p *Pager) Page() []byte { return p.body }

// Pages returns the number of pages fetched so far.
func (p *Pager) Pages() int { return p.pages }

// DeltaLink returns the current page's @odata.deltaLink (the last page of a
// delta round carries it), or "".
func (p *Pager) DeltaLink() string { return p.delta }

// seen is the key of url among the pages visited: its absolute form,
// without $top for an adapting Pager (its pages differ only in size).
func (p *Pager) seen(url string) string {
	if p.adapt != nil {
		return withoutTop(p.c.absolute(url))
	}
	return p.c.absolute(url)
}

// absolute returns path as the absolute URL a request for it goes to, so
// that a relative path and a nextLink to the same page compare equal.
func (c *Client) absolute(path string) string {
	if u, err := c.resolve(path); err == nil {
		return u.String()
	}
	return path
}
