package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Adaptive page size. Graph assembles a page before it sends it, and a
// page of many items with large values (message bodies, headers,
// attachment bytes) can take it too long: it answers 504 Gateway Timeout,
// or the answer never comes in time. Such a collection starts at a large
// $top and adapts: a page that fails so is asked for again at half the
// size, from the same position, and after successful pages the size grows
// back, doubling, up to the $top the collection started with.
//
// Exactness: a nextLink's $skip counts the items the server has served so
// far, whatever the page size (it is the server's, never computed here),
// and the request for a page keeps it; only $top changes. The pages then
// hold the same items, in the same order, as a fixed-size scan.

const (
	// adaptPatience is how many pages in a row must succeed before the
	// size doubles again.
	adaptPatience = 2
	// adaptMaxPatience caps the patience, which doubles each time a grown
	// size fails at once: a collection whose pages fail at a size keeps
	// trying it, but rarely.
	adaptMaxPatience = 64
)

// adaptive is the page-size state of an adapting Pager.
type adaptive struct {
	ceiling  int  // the $top the collection started with: the largest
	size     int  // the $top of the next request
	streak   int  // pages in a row that succeeded at size
	patience int  // the streak that grows size
	grown    bool // size was just doubled and has not yet succeeded
}

// Adapt lets p change the page size ($top) of the pages it requests after
// this call, for a collection whose pages may be too heavy for Graph to
// assemble in time: a page answered with 504 Gateway Timeout, or whose
// answer timed out (TooSlow), is requested again at half its $top (down
// to 1) from the same position; after pages that succeed the size grows
// back, up to the $top of the collection's first URL. Every later request
// carries the current $top, nextLinks included (their $skip is kept).
// Without a $top in the first URL, Adapt does nothing. It returns p.
func (p *Pager) Adapt() *Pager {
	top, ok := topOf(p.next)
	if !ok || top < 1 {
		return p
	}
	p.adapt = &adaptive{ceiling: top, size: top, patience: adaptPatience}
	return p
}

// AdaptAfter is Adapt for a collection whose first page, asked for at the
// URL's $top, already failed with err (it was fetched ahead): when err is
// TooSlow the first request is for half as many items, else every Next
// returns err. It returns p.
func (p *Pager) AdaptAfter(err error) *Pager {
	p.Adapt()
	if p.adapt == nil || !p.adapt.failed(err) {
		p.err = err
	}
	return p
}

// PageSize returns the $top of the next page an adapting Pager requests
// (0 for one that does not adapt).
func (p *Pager) PageSize() int {
	if p.adapt == nil {
		return 0
	}
	return p.adapt.size
}

// url returns link with the current page size as its $top.
func (a *adaptive) url(link string) string { return withTop(link, a.size) }

// failed reports whether a page that failed with err should be asked for
// again, and halves the size if so.
func (a *adaptive) failed(err error) bool {
	if a.size <= 1 || !TooSlow(err) {
		return false
	}
	if a.grown {
		a.patience = min(2*a.patience, adaptMaxPatience)
	}
	a.size = max(1, a.size/2)
	a.streak, a.grown = 0, false
	return true
}

// succeeded records a page that arrived, and grows the size after enough.
func (a *adaptive) succeeded() {
	a.grown = false
	a.streak++
	if a.size < a.ceiling && a.streak >= a.patience {
		a.size = min(2*a.size, a.ceiling)
		a.streak, a.grown = 0, true
	}
}

// TooSlow reports whether err is Graph failing to answer a request in
// time: a 504 Gateway Timeout, or a response that timed out on the way
// (no headers in time, a stalled or endless body). A smaller page may
// succeed where such a page failed.
func TooSlow(err error) bool {
	if Status(err) == http.StatusGatewayTimeout {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// topOf returns the $top of a request URL.
func topOf(link string) (int, bool) {
	_, query, _ := strings.Cut(link, "?")
	for _, piece := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(piece, "=")
		if key, err := url.QueryUnescape(k); err == nil && strings.EqualFold(key, "$top") {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}

// withTop returns link with its $top set to n, every other query option
// as it was (verbatim, in place); a link without $top gets one at the end.
func withTop(link string, n int) string {
	path, query, _ := strings.Cut(link, "?")
	pieces := strings.Split(query, "&")
	if query == "" {
		pieces = nil
	}
	set := false
	for i, piece := range pieces {
		k, _, _ := strings.Cut(piece, "=")
		if key, err := url.QueryUnescape(k); err == nil && strings.EqualFold(key, "$top") {
			pieces[i] = k + "=" + strconv.Itoa(n)
			set = true
		}
	}
	if !set {
		pieces = append(pieces, "$top="+strconv.Itoa(n))
	}
	return path + "?" + strings.Join(pieces, "&")
}

// withoutTop returns link without its $top: an adapting Pager's pages at
// different sizes from one position are one page to its loop check.
func withoutTop(link string) string {
	path, query, ok := strings.Cut(link, "?")
	if !ok {
		return link
	}
	var keep []string
	for _, piece := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(piece, "=")
		if key, err := url.QueryUnescape(k); err == nil && strings.EqualFold(key, "$top") {
			continue
		}
		keep = append(keep, piece)
	}
	return path + "?" + strings.Join(keep, "&")
}

// timeoutError is a response abandoned because it came too slowly.
type timeoutError string

func (e timeoutError) Error() string { return string(e) }

// Timeout reports true: the response timed out (see TooSlow).
func (e timeoutError) Timeout() bool { return true }

// smallerKey marks a request whose page an adapting Pager asks for again,
// smaller, when it is too slow: the client does not retry it as it is.
type smallerKey struct{}

// context returns ctx for the request of a page at the current size: a
// 504 or a timeout is not retried at this size when a smaller one is left
// (at $top=1 the retry policy applies as to any request). a may be nil.
func (a *adaptive) context(ctx context.Context) context.Context {
	if a == nil || a.size <= 1 {
		return ctx
	}
	return context.WithValue(ctx, smallerKey{}, true)
}

// smallerNext reports whether ctx is that of a page an adapting Pager asks
// for again, smaller, when Graph is too slow to answer it.
func smallerNext(ctx context.Context) bool {
	v, _ := ctx.Value(smallerKey{}).(bool)
	return v
}
