package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// Memo answers identical GETs once. Under a context that carries it
// (WithMemo), Get and Batch look a request up by its URL and headers: a
// request already answered is served from the Memo, and one in flight is
// waited for rather than sent again. It keeps whole results (2xx answers
// without an @odata.nextLink: an entity, a collection in one page) and the
// final 400 and 404 errors, what Graph would answer again, up to a byte
// budget. A page of a longer collection is kept from the second time it is
// asked for: a scan that is read once (the outer scan of a join) does not
// fill the budget, and one that is repeated (its inner scan) is fetched at
// most twice. Past the budget it still joins requests in flight but keeps
// nothing.
//
// A Memo is meant for the requests of one SQL statement, which may repeat
// the same scan (a nested-loop join) and must see one answer to it. It is
// safe for concurrent use.
type Memo struct {
	max int64

	mu      sync.Mutex
	size    int64
	entries map[string]*memoEntry
	seen    map[string]bool // pages answered once and not kept
}

// memoSeenMax bounds the pages a Memo remembers having answered once.
const memoSeenMax = 100000

// memoEntry is one request: in flight until done is closed, then answered.
type memoEntry struct {
	done chan struct{}
	resp *Response
	err  error
}

// NewMemo returns a Memo that keeps up to maxBytes of response bodies.
func NewMemo(maxBytes int64) *Memo {
	return &Memo{max: maxBytes, entries: map[string]*memoEntry{}, seen: map[string]bool{}}
}

// Reset forgets every kept answer. Requests in flight still answer those
// that wait for them.
func (m *Memo) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = map[string]*memoEntry{}
	m.seen = map[string]bool{}
	m.size = 0
}

// Size returns the bytes of response bodies kept.
func (m *Memo) Size() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.size
}

type memoKeyT struct{}

// WithMemo returns a context under which Get and Batch use m.
func WithMemo(ctx context.Context, m *Memo) context.Context {
	return context.WithValue(ctx, memoKeyT{}, m)
}

func memoFrom(ctx context.Context) *Memo {
	m, _ := ctx.Value(memoKeyT{}).(*Memo)
	return m
}

// memoKey identifies a GET of client c: the client (two sign-ins on the
// same Graph send the same URLs, and must not share answers), its
// absolute URL and its headers.
func memoKey(c *Client, u *url.URL, header http.Header) string {
	return RequestKey(c, u.String(), header)
}

// RequestKey identifies a request of owner (the client or source that
// sends it: two sign-ins on the same Graph send the same URLs) by its URL
// and headers, whatever their order.
func RequestKey(owner any, u string, header http.Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%p\x00", owner)
	b.WriteString(u)
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, http.CanonicalHeaderKey(k))
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strings.Join(header.Values(k), ","))
	}
	return b.String()
}

// claim returns the entry of key. owner is true when the caller must make
// the request and settle the entry; otherwise it waits for the entry.
func (m *Memo) claim(key string) (e *memoEntry, owner bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil {
		return e, false
	}
	e = &memoEntry{done: make(chan struct{})}
	m.entries[key] = e
	return e, true
}

// settle answers the entry's waiters, and keeps the answer when it is worth
// keeping and fits the budget.
func (m *Memo) settle(key string, e *memoEntry, resp *Response, err error) {
	e.resp, e.err = resp, err
	close(e.done)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries[key] != e {
		return // Reset since the claim
	}
	keep := false
	if page := resp != nil && isPage(resp, err); page && !m.seen[key] {
		if len(m.seen) < memoSeenMax {
			m.seen[key] = true // kept if asked for again
		}
	} else if resp != nil && (page || keepable(resp, err)) {
		if n := int64(len(resp.Body)); m.size+n <= m.max {
			m.size += n
			keep = true
		}
	}
	if !keep {
		delete(m.entries, key)
	}
}

// keepable reports whether an answer is worth keeping: one Graph would
// give again in the same statement, and a whole result (an entity, or a
// collection in one page), not a page of a longer one that a scan streams
// through.
func keepable(resp *Response, err error) bool {
	if err == nil {
		return resp.Status >= 200 && resp.Status < 300 && !hasNextLink(resp.Body)
	}
	var ge *Error
	return errors.As(err, &ge) && (ge.Status == http.StatusBadRequest || ge.Status == http.StatusNotFound)
}

// isPage reports whether an answer is a page of a longer collection: a
// 2xx with an @odata.nextLink.
func isPage(resp *Response, err error) bool {
	return err == nil && resp.Status >= 200 && resp.Status < 300 && hasNextLink(resp.Body)
}

// hasNextLink reports whether the JSON object body has an @odata.nextLink,
// as gjson.GetBytes(body, `@odata\.nextLink`).Exists() does. Graph puts the
// link last: read from the end, a page of 300 KB is not parsed again only
// to find it (Pager parses it next). Otherwise gjson answers.
func hasNextLink(body []byte) bool {
	return endsWithNextLink(body) || gjson.GetBytes(body, `@odata\.nextLink`).Exists()
}

// endsWithNextLink reports whether the last member of the JSON object body
// is "@odata.nextLink" with a string value. In a valid object, the member
// just before the final '}' is one of the object's own.
func endsWithNextLink(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	b = bytes.TrimRight(b[:len(b)-1], " \t\r\n")
	if len(b) == 0 || b[len(b)-1] != '"' {
		return false
	}
	open := openingQuote(b, len(b)-1) // of the value
	if open < 0 {
		return false
	}
	b = bytes.TrimRight(b[:open], " \t\r\n")
	if len(b) == 0 || b[len(b)-1] != ':' {
		return false
	}
	b = bytes.TrimRight(b[:len(b)-1], " \t\r\n")
	const key = `"@odata.nextLink"`
	if !bytes.HasSuffix(b, []byte(key)) {
		return false
	}
	b = bytes.TrimRight(b[:len(b)-len(key)], " \t\r\n")
	return len(b) > 0 && (b[len(b)-1] == ',' || b[len(b)-1] == '{')
}

// openingQuote returns the index of the quote that opens the JSON string
// whose closing quote is at end: the last quote before it that an even
// number of backslashes precedes. -1 when there is none.
func openingQuote(b []byte, end int) int {
	for j := bytes.LastIndexByte(b[:end], '"'); j >= 0; j = bytes.LastIndexByte(b[:j], '"') {
		n := 0
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
	}
	return -1
}

// wait waits for e's answer. again is true when the request was cancelled
// (its owner's scan ended) while the caller's context is live: the caller
// should claim the key again.
func (m *Memo) wait(ctx context.Context, e *memoEntry) (resp *Response, err error, again bool) {
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err(), false
	}
	if e.err != nil && ctx.Err() == nil &&
		(errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) {
		return nil, nil, true
	}
	return e.resp, e.err, false
}
