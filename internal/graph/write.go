package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/outlooksql/outlooksql/internal/redact"
)

// Write is one request that changes something.
type Write struct {
	Method string      // POST, PATCH, DELETE
	Path   string      // relative to BaseURL, already escaped ("/me/messages/AAk%3D/move")
	Header http.Header // e.g. Prefer: IdType="ImmutableId"; nil for none
	Body   []byte      // JSON body; nil: none (a POST then has Content-Length: 0)
	// Safe: the write is idempotent (PATCH, DELETE) and may be sent again
	// after an ambiguous failure. An unsafe one (create, send, move, reply)
	// that may have run fails with an *AmbiguousError instead.
	Safe bool
}

// AmbiguousError is a write that is not Safe and got no clear answer: a
// timeout, a reset or an end of the connection after the request was sent,
// or a 5xx answer other than 429 (Graph may have run it before failing). It
// may have happened, so it was not sent again.
type AmbiguousError struct {
	Method string
	Path   string // as errors show it: relative to BaseURL when on it
	Err    error  // what happened instead of an answer: an *Error for a 5xx
}

// Error says what failed and that it may have happened.
func (e *AmbiguousError) Error() string {
	if _, ok := e.Err.(*Error); ok { // it names the method and path already
		return fmt.Sprintf("%v: the request may have happened: check before retrying", e.Err)
	}
	return fmt.Sprintf("graph: %s %s: %v: the request may have happened: check before retrying", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// MayHaveHappened reports whether err is or wraps an *AmbiguousError: a
// write that may have happened although it did not succeed.
func MayHaveHappened(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}

// verdict says what a failed attempt (resp a non-2xx answer, or err why
// none came; sent: the request was written whole) allows: sending it
// again, if the policy retries such failures, or nothing more because it
// may have run and is not safe to repeat.
//
// Graph did not run a request answered 429 (throttled) or any other 4xx,
// nor one never written whole. A 5xx may come after the request ran (a
// gateway timeout): even a 503 with Retry-After is not known to mean "not
// run" for every backend, so it is ambiguous for an unsafe write.
func (c *Client) verdict(safe bool, resp *Response, err error, sent bool) (again, ambiguous bool) {
	switch {
	case safe:
	case resp != nil && resp.Status >= 500:
		return false, true
	case resp == nil && sent:
		return false, true
	}
	return c.retryable(resp, err), false
}

// traceSent returns ctx with a trace that sets the flag once a request sent
// under it has been written whole to the connection.
func traceSent(ctx context.Context) (context.Context, *atomic.Bool) {
	var sent atomic.Bool
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				sent.Store(true)
			}
		},
	}), &sent
}

// writeCall checks w and makes it a call for run.
func (c *Client) writeCall(w Write) (*call, error) {
	if w.Method == "" || w.Method == http.MethodGet {
		return nil, fmt.Errorf("graph: %q is not a write method (POST, PATCH, DELETE)", w.Method)
	}
	u, err := c.resolve(w.Path)
	if err != nil {
		return nil, err
	}
	return &call{method: w.Method, u: u, shown: c.shorten(u), logURL: u.Redacted(), header: w.Header,
		body: w.Body, ctype: "application/json", safe: w.Safe}, nil
}

// Do sends one write (not in a batch), holding one of the mailbox's slots
// ("" for none). It never goes through a Memo; every attempt spends from
// the context's Budget and is recorded in its Log.
//
// A 2xx answer returns the response (a 201's body is the created item) and
// nil. A final non-2xx answer returns the response and an *Error. A 401
// that rejects the token is resent once with a fresh one. Other failures
// are retried as the connection's Retry settings say, with one exception:
// a write that is not Safe is never sent again once it may have run; it
// fails with an *AmbiguousError (see MayHaveHappened).
func (c *Client) Do(ctx context.Context, mailbox string, w Write) (*Response, error) {
	r, err := c.writeCall(w)
	if err != nil {
		return nil, err
	}
	return c.run(ctx, mailbox, r)
}

// writeItem is one write of a Writes call on its way.
type writeItem struct {
	w        Write
	u        *url.URL
	shown    string
	attempts int
	resp     *Response
	err      error
}

// Writes sends writes of one mailbox as JSON batches (POST {BaseURL}/$batch)
// of MaxBatch, one POST at a time, holding as many of the mailbox's slots
// as Graph runs at once (4), as Batch does for GETs. Inner requests with a
// body carry Content-Type: application/json. Answers are matched by id,
// whatever their order; the results are in the order of ws.
//
// Retries, batch by batch, in a new batch of the requests to send again:
//   - a 429, inner or of the whole POST, means Graph did not run the
//     request: every write is sent again after the longest Retry-After, as
//     the connection's Retry settings allow (count, longest wait);
//   - a Safe write is sent again as the Retry settings say, after a network
//     failure too when they retry those, and when the whole POST got no
//     answer;
//   - a write that is not Safe and may have run (no answer to the POST, a
//     5xx) is never sent again: its result is an *AmbiguousError.
//
// A 2xx inner answer is a success (Response set, Err nil). A final non-2xx
// one is an *Error with Graph's code and message (Response set too).
//
// The results always have one entry per write, each either a success or
// an error. The error is non-nil when the call stopped early (cancelled,
// a refused sign-in, the request budget spent, a redirect): the writes
// not sent then have an error saying so. Writes never go through a Memo.
func (c *Client) Writes(ctx context.Context, mailbox string, ws []Write) ([]BatchResult, error) {
	out := make([]BatchResult, len(ws))
	items := make([]*writeItem, len(ws))
	var send []*writeItem
	var solo []int
	for i, w := range ws {
		r, err := c.writeCall(w)
		if err == nil && w.Body != nil && !json.Valid(w.Body) {
			err = fmt.Errorf("graph: %s %s: the body is not JSON: a batch carries only JSON bodies", w.Method, r.shown)
		}
		if err != nil {
			out[i].Err = err
			continue
		}
		it := &writeItem{w: w, u: r.u, shown: r.shown}
		items[i] = it
		if strings.Contains(it.shown, "://") {
			solo = append(solo, i) // not under the version root: Graph could not resolve it
			continue
		}
		send = append(send, it)
	}
	var stop error
	for start := 0; start < len(send); start += MaxBatch {
		chunk := send[start:min(start+MaxBatch, len(send))]
		if stop != nil {
			for _, it := range chunk {
				it.err = fmt.Errorf("graph: %s %s: not sent: %w", it.w.Method, it.shown, stop)
			}
			continue
		}
		stop = c.writeBatch(ctx, mailbox, chunk)
	}
	for _, i := range solo {
		if stop != nil {
			out[i].Err = fmt.Errorf("graph: %s %s: not sent: %w", ws[i].Method, items[i].shown, stop)
			continue
		}
		resp, err := c.Do(ctx, mailbox, ws[i])
		out[i] = BatchResult{Response: resp, Err: err}
		if err != nil && ctx.Err() != nil {
			stop = ctx.Err()
		}
	}
	for i, it := range items {
		if it != nil && !strings.Contains(it.shown, "://") {
			out[i] = BatchResult{Response: it.resp, Err: it.err}
		}
	}
	return out, stop
}

// writeBatch sends items (at most MaxBatch) as one batch, then those that
// may be sent again in new batches, as Writes says. It sets each item's
// answer. The error, for a batch that cannot go on (cancelled, sign-in
// refused, a limit or a redirect), stops the Writes call.
func (c *Client) writeBatch(ctx context.Context, mailbox string, items []*writeItem) error {
	endpoint, err := c.resolve("/$batch")
	if err != nil {
		for _, it := range items {
			it.err = err
		}
		return err
	}
	fail := func(n, attempts int, err error) error {
		if attempts > 1 {
			return fmt.Errorf("graph: POST /$batch (%d requests): %w (gave up after %d attempts)", n, err, attempts)
		}
		return fmt.Errorf("graph: POST /$batch (%d requests): %w", n, err)
	}
	log := logFrom(ctx)
	pending := items
	var (
		wait      time.Duration
		retries   int
		refreshed bool
	)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			c.retries.Add(1)
		}
		rec := Record{Method: http.MethodPost, URL: endpoint.Redacted(), Attempt: attempt, Wait: wait}
		start := time.Now()
		token, resp, sent, err := c.postWrites(ctx, mailbox, endpoint, pending)
		rec.Duration = time.Since(start)
		if resp != nil {
			rec.Status, rec.Bytes = resp.Status, int64(len(resp.Body))
		}
		if err != nil {
			rec.Err = err.Error()
		}
		var retry []*writeItem
		ok := err == nil && resp.Status >= 200 && resp.Status < 300
		if ok {
			var perr error
			retry, rec.Inner, perr = c.unpackWrites(resp, pending, token)
			if perr != nil {
				// An answer that cannot be read is no answer.
				rec.Err = perr.Error()
				ok, resp, err = false, nil, perr
			}
		} else {
			if resp != nil {
				rec.Err = decodeError(resp, "").Code
			}
			for _, it := range pending {
				rec.Inner = append(rec.Inner, Record{Method: it.w.Method, URL: it.u.Redacted()})
			}
		}
		log.add(rec)

		if !ok {
			// The POST failed as a whole.
			if err != nil && ctx.Err() != nil {
				err = ctx.Err()
				c.settle(pending, sent, err, func(it *writeItem) error { return fmt.Errorf("graph: %s %s: %w", it.w.Method, it.shown, err) })
				return fail(len(pending), attempt, err)
			}
			var terr *tokenError
			var lerr *LimitError
			if errors.As(err, &terr) || refused(err) || errors.As(err, &lerr) {
				if terr != nil {
					err = terr.err
				}
				c.settle(pending, sent && lerr != nil, err, func(it *writeItem) error { return fmt.Errorf("graph: %s %s: not sent: %w", it.w.Method, it.shown, err) })
				return fail(len(pending), attempt, err)
			}
			var gerr *Error
			if resp != nil {
				gerr = answerError(resp, http.MethodPost, "/$batch", token, attempt)
				if !refreshed && c.rejected(gerr, token) {
					refreshed = true
					wait = 0
					continue
				}
			}
			for _, it := range pending {
				it.resp = nil
				again, ambiguous := c.verdict(it.w.Safe, resp, err, sent)
				switch {
				case ambiguous && gerr != nil:
					it.err = &AmbiguousError{Method: it.w.Method, Path: it.shown, Err: fmt.Errorf("the batch failed: %w", gerr)}
				case ambiguous:
					it.err = &AmbiguousError{Method: it.w.Method, Path: it.shown, Err: fmt.Errorf("no answer from Graph to its batch: %w", err)}
				case gerr != nil:
					it.err = fmt.Errorf("graph: %s %s: the batch failed: %w", it.w.Method, it.shown, gerr)
				default:
					it.err = fmt.Errorf("graph: %s %s: %w", it.w.Method, it.shown, c.noAnswer(err))
				}
				if again {
					retry = append(retry, it)
				}
			}
		}
		if len(retry) == 0 || retries >= c.retry.MaxRetries {
			return nil // the answers stand
		}
		wait = 0
		for _, it := range retry {
			h := http.Header(nil)
			if it.resp != nil {
				h = it.resp.Header
			} else if resp != nil {
				h = resp.Header
			}
			d, berr := c.backoff(retries, h)
			if berr != nil {
				for _, it := range retry {
					it.err = fmt.Errorf("%w; %w", it.err, berr)
				}
				return nil
			}
			wait = max(wait, d)
		}
		retries++
		if err := sleep(ctx, wait); err != nil {
			return fail(len(retry), attempt, err)
		}
		pending = retry
	}
}

// settle gives each item of a batch that cannot go on its final error:
// an *AmbiguousError (cause err) for an unsafe item the batch may have run
// (sent), else other(it).
func (c *Client) settle(items []*writeItem, sent bool, err error, other func(*writeItem) error) {
	for _, it := range items {
		it.resp = nil
		if sent && !it.w.Safe {
			it.err = &AmbiguousError{Method: it.w.Method, Path: it.shown, Err: err}
		} else {
			it.err = other(it)
		}
	}
}

// postWrites sends one batch of items, ids "1", "2", … in their order. It
// returns the token used and whether the POST was written whole.
func (c *Client) postWrites(ctx context.Context, mailbox string, endpoint *url.URL, items []*writeItem) (string, *Response, bool, error) {
	var body batchBody
	for i, it := range items {
		it.attempts++
		h := innerHeaders(it.w.Header)
		b := it.w.Body
		if b == nil && it.w.Method != http.MethodDelete {
			// Graph refuses the whole batch when a POST, PATCH or PUT
			// inside it has no body and Content-Type ("Write request id :
			// X does not contain Content-Type header or body."): an
			// action without parameters (send) gets {}.
			b = []byte("{}")
		}
		if b != nil {
			if _, ok := h["Content-Type"]; !ok {
				h["Content-Type"] = "application/json"
			}
		}
		body.Requests = append(body.Requests, batchEntry{ID: strconv.Itoa(i + 1), Method: it.w.Method, URL: it.shown, Headers: h, Body: b})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return "", nil, false, err
	}
	release, err := c.acquireN(ctx, mailbox, len(items))
	if err != nil {
		return "", nil, false, err
	}
	defer release()
	ctx, sent := traceSent(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), &buf)
	if err != nil {
		return "", nil, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	token, resp, err := c.do(ctx, req)
	return token, resp, sent.Load(), err
}

// unpackWrites reads a batch response into the writes sent, matching
// answers by id; token is redacted from error messages. It returns the
// items to send again (their answers set, in case no retry follows) and a
// record of each inner request.
func (c *Client) unpackWrites(resp *Response, items []*writeItem, token string) (retry []*writeItem, inner []Record, err error) {
	byID, err := answersByID(resp)
	if err != nil {
		return nil, nil, err
	}
	for i, it := range items {
		rec := Record{Method: it.w.Method, URL: it.u.Redacted()}
		a, ok := byID[strconv.Itoa(i+1)]
		if !ok {
			// Graph ran the batch, perhaps this request too.
			missing := errors.New("the batch response has no answer to it")
			it.resp = nil
			again, ambiguous := c.verdict(it.w.Safe, nil, missing, true)
			if ambiguous {
				it.err = &AmbiguousError{Method: it.w.Method, Path: it.shown, Err: missing}
			} else {
				it.err = fmt.Errorf("graph: %s %s: %w", it.w.Method, it.shown, missing)
			}
			if again {
				retry = append(retry, it)
			}
			rec.Err = "no answer in the batch"
			inner = append(inner, rec)
			continue
		}
		r := innerResponse(a)
		rec.Status, rec.Bytes = r.Status, int64(len(r.Body))
		it.resp, it.err = r, nil
		if r.Status < 200 || r.Status > 299 {
			e := decodeError(r, it.shown)
			e.Method = it.w.Method
			e.Message = redact.String(e.Message, token)
			e.Attempts = it.attempts
			rec.Err = e.Code
			again, ambiguous := c.verdict(it.w.Safe, r, nil, true)
			if ambiguous {
				it.err = &AmbiguousError{Method: it.w.Method, Path: it.shown, Err: e}
			} else {
				it.err = e
			}
			if again {
				retry = append(retry, it)
			}
		}
		inner = append(inner, rec)
	}
	return retry, inner, nil
}
