// Package graph is an HTTP client for Microsoft Graph: it sends GET requests
// and writes (POST, PATCH, DELETE, upload chunks) with the headers Graph
// needs, alone or as JSON batches ($batch), follows
// @odata.nextLink paging, retries throttled or failed attempts as the
// connection string asks, refreshes a rejected access token once, caps
// concurrent requests per mailbox, answers identical requests once under a
// Memo and decodes Graph's error bodies. It knows nothing about SQL or OData
// semantics.
package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outlooksql/outlooksql/internal/redact"
	"github.com/outlooksql/outlooksql/internal/redirect"
)

// Tokens gives access tokens; auth's sources implement it.
type Tokens interface {
	// AccessToken returns a valid access token, refreshing it if needed.
	AccessToken(ctx context.Context) (string, error)
	// Reject reports that Graph answered 401 InvalidAuthenticationToken to
	// token: the next AccessToken must refresh.
	Reject(token string)
}

// RetryMode says which failed attempts are retried (connection-string key
// RetryMode).
type RetryMode int

const (
	// RetryNone never retries (a rejected token is still refreshed once).
	RetryNone RetryMode = iota
	// RetryAny retries every failed attempt, taken literally as the
	// connector defines it: any non-2xx status (4xx included) and any
	// network error (connection reset, EOF, timeout).
	RetryAny
	// RetryWhenStatusCodeMatch retries only responses whose status is in
	// Retry.StatusCodes (default 429 and 503); network errors are not
	// retried.
	RetryWhenStatusCodeMatch
)

// String returns the connection-string spelling of m.
func (m RetryMode) String() string {
	switch m {
	case RetryNone:
		return "None"
	case RetryAny:
		return "RetryAny"
	case RetryWhenStatusCodeMatch:
		return "RetryWhenStatusCodeMatch"
	}
	return "RetryMode(" + strconv.Itoa(int(m)) + ")"
}

// Retry is the retry policy (connection-string keys RetryMode,
// RetryStatusCodeList, RetryCountMax, RetryMultiplyWaitTime).
type Retry struct {
	Mode        RetryMode
	StatusCodes []int // statuses retried in RetryWhenStatusCodeMatch mode; empty means 429 and 503
	MaxRetries  int   // retries after the first attempt; 0 means none
	Multiply    bool  // the wait doubles with each retry
	// Wait is the base wait between attempts when the response has no
	// Retry-After; 0 means 1s.
	Wait time.Duration
	// MaxWait caps the computed wait (not a server's Retry-After); 0 means 60s.
	MaxWait time.Duration
	// MaxRetryAfter is the longest Retry-After waited for (connection-string
	// key RetryWaitMax); a server that asks for more fails the request at
	// once. 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
}

// Options configures a Client.
type Options struct {
	BaseURL    string       // e.g. https://graph.microsoft.com/v1.0 (no trailing slash)
	HTTPClient *http.Client // nil: a default with sane timeouts; redirects are never followed, whatever its CheckRedirect
	// Tokens supplies the bearer token. Nil sends no Authorization header,
	// which only suits local Graph-compatible servers.
	Tokens        Tokens
	Retry         Retry
	MaxPerMailbox int    // concurrent requests per mailbox; 0 means 4
	UserAgent     string // "" means "outlooksql"
	// MaxResponseBytes caps the body of one response (connection-string key
	// MaxResponseBytes); 0 means no limit. An attachment's bytes (a GET of
	// …/$value) are bounded by MaxAttachmentBytes instead.
	MaxResponseBytes int64
	// StallTimeout abandons a response whose body delivers fewer than
	// StallBytes in this long (a stalled or trickling connection); 0 means
	// DefaultStallTimeout.
	StallTimeout time.Duration
	// ResponseTimeout abandons a response whose body has not ended this
	// long after its headers, however steadily it trickles; 0 means
	// DefaultResponseTimeout.
	ResponseTimeout time.Duration
	// MaxEmptyPages is how many empty pages in a row that still carry an
	// @odata.nextLink a Pager follows before it gives up; 0 means
	// DefaultMaxEmptyPages.
	MaxEmptyPages int
	// LimitKey names the account whose mailboxes MaxPerMailbox counts: all
	// clients of the process with the same BaseURL, MaxPerMailbox and
	// non-empty LimitKey share one set of slots per mailbox, so that every
	// connection to a mailbox stays within Graph's limit together. ""
	// gives the client slots of its own.
	LimitKey string
}

// Stats are a Client's totals since creation.
type Stats struct {
	Requests int64 // attempts sent, retries included
	Bytes    int64 // response body bytes read
	Retries  int64 // attempts after the first of a Get, token refreshes included
}

// Response is a completed HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Client sends requests to Graph. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	baseStr string
	http    *http.Client
	tokens  Tokens
	retry   Retry
	perBox  int
	agent   string

	maxBody    int64
	stall      time.Duration
	whole      time.Duration
	emptyPages int

	lim *limiter

	requests, bytes, retries atomic.Int64
}

// New returns a Client for o. A malformed BaseURL is reported by the first
// request.
func New(o Options) *Client {
	c := &Client{
		baseStr: strings.TrimRight(o.BaseURL, "/"),
		http:    o.HTTPClient,
		tokens:  o.Tokens,
		retry:   o.Retry,
		perBox:  o.MaxPerMailbox,
		agent:   o.UserAgent,
		lim:     &limiter{boxes: map[string]*box{}},

		maxBody:    o.MaxResponseBytes,
		stall:      o.StallTimeout,
		whole:      o.ResponseTimeout,
		emptyPages: o.MaxEmptyPages,
	}
	if c.stall <= 0 {
		c.stall = DefaultStallTimeout
	}
	if c.whole <= 0 {
		c.whole = DefaultResponseTimeout
	}
	if c.emptyPages <= 0 {
		c.emptyPages = DefaultMaxEmptyPages
	}
	if c.retry.MaxRetryAfter <= 0 {
		c.retry.MaxRetryAfter = DefaultMaxRetryAfter
	}
	c.base, _ = url.Parse(c.baseStr)
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	// A redirect would carry the bearer token to wherever it points, and
	// its answer would be taken as the page asked for.
	c.http = redirect.Refuse(c.http)
	if c.retry.Wait <= 0 {
		c.retry.Wait = time.Second
	}
	if c.retry.MaxWait <= 0 {
		c.retry.MaxWait = time.Minute
	}
	if len(c.retry.StatusCodes) == 0 {
		c.retry.StatusCodes = []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}
	}
	if c.perBox <= 0 {
		c.perBox = 4
	}
	if o.LimitKey != "" {
		c.lim = sharedLimiter(c.baseStr + "\x00" + strconv.Itoa(c.perBox) + "\x00" + o.LimitKey)
	}
	if c.agent == "" {
		c.agent = "outlooksql"
	}
	return c
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Graph answers slow queries ($search, large pages) within about two
	// minutes or with a 504; waiting longer for headers only hides a dead peer.
	t.ResponseHeaderTimeout = 2 * time.Minute
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}
}

// BaseURL returns the Graph root requests are relative to.
func (c *Client) BaseURL() string { return c.baseStr }

// Stats returns the totals since the Client was created.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Bytes: c.bytes.Load(), Retries: c.retries.Load()}
}

// Get sends one GET, retrying as the policy allows. path is relative to
// BaseURL ("/me/messages?$top=1", already URL-escaped) or an absolute URL (a
// nextLink), which must be on BaseURL's scheme and host. mailbox keys the
// concurrency limit ("" for none); the slot is held for each attempt, not
// during the waits between attempts. header adds request headers (a
// table's Prefer, ConsistencyLevel); several Prefer values are merged into
// one Prefer header.
//
// A 2xx returns the response and nil. A final non-2xx returns the response
// and an *Error. Network errors and cancellation return a nil response and
// an error wrapping the cause.
//
// Under a context with a Memo (WithMemo), an identical GET (same URL and
// headers) made earlier or at the same time is answered from it; the
// Response may then be shared and must not be modified.
func (c *Client) Get(ctx context.Context, mailbox, path string, header http.Header) (*Response, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	m := memoFrom(ctx)
	if m == nil {
		return c.get(ctx, mailbox, u, header)
	}
	key := memoKey(c, u, header)
	for {
		e, owner := m.claim(key)
		if owner {
			resp, err := c.get(ctx, mailbox, u, header)
			m.settle(key, e, resp, err)
			return resp, err
		}
		resp, err, again := m.wait(ctx, e)
		if again {
			continue // the request it waited for was cancelled; send its own
		}
		if err != nil && resp == nil && ctx.Err() != nil {
			return nil, fmt.Errorf("graph: GET %s: %w", c.shorten(u), ctx.Err())
		}
		logFrom(ctx).hit()
		return resp, err
	}
}

// get is Get without the Memo.
func (c *Client) get(ctx context.Context, mailbox string, u *url.URL, header http.Header) (*Response, error) {
	return c.run(ctx, mailbox, &call{method: http.MethodGet, u: u, shown: c.shorten(u), logURL: u.Redacted(), header: header, safe: true})
}

// call is one request as run sends it, attempt after attempt: a GET, a
// write (Do) or an upload chunk (Upload).
type call struct {
	method string
	u      *url.URL
	shown  string // how errors show the URL
	logURL string // how the Log shows it
	header http.Header
	body   []byte // nil: none
	ctype  string // Content-Type of body
	// safe: the request may be sent again after an ambiguous failure (a
	// GET, PATCH, DELETE). An unsafe one that may have run is not resent:
	// it fails with an *AmbiguousError.
	safe bool
	// noAuth: sent without the bearer token (a pre-authorised upload URL).
	noAuth  bool
	secrets []string // redacted from Graph's error messages, besides the token
}

// run sends r, retrying as the policy allows: a 401 that rejects the
// token is resent once with a fresh one; other failures per the Retry
// settings, except that an unsafe request that may have run is never resent.
func (c *Client) run(ctx context.Context, mailbox string, r *call) (*Response, error) {
	fail := func(attempts int, err error) error {
		if attempts > 1 {
			return fmt.Errorf("graph: %s %s: %w (gave up after %d attempts)", r.method, r.shown, err, attempts)
		}
		return fmt.Errorf("graph: %s %s: %w", r.method, r.shown, err)
	}
	log := logFrom(ctx)
	var (
		wait      time.Duration
		retries   int
		refreshed bool
	)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			c.retries.Add(1)
		}
		token, resp, sent, err := c.attempt(ctx, mailbox, r, attempt, wait, log)
		if err != nil && ctx.Err() != nil {
			if sent && !r.safe {
				return nil, &AmbiguousError{Method: r.method, Path: r.shown, Err: ctx.Err()}
			}
			return nil, fail(attempt, ctx.Err())
		}
		var terr *tokenError
		if errors.As(err, &terr) {
			// Retrying cannot fix a refused sign-in; the message says how.
			return nil, fail(attempt, terr.err)
		}
		var lerr *LimitError
		if refused(err) || errors.As(err, &lerr) {
			if lerr != nil && sent && !r.safe {
				return nil, &AmbiguousError{Method: r.method, Path: r.shown, Err: err}
			}
			// The same request would meet the redirect or the limit again.
			return nil, fail(attempt, err)
		}
		if err == nil && resp.Status >= 200 && resp.Status < 300 {
			return resp, nil
		}
		var gerr *Error
		if resp != nil {
			gerr = answerError(resp, r.method, r.shown, token, attempt)
			gerr.Message = redact.String(gerr.Message, r.secrets...)
			if !refreshed && !r.noAuth && c.rejected(gerr, token) {
				refreshed = true
				wait = 0
				continue
			}
		}
		again, ambiguous := c.verdict(r.safe, resp, err, sent)
		if again && smallerNext(ctx) && (gerr != nil && TooSlow(gerr) || err != nil && TooSlow(err)) {
			again = false // the Pager asks again with a smaller page
		}
		if ambiguous {
			if gerr != nil {
				return resp, &AmbiguousError{Method: r.method, Path: r.shown, Err: gerr}
			}
			return nil, &AmbiguousError{Method: r.method, Path: r.shown, Err: fmt.Errorf("no answer from Graph: %w", err)}
		}
		if retries >= c.retry.MaxRetries || !again {
			if gerr != nil {
				return resp, gerr
			}
			return nil, fail(attempt, c.noAnswer(err))
		}
		var h http.Header
		if resp != nil {
			h = resp.Header
		}
		wait, err = c.backoff(retries, h)
		if err != nil {
			if gerr != nil {
				return resp, fmt.Errorf("%w; %w", gerr, err)
			}
			return nil, fail(attempt, err)
		}
		retries++
		if err := sleep(ctx, wait); err != nil {
			return nil, fail(attempt, err)
		}
	}
}

// attempt sends one request and reads its body. It returns the token used
// and whether the request was written whole to the connection (it may then
// have run, whatever the error).
func (c *Client) attempt(ctx context.Context, mailbox string, r *call, n int, wait time.Duration, log *logChain) (string, *Response, bool, error) {
	rec := Record{Method: r.method, URL: r.logURL, Attempt: n, Wait: wait}
	start := time.Now()
	token, resp, sent, err := c.send(ctx, mailbox, r)
	rec.Duration = time.Since(start)
	if resp != nil {
		rec.Status = resp.Status
		rec.Bytes = int64(len(resp.Body))
		if resp.Status < 200 || resp.Status > 299 {
			rec.Err = decodeError(resp, "").Code
		}
	}
	if err != nil {
		rec.Err = err.Error()
	}
	log.add(rec)
	return token, resp, sent, err
}

func (c *Client) send(ctx context.Context, mailbox string, r *call) (string, *Response, bool, error) {
	release, err := c.acquire(ctx, mailbox)
	if err != nil {
		return "", nil, false, err
	}
	defer release()
	ctx, sent := traceSent(ctx)
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.u.String(), body)
	if err != nil {
		return "", nil, false, err
	}
	var prefer []string
	for k, vs := range r.header {
		if http.CanonicalHeaderKey(k) == "Prefer" {
			prefer = append(prefer, vs...)
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	if len(prefer) > 0 {
		req.Header.Set("Prefer", strings.Join(prefer, ", "))
	}
	if r.body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	var token string
	var resp *Response
	if r.noAuth {
		resp, err = c.exchange(ctx, req)
	} else {
		token, resp, err = c.do(ctx, req)
	}
	return token, resp, sent.Load(), err
}

// do sends req with the headers every request carries (Accept, User-Agent,
// the bearer token) and reads the whole response. It returns the token used.
func (c *Client) do(ctx context.Context, req *http.Request) (string, *Response, error) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	var token string
	if c.tokens != nil {
		var err error
		token, err = c.tokens.AccessToken(ctx)
		if err != nil {
			return "", nil, &tokenError{err}
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.exchange(ctx, req)
	return token, resp, err
}

// exchange sends req as it is (do adds the headers every request to Graph
// carries), spending one request of the context's Budget, and reads the
// whole response.
func (c *Client) exchange(ctx context.Context, req *http.Request) (*Response, error) {
	if err := budgetFrom(ctx).take(); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancelCause(req.Context())
	defer cancel(nil)
	req = req.WithContext(rctx)
	c.requests.Add(1)
	hr, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already in our message
		}
		return nil, err
	}
	defer hr.Body.Close()
	limit := c.maxBody
	if strings.HasSuffix(req.URL.Path, "/$value") {
		limit = MaxAttachmentBytes // streamed bytes, not a JSON page
	}
	body, err := readBody(hr.Body, hr.ContentLength, limit, c.stall, c.whole, cancel)
	c.bytes.Add(int64(len(body)))
	if err != nil {
		var lerr *LimitError
		if errors.As(err, &lerr) {
			return nil, err
		}
		return nil, fmt.Errorf("reading %d response: %w", hr.StatusCode, err)
	}
	return &Response{Status: hr.StatusCode, Header: hr.Header, Body: body}, nil
}

// noAnswer explains a request that got no HTTP answer (a reset or closed
// connection, a timeout), and how to have such failures retried.
func (c *Client) noAnswer(err error) error {
	if c.retry.Mode == RetryAny {
		return fmt.Errorf("no answer from Graph: %w", err)
	}
	return fmt.Errorf("no answer from Graph: %w (RetryMode=RetryAny retries such failures)", err)
}

// refused reports whether err is a redirect that was not followed: retrying
// would only meet it again.
func refused(err error) bool {
	var r *redirect.Error
	return errors.As(err, &r)
}

// tokenError is a failure to get an access token.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// resolve turns path into an absolute URL on the base.
func (c *Client) resolve(path string) (*url.URL, error) {
	if c.base == nil || c.base.Scheme == "" || c.base.Host == "" {
		return nil, fmt.Errorf("graph: BaseUrl %q is not an absolute URL (e.g. https://graph.microsoft.com/v1.0)", redact.URL(c.baseStr))
	}
	raw := path
	if !strings.HasPrefix(path, "https://") && !strings.HasPrefix(path, "http://") {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		raw = c.baseStr + path
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("graph: bad request URL %q: %w", redact.URL(raw), err)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return nil, fmt.Errorf("graph: refusing to send the access token to %s://%s: the URL %q is not on BaseUrl %s", u.Scheme, u.Host, u.Redacted(), redact.URL(c.baseStr))
	}
	return u, nil
}

// display shows path as error messages do.
func (c *Client) display(path string) string {
	if u, err := c.resolve(path); err == nil {
		return c.shorten(u)
	}
	return path
}

// shorten shows u relative to the base, as in error messages; a URL off
// the base is shown whole, with any password as "xxxxx".
func (c *Client) shorten(u *url.URL) string {
	s := u.String()
	if rest, ok := strings.CutPrefix(s, c.baseStr); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
		return rest
	}
	return u.Redacted()
}

func (c *Client) retryable(resp *Response, err error) bool {
	switch c.retry.Mode {
	case RetryAny:
		return true
	case RetryWhenStatusCodeMatch:
		return err == nil && resp != nil && slices.Contains(c.retry.StatusCodes, resp.Status)
	}
	return false
}

// backoff is the wait before retry number n (0-based): the server's
// Retry-After if any, else Wait (doubled n times if Multiply) plus up to 10%
// jitter, capped by MaxWait. A Retry-After longer than MaxRetryAfter is an
// error: waiting hours in silence is worse than failing now.
func (c *Client) backoff(n int, h http.Header) (time.Duration, error) {
	if d, ok := retryAfter(h, time.Now()); ok {
		if d > c.retry.MaxRetryAfter {
			return 0, limitError("RetryWaitMax", "Graph asked to wait %s before a retry (Retry-After), longer than the %s allowed (connection key RetryWaitMax, in seconds): raise RetryWaitMax to wait that long, or try again later",
				roundWait(d), roundWait(c.retry.MaxRetryAfter))
		}
		return d, nil
	}
	d := c.retry.Wait
	if c.retry.Multiply {
		for i := 0; i < n && d < c.retry.MaxWait; i++ {
			d *= 2
		}
	}
	d += rand.N(d/10 + 1)
	return min(d, c.retry.MaxWait), nil
}

// roundWait shows a wait without spurious digits: 1h0m0s, 2.5s, 150ms.
func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// retryAfter parses a Retry-After header: seconds, possibly fractional
// ("2.128"), or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s != s {
			return 0, false // not a wait: the client's own backoff applies
		}
		if s >= float64(math.MaxInt64)/float64(time.Second) {
			return math.MaxInt64, true // beyond any cap: refused, never a wrapped negative wait
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// acquire takes one of the mailbox's request slots.
func (c *Client) acquire(ctx context.Context, mailbox string) (func(), error) {
	return c.acquireN(ctx, mailbox, 1)
}

// limiter is the request slots of the mailboxes of one account: a
// client's own, or shared by the clients with the same LimitKey.
type limiter struct {
	mu    sync.Mutex
	boxes map[string]*box
}

// limiters are the shared limiters of the process, by BaseURL, limit and
// LimitKey. One lives for the process: it holds only the mailboxes in use.
var (
	limitersMu sync.Mutex
	limiters   = map[string]*limiter{}
)

// sharedLimiter returns the process's limiter for key.
func sharedLimiter(key string) *limiter {
	limitersMu.Lock()
	defer limitersMu.Unlock()
	l, ok := limiters[key]
	if !ok {
		l = &limiter{boxes: map[string]*box{}}
		limiters[key] = l
	}
	return l
}

// box is one mailbox's request slots. It lives in the limiter's boxes while
// anyone holds or waits for its slots, so the map holds only mailboxes in
// use, however many a long-lived client has read.
type box struct {
	slots chan struct{}
	multi chan struct{} // held while taking several slots
	users int           // holders and waiters; guarded by limiter.mu
}

// acquireN takes n of the mailbox's request slots (at most all of them), as
// a $batch that Graph runs n at a time needs. Takers of several slots queue
// one at a time so that two of them never hold part each and wait forever.
func (c *Client) acquireN(ctx context.Context, mailbox string, n int) (func(), error) {
	if mailbox == "" || n <= 0 {
		return func() {}, nil
	}
	n = min(n, c.perBox)
	key := strings.ToLower(mailbox)
	l := c.lim
	l.mu.Lock()
	b, ok := l.boxes[key]
	if !ok {
		b = &box{slots: make(chan struct{}, c.perBox), multi: make(chan struct{}, 1)}
		l.boxes[key] = b
	}
	b.users++
	l.mu.Unlock()
	release := func(k int) {
		for range k {
			<-b.slots
		}
		l.mu.Lock()
		if b.users--; b.users == 0 {
			delete(l.boxes, key)
		}
		l.mu.Unlock()
	}
	if n > 1 {
		select {
		case b.multi <- struct{}{}:
		case <-ctx.Done():
			release(0)
			return nil, ctx.Err()
		}
		defer func() { <-b.multi }()
	}
	for got := 0; got < n; got++ {
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			release(got)
			return nil, ctx.Err()
		}
	}
	return func() { release(n) }, nil
}

// mailboxes returns how many mailboxes have a box: those in use.
func (c *Client) mailboxes() int {
	c.lim.mu.Lock()
	defer c.lim.mu.Unlock()
	return len(c.lim.boxes)
}
