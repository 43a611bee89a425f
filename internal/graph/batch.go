package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/redact"
)

// MaxBatch is the most requests Graph accepts in one JSON batch.
const MaxBatch = 20

// BatchRequest is one GET sent inside a JSON batch.
type BatchRequest struct {
	// Path is as for Get: relative to BaseURL and already escaped, or an
	// absolute URL on BaseURL (a nextLink).
	Path string
	// Header adds request headers (a table's Prefer, ConsistencyLevel);
	// several Prefer values merge into one, as for Get.
	Header http.Header
}

// BatchResult is the answer to one BatchRequest.
type BatchResult struct {
	// Response is the inner response, as a GET of its own would have had
	// it: Status, Header, and Body (a JSON body as Graph sent it, any other
	// decoded from base64). Nil when no answer arrived.
	Response *Response
	// Err is an *Error for a final non-2xx inner status (Response is set
	// too), or why the request got no answer.
	Err error
}

// batchItem is one request of a Batch call on its way.
type batchItem struct {
	u        *url.URL
	header   http.Header
	key      string     // Memo key
	entry    *memoEntry // the Memo entry it owns or waits for
	sent     bool       // sent in a batch (not answered by the Memo, not alone)
	attempts int
	resp     *Response
	err      error
}

// Batch sends GETs of one mailbox as JSON batches (POST {BaseURL}/$batch),
// MaxBatch requests per POST, one POST at a time. It holds as many of the
// mailbox's request slots as Graph runs the batch's requests at once (up to
// 4), so that a batch never pushes the mailbox over its limit.
//
// Each inner request carries the headers a Get would (Prefer,
// ConsistencyLevel). Answers are matched by id, whatever their order. Inner
// answers the retry policy retries (429 and 503 by default) are sent again,
// in a new batch, after the longest of their waits (Retry-After when given);
// a final non-2xx inner answer is an *Error in its BatchResult.
//
// The results are in the order of reqs. The error is for a POST that
// failed as a whole (no answer, a non-2xx batch status after retries, a
// refused sign-in, cancellation); the results are then nil. Under a Memo,
// requests already answered or in flight are not sent again.
func (c *Client) Batch(ctx context.Context, mailbox string, reqs []BatchRequest) ([]BatchResult, error) {
	out := make([]BatchResult, len(reqs))
	m := memoFrom(ctx)
	var send []*batchItem
	var solo, waits []int
	items := make([]*batchItem, len(reqs))
	for i, r := range reqs {
		u, err := c.resolve(r.Path)
		if err != nil {
			out[i].Err = err
			continue
		}
		it := &batchItem{u: u, header: r.Header}
		items[i] = it
		if strings.Contains(c.shorten(u), "://") {
			solo = append(solo, i) // not under the version root: Graph could not resolve it
			continue
		}
		if m != nil {
			it.key = memoKey(c, u, r.Header)
			e, owner := m.claim(it.key)
			if !owner {
				it.entry = e
				waits = append(waits, i)
				continue
			}
			it.entry = e
		}
		it.sent = true
		send = append(send, it)
	}
	var err error
	for start := 0; start < len(send) && err == nil; start += MaxBatch {
		err = c.batch(ctx, mailbox, send[start:min(start+MaxBatch, len(send))])
	}
	for _, it := range send {
		if err != nil {
			it.resp, it.err = nil, err
		}
		if it.entry != nil {
			m.settle(it.key, it.entry, it.resp, it.err)
		}
	}
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it != nil && it.sent {
			out[i] = BatchResult{Response: it.resp, Err: it.err}
		}
	}
	for _, i := range waits {
		resp, werr, again := m.wait(ctx, items[i].entry)
		switch {
		case again:
			resp, werr = c.Get(ctx, mailbox, reqs[i].Path, reqs[i].Header)
		case werr != nil && resp == nil && ctx.Err() != nil:
			return nil, fmt.Errorf("graph: POST /$batch: %w", ctx.Err())
		default:
			logFrom(ctx).hit()
		}
		out[i] = BatchResult{Response: resp, Err: werr}
	}
	for _, i := range solo {
		resp, gerr := c.Get(ctx, mailbox, reqs[i].Path, reqs[i].Header)
		if gerr != nil && resp == nil && ctx.Err() != nil {
			return nil, gerr
		}
		out[i] = BatchResult{Response: resp, Err: gerr}
	}
	return out, nil
}

// batch sends items (at most MaxBatch) as one batch, retrying the batch or
// its retryable inner requests as the policy allows. It sets each item's
// answer; the error is for the batch as a whole.
func (c *Client) batch(ctx context.Context, mailbox string, items []*batchItem) error {
	endpoint, err := c.resolve("/$batch")
	if err != nil {
		return err
	}
	fail := func(attempts int, err error) error {
		if attempts > 1 {
			return fmt.Errorf("graph: POST /$batch (%d requests): %w (gave up after %d attempts)", len(items), err, attempts)
		}
		return fmt.Errorf("graph: POST /$batch (%d requests): %w", len(items), err)
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
		token, resp, err := c.post(ctx, mailbox, endpoint, pending)
		rec.Duration = time.Since(start)
		if resp != nil {
			rec.Status, rec.Bytes = resp.Status, int64(len(resp.Body))
		}
		if err != nil {
			rec.Err = err.Error()
		}
		var retry []*batchItem
		var perr error
		if err == nil && resp.Status >= 200 && resp.Status < 300 {
			retry, rec.Inner, perr = c.unpack(resp, pending, token)
			if perr != nil {
				rec.Err = perr.Error()
			}
		} else if resp != nil {
			rec.Err = decodeError(resp, "").Code
			for _, it := range pending {
				rec.Inner = append(rec.Inner, Record{Method: http.MethodGet, URL: it.u.Redacted()})
			}
		}
		log.add(rec)

		if err != nil && ctx.Err() != nil {
			return fail(attempt, ctx.Err())
		}
		var terr *tokenError
		if errors.As(err, &terr) {
			return fail(attempt, terr.err)
		}
		var lerr *LimitError
		if refused(err) || errors.As(err, &lerr) {
			return fail(attempt, err)
		}
		if err == nil && resp.Status >= 200 && resp.Status < 300 {
			if perr != nil {
				return fail(attempt, perr)
			}
			if len(retry) == 0 {
				return nil
			}
			if retries >= c.retry.MaxRetries {
				return nil // the retryable answers stand as final errors
			}
			wait = 0
			for _, it := range retry {
				d, err := c.backoff(retries, it.resp.Header)
				if err != nil {
					return fail(attempt, err)
				}
				wait = max(wait, d)
			}
			retries++
			if err := sleep(ctx, wait); err != nil {
				return fail(attempt, err)
			}
			pending = retry
			continue
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
		if retries >= c.retry.MaxRetries || !c.retryable(resp, err) {
			if gerr != nil {
				return gerr
			}
			return fail(attempt, c.noAnswer(err))
		}
		var h http.Header
		if resp != nil {
			h = resp.Header
		}
		wait, err = c.backoff(retries, h)
		if err != nil {
			if gerr != nil {
				return fmt.Errorf("%w; %w", gerr, err)
			}
			return fail(attempt, err)
		}
		retries++
		if err := sleep(ctx, wait); err != nil {
			return fail(attempt, err)
		}
	}
}

// batchBody is the JSON of a batch request.
type batchBody struct {
	Requests []batchEntry `json:"requests"`
}

type batchEntry struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"` // a write's JSON body
}

// innerHeaders are header as an inner request of a batch carries them, with
// several Prefer values merged into one, as Get sends them.
func innerHeaders(header http.Header) map[string]string {
	h := map[string]string{}
	var prefer []string
	for k, vs := range header {
		if http.CanonicalHeaderKey(k) == "Prefer" {
			prefer = append(prefer, vs...)
			continue
		}
		h[http.CanonicalHeaderKey(k)] = strings.Join(vs, ", ")
	}
	if len(prefer) > 0 {
		h["Prefer"] = strings.Join(prefer, ", ")
	}
	return h
}

// post sends one batch of items, ids "1", "2", … in their order.
func (c *Client) post(ctx context.Context, mailbox string, endpoint *url.URL, items []*batchItem) (string, *Response, error) {
	var body batchBody
	for i, it := range items {
		it.attempts++
		h := innerHeaders(it.header)
		body.Requests = append(body.Requests, batchEntry{ID: strconv.Itoa(i + 1), Method: http.MethodGet, URL: c.shorten(it.u), Headers: h})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return "", nil, err
	}
	release, err := c.acquireN(ctx, mailbox, len(items))
	if err != nil {
		return "", nil, err
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), &buf)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(ctx, req)
}

// unpack reads a batch response into the items sent, matching answers by
// id; token is redacted from error messages. It returns the items to send again (their answers set, in case no
// retry follows) and a record of each inner request.
func (c *Client) unpack(resp *Response, items []*batchItem, token string) (retry []*batchItem, inner []Record, err error) {
	byID, err := answersByID(resp)
	if err != nil {
		return nil, nil, err
	}
	for i, it := range items {
		rec := Record{Method: http.MethodGet, URL: it.u.Redacted()}
		a, ok := byID[strconv.Itoa(i+1)]
		if !ok {
			it.resp, it.err = nil, fmt.Errorf("graph: GET %s: the batch response has no answer to it", c.shorten(it.u))
			rec.Err = "no answer in the batch"
			inner = append(inner, rec)
			continue
		}
		r := innerResponse(a)
		rec.Status, rec.Bytes = r.Status, int64(len(r.Body))
		it.resp, it.err = r, nil
		if r.Status < 200 || r.Status > 299 {
			e := decodeError(r, c.shorten(it.u))
			e.Message = redact.String(e.Message, token)
			e.Attempts = it.attempts
			it.err = e
			rec.Err = e.Code
			if c.retryable(r, nil) {
				retry = append(retry, it)
			}
		}
		inner = append(inner, rec)
	}
	return retry, inner, nil
}

// answersByID reads the inner answers of a batch response by their id.
func answersByID(resp *Response) (map[string]gjson.Result, error) {
	if !gjson.ValidBytes(resp.Body) {
		return nil, errors.New("the batch response is not valid JSON")
	}
	answers := gjson.GetBytes(resp.Body, "responses")
	if !answers.IsArray() {
		return nil, errors.New(`the batch response has no "responses" array`)
	}
	byID := map[string]gjson.Result{}
	answers.ForEach(func(_, a gjson.Result) bool {
		byID[a.Get("id").String()] = a
		return true
	})
	return byID, nil
}

// innerResponse is one inner answer of a batch as the Response a request
// of its own would have had: a JSON body as Graph sent it, any other
// decoded from base64.
func innerResponse(a gjson.Result) *Response {
	r := &Response{Status: int(a.Get("status").Int()), Header: http.Header{}}
	a.Get("headers").ForEach(func(k, v gjson.Result) bool {
		r.Header.Set(k.String(), v.String())
		return true
	})
	switch b := a.Get("body"); {
	case b.IsObject() || b.IsArray():
		r.Body = []byte(b.Raw)
	case b.Type == gjson.String:
		r.Body = []byte(b.String())
		if !strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "json") {
			if d, derr := base64.StdEncoding.DecodeString(b.String()); derr == nil {
				r.Body = d
			}
		}
	}
	return r
}
