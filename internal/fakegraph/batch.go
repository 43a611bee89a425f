package fakegraph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatch is the most requests Graph accepts in one $batch.
const maxBatch = 20

// batchConcurrency is how many requests of an unordered batch Graph sends
// to Outlook at a time (REFERENCE.md §1.4), the per-mailbox limit.
const batchConcurrency = 4

// isBatch reports whether r is a JSON batch, POST /v1.0/$batch.
func isBatch(r *http.Request) bool {
	p := r.URL.EscapedPath()
	return p == "/v1.0/$batch" || strings.EqualFold(p, "/v1.0/%24batch")
}

// batchIn is one request of a batch body.
type batchIn struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batchOut is one answer of a batch response.
type batchOut struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// serveBatch answers POST /v1.0/$batch as Graph does: at most 20 GETs,
// run through the same routing and authentication as requests of their
// own, 4 at a time (one at a time when any has dependsOn); a request whose
// dependency failed gets 424; the answers come in a shuffled order. Each
// inner request holds its mailbox's concurrency slot and takes the latency
// like any request, so a batch takes as long as its requests, 4 at a time.
//
// Inner requests may be writes (POST, PATCH, PUT, DELETE). A POST, PATCH or
// PUT must carry a body and a Content-Type header, and any request with a
// body a Content-Type header, or Graph refuses the whole batch (400
// BadRequest "Write request id : … does not contain Content-Type header or
// body."). It reports whether the connection must be dropped (DropAfterWrites):
// then nothing has been answered.
func (s *Server) serveBatch(c *call, entry *Request, latency time.Duration) (drop bool) {
	if c.r.Method != http.MethodPost {
		c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", fmt.Sprintf("The OData request is not supported: $batch takes POST, not %s.", c.r.Method))
		return false
	}
	p, ok := s.authenticate(c)
	if !ok {
		return false
	}
	entry.Subject, entry.TokenSerial = p.subject(), p.serial
	var in struct {
		Requests []batchIn `json:"requests"`
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, 4<<20))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil || in.Requests == nil {
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return false
	}
	if len(in.Requests) > maxBatch {
		c.fail(http.StatusBadRequest, "BadRequest", "Number of requests inside batch exceeds the limit.")
		return false
	}
	for _, r := range in.Requests {
		if !innerBodyOK(r) {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Write request id : %s does not contain Content-Type header or body.", r.ID))
			return false
		}
	}
	pos := map[string]int{}
	sequential := false
	for i, r := range in.Requests {
		if r.ID == "" {
			c.fail(http.StatusBadRequest, "BadRequest", "Invalid batch payload format: a request has no id.")
			return false
		}
		if _, dup := pos[r.ID]; dup {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Batch request ids must be unique; '%s' is repeated.", r.ID))
			return false
		}
		pos[r.ID] = i
		sequential = sequential || len(r.DependsOn) > 0
	}
	for _, r := range in.Requests {
		for _, d := range r.DependsOn {
			if _, ok := pos[d]; !ok || d == r.ID {
				c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Request '%s' depends on '%s', which is not a request of the batch.", r.ID, d))
				return false
			}
		}
	}
	if cyclic(in.Requests, pos) {
		c.fail(http.StatusBadRequest, "BadRequest", "The dependsOn of the batch's requests form a cycle.")
		return false
	}

	n := len(in.Requests)
	outs := make([]batchOut, n)
	inner := make([]Request, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	slots := make(chan struct{}, batchConcurrency)
	if sequential {
		slots = make(chan struct{}, 1)
	}
	var wg sync.WaitGroup
	var dropped atomic.Bool
	for i, r := range in.Requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			for _, d := range r.DependsOn {
				j := pos[d]
				<-done[j]
				if st := outs[j].Status; st < 200 || st > 299 {
					outs[i], inner[i] = s.failedDependency(c, r, d)
					return
				}
			}
			slots <- struct{}{}
			defer func() { <-slots }()
			var d bool
			outs[i], inner[i], d = s.serveInner(c, r, latency)
			if d {
				dropped.Store(true)
			}
		}()
	}
	wg.Wait()
	entry.Inner = inner
	s.mu.Lock()
	s.stats.Inner += n
	s.mu.Unlock()
	if dropped.Load() {
		return true
	}

	rand.Shuffle(n, func(i, j int) { outs[i], outs[j] = outs[j], outs[i] })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // inner bodies as the routes wrote them
	err = enc.Encode(map[string]any{"responses": outs})
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if err != nil {
		c.fail(http.StatusInternalServerError, "generalException", "An unspecified error has occurred.")
		return false
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(b)
	return false
}

// cyclic reports whether the dependsOn links form a cycle.
func cyclic(reqs []batchIn, pos map[string]int) bool {
	state := make([]int, len(reqs)) // 0 new, 1 on the path, 2 done
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case 1:
			return true
		case 2:
			return false
		}
		state[i] = 1
		for _, d := range reqs[i].DependsOn {
			if visit(pos[d]) {
				return true
			}
		}
		state[i] = 2
		return false
	}
	for i := range reqs {
		if visit(i) {
			return true
		}
	}
	return false
}

// bufWriter is an in-memory http.ResponseWriter for an inner request.
type bufWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *bufWriter) Header() http.Header { return w.h }
func (w *bufWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// serveInner runs one request of a batch as a request of its own, with the
// batch's access token, and returns its answer and its log entry.
//
// A write may be throttled (ThrottleWrites) or marked to lose the batch's
// connection once applied (DropAfterWrites): drop reports the latter.
func (s *Server) serveInner(outer *call, in batchIn, latency time.Duration) (out batchOut, entry Request, drop bool) {
	method := strings.ToUpper(in.Method)
	if method == "" {
		method = http.MethodGet
	}
	u := in.URL
	if !strings.HasPrefix(u, "/") && !strings.Contains(u, "://") {
		u = "/" + u
	}
	hdr := http.Header{}
	for k, v := range in.Headers {
		hdr.Set(k, v)
	}
	entry = Request{Method: method, Header: hdr.Clone(), Host: outer.r.Host}
	var body []byte
	if len(in.Body) > 0 && string(in.Body) != "null" {
		body = []byte(in.Body)
		entry.Body = body
	}
	bw := &bufWriter{h: http.Header{}}
	c := &call{s: s, w: &recorder{ResponseWriter: bw}, reqID: newRequestID()}
	c.clientReqID = c.reqID
	if strings.Contains(u, "://") {
		entry.Path = u
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid request: the url of a batch request must be relative to the version root, e.g. /me/messages.")
		return innerAnswer(in.ID, bw), done(entry, bw), false
	}
	r, err := http.NewRequestWithContext(outer.r.Context(), method, s.URL+"/v1.0"+u, bytes.NewReader(body))
	if err != nil {
		entry.Path = u
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid request URL.")
		return innerAnswer(in.ID, bw), done(entry, bw), false
	}
	r.Header = hdr
	r.Header.Set("Authorization", outer.r.Header.Get("Authorization"))
	c.r = r
	entry.Path, entry.RawQuery, entry.Query = r.URL.Path, r.URL.RawQuery, r.URL.Query()

	s.mu.Lock()
	fail, failStatus, retry := false, 0, ""
	if s.failN > 0 {
		s.failN--
		fail, failStatus, retry = true, s.failStatus, s.failRetryAfter
	}
	if !fail && isWrite(method) {
		fail, failStatus, retry = s.takeWriteThrottle()
		drop = !fail && s.takeDropAfter()
	}
	s.mu.Unlock()
	s.serve(c, &entry, fail, failStatus, retry, latency)
	return innerAnswer(in.ID, bw), done(entry, bw), drop
}

// failedDependency is the 424 of a request whose dependency failed.
func (s *Server) failedDependency(outer *call, in batchIn, dep string) (batchOut, Request) {
	bw := &bufWriter{h: http.Header{}}
	c := &call{s: s, w: &recorder{ResponseWriter: bw}, reqID: newRequestID()}
	c.clientReqID = c.reqID
	c.fail(http.StatusFailedDependency, "FailedDependency", fmt.Sprintf("The request depends on request '%s', which failed.", dep))
	entry := Request{Method: strings.ToUpper(in.Method), Path: in.URL, Host: outer.r.Host}
	if len(in.Body) > 0 && string(in.Body) != "null" {
		entry.Body = []byte(in.Body)
	}
	return innerAnswer(in.ID, bw), done(entry, bw)
}

func done(entry Request, bw *bufWriter) Request {
	entry.Status, entry.Bytes = bw.status, len(bw.body)
	return entry
}

// innerAnswer is an inner response as Graph puts it in a batch: a JSON body
// as JSON, any other as a base64 string; the headers that belong to it.
func innerAnswer(id string, bw *bufWriter) batchOut {
	out := batchOut{ID: id, Status: bw.status, Headers: map[string]string{}}
	for k, vs := range bw.h {
		switch k {
		case "Content-Length", "Request-Id", "Client-Request-Id", "X-Ms-Ags-Diagnostic", "Strict-Transport-Security":
			continue
		}
		out.Headers[k] = strings.Join(vs, ", ")
	}
	if len(bw.body) > 0 {
		if strings.Contains(bw.h.Get("Content-Type"), "json") && json.Valid(bw.body) {
			out.Body = bw.body
		} else {
			out.Body, _ = json.Marshal(base64.StdEncoding.EncodeToString(bw.body))
		}
	}
	return out
}
