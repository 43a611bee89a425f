package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wreq is one HTTP request as the write server read it.
type wreq struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// winner is one inner request of a batch of writes as the server read it.
type winner struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// reply is the scripted answer to one request that is not a batch: an
// answer, or drop to close the connection without one.
type reply struct {
	answer
	drop bool
}

// writeServer answers POST /v1.0/$batch with inner(post number, request)
// for each inner request, in a shuffled order, unless outer(post number)
// answers the POST itself; other requests with single(n, request). It
// records every request.
type writeServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []wreq
	batches [][]winner
	inner   func(post int, q winner) answer
	outer   func(post int) *reply
	single  func(n int, r wreq) reply
}

func newWriteServer(t *testing.T) *writeServer {
	t.Helper()
	s := &writeServer{
		inner: func(_ int, q winner) answer {
			return answer{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: fmt.Sprintf(`{"url":%q}`, q.URL)}
		},
		single: func(int, wreq) reply { return reply{answer: answer{status: 204}} },
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q := wreq{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b)}
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, q)
		s.mu.Unlock()
		var rp reply
		if r.Method == "POST" && r.URL.Path == "/v1.0/$batch" {
			var body struct{ Requests []winner }
			if err := json.Unmarshal(b, &body); err != nil {
				t.Errorf("batch body: %v", err)
			}
			s.mu.Lock()
			post := len(s.batches)
			s.batches = append(s.batches, body.Requests)
			s.mu.Unlock()
			if s.outer != nil {
				if o := s.outer(post); o != nil {
					rp = *o
				}
			}
			if rp.status == 0 && !rp.drop {
				var out []map[string]any
				for i, in := range body.Requests {
					a := s.inner(post, in)
					o := map[string]any{"id": in.ID, "status": a.status}
					if a.body != "" {
						o["body"] = json.RawMessage(a.body)
					}
					if a.header != nil {
						o["headers"] = a.header
					}
					// Out of order: odd positions first, then even ones backwards.
					if i%2 == 1 {
						out = append([]map[string]any{o}, out...)
					} else {
						out = append(out, o)
					}
				}
				js, _ := json.Marshal(map[string]any{"responses": out})
				rp = reply{answer: answer{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: string(js)}}
			}
		} else {
			rp = s.single(n, q)
		}
		if rp.drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rp.status)
		io.WriteString(w, rp.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *writeServer) client(o Options) *Client {
	o.BaseURL = s.URL + "/v1.0"
	if o.Tokens == nil {
		o.Tokens = &tokens{}
	}
	if o.Retry.Wait == 0 {
		o.Retry.Wait = time.Millisecond
	}
	return New(o)
}

// sizes returns the number of requests in each batch POST.
func (s *writeServer) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n []int
	for _, b := range s.batches {
		n = append(n, len(b))
	}
	return n
}

func (s *writeServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

var immutable = http.Header{"Prefer": {`IdType="ImmutableId"`}}

// TestWritesRequestAndAnswers: the batch carries each write's method,
// relative URL, headers (Content-Type only with a body) and JSON body;
// every 2xx is a success with its body; a 4xx is an *Error with Graph's
// code; the Log names each inner method.
func TestWritesRequestAndAnswers(t *testing.T) {
	s := newWriteServer(t)
	s.inner = func(_ int, q winner) answer {
		switch {
		case q.Method == "PATCH":
			return answer{status: 200, body: `{"id":"a","isRead":true}`}
		case strings.HasSuffix(q.URL, "/move"):
			return answer{status: 201, body: `{"id":"moved"}`}
		case q.Method == "DELETE" && strings.Contains(q.URL, "gone"):
			return answer{status: 404, header: map[string]string{"Content-Type": "application/json"},
				body: `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`}
		case q.Method == "DELETE":
			return answer{status: 204}
		}
		return answer{status: 202}
	}
	c := s.client(Options{})
	var log Log
	ctx := WithLog(context.Background(), &log)
	ws := []Write{
		{Method: "PATCH", Path: "/me/messages/AAk%3D", Header: immutable, Body: []byte(`{"isRead":true}`), Safe: true},
		{Method: "POST", Path: "/users/bob%40contoso.com/messages/b/move", Header: immutable, Body: []byte(`{"destinationId":"archive"}`)},
		{Method: "DELETE", Path: "/me/messages/c", Safe: true},
		{Method: "POST", Path: "/me/messages/d/send"},
		{Method: "DELETE", Path: "/me/messages/gone", Safe: true},
	}
	res, err := c.Writes(ctx, "me", ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.batches) != 1 {
		t.Fatalf("batches %+v", s.batches)
	}
	want := []winner{
		{ID: "1", Method: "PATCH", URL: "/me/messages/AAk%3D", Headers: map[string]string{"Prefer": `IdType="ImmutableId"`, "Content-Type": "application/json"}, Body: json.RawMessage(`{"isRead":true}`)},
		{ID: "2", Method: "POST", URL: "/users/bob%40contoso.com/messages/b/move", Headers: map[string]string{"Prefer": `IdType="ImmutableId"`, "Content-Type": "application/json"}, Body: json.RawMessage(`{"destinationId":"archive"}`)},
		{ID: "3", Method: "DELETE", URL: "/me/messages/c"},
		{ID: "4", Method: "POST", URL: "/me/messages/d/send", Headers: map[string]string{"Content-Type": "application/json"}, Body: json.RawMessage("{}")}, // Graph refuses a bodiless POST in a batch
		{ID: "5", Method: "DELETE", URL: "/me/messages/gone"},
	}
	if got := s.batches[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("batch\n%+v\nwant\n%+v", got, want)
	}
	h := s.reqs[0].Header
	if s.reqs[0].Method != "POST" || s.reqs[0].Path != "/v1.0/$batch" || h.Get("Authorization") != "Bearer tok-1" || h.Get("Content-Type") != "application/json" {
		t.Errorf("outer request %s %s %v", s.reqs[0].Method, s.reqs[0].Path, h)
	}
	type got struct {
		status int
		body   string
	}
	wantRes := []got{{200, `{"id":"a","isRead":true}`}, {201, `{"id":"moved"}`}, {204, ""}, {202, ""}}
	for i, w := range wantRes {
		r := res[i]
		if r.Err != nil || r.Response == nil || r.Response.Status != w.status || string(r.Response.Body) != w.body {
			t.Errorf("result %d: %+v %v, want %d %s", i, r.Response, r.Err, w.status, w.body)
		}
	}
	var ge *Error
	if !errors.As(res[4].Err, &ge) || ge.Status != 404 || ge.Code != "ErrorItemNotFound" || ge.Method != "DELETE" || ge.URL != "/me/messages/gone" || MayHaveHappened(res[4].Err) {
		t.Errorf("missing item: %v", res[4].Err)
	}
	if want := "graph: DELETE /me/messages/gone: 404 ErrorItemNotFound: The specified object was not found in the store."; res[4].Err.Error() != want {
		t.Errorf("error %q\nwant %q", res[4].Err, want)
	}
	recs := log.Records()
	if len(recs) != 1 || recs[0].Method != "POST" || len(recs[0].Inner) != 5 {
		t.Fatalf("log %+v", recs)
	}
	var methods []string
	for _, in := range recs[0].Inner {
		methods = append(methods, in.Method+" "+strings.TrimPrefix(in.URL, s.URL)+" "+strconv.Itoa(in.Status)+" "+in.Err)
	}
	wantLog := []string{
		"PATCH /v1.0/me/messages/AAk%3D 200 ", "POST /v1.0/users/bob%40contoso.com/messages/b/move 201 ",
		"DELETE /v1.0/me/messages/c 204 ", "POST /v1.0/me/messages/d/send 202 ", "DELETE /v1.0/me/messages/gone 404 ErrorItemNotFound",
	}
	if !reflect.DeepEqual(methods, wantLog) {
		t.Errorf("inner log %q\nwant %q", methods, wantLog)
	}
}

// TestWritesChunks: 45 writes go as 3 POSTs of 20, 20 and 5, one at a
// time; answers in any order are matched by id; each POST costs one
// request of the Budget.
func TestWritesChunks(t *testing.T) {
	s := newWriteServer(t)
	c := s.client(Options{})
	var ws []Write
	for i := range 45 {
		ws = append(ws, Write{Method: "PATCH", Path: fmt.Sprintf("/me/messages/m%d", i), Body: []byte(`{"isRead":true}`), Safe: true})
	}
	b := NewBudget(0)
	res, err := c.Writes(WithBudget(context.Background(), b), "me", ws)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.sizes(); !reflect.DeepEqual(got, []int{20, 20, 5}) {
		t.Errorf("POST sizes %v", got)
	}
	for i, r := range res {
		if r.Err != nil || string(r.Response.Body) != fmt.Sprintf(`{"url":"/me/messages/m%d"}`, i) {
			t.Errorf("result %d: %+v %v", i, r.Response, r.Err)
		}
	}
	if b.Used() != 3 {
		t.Errorf("budget used %d, want 3", b.Used())
	}
	// Ids are unique within each POST.
	for i, batch := range s.batches {
		seen := map[string]bool{}
		for _, q := range batch {
			if seen[q.ID] {
				t.Errorf("POST %d: id %s twice", i, q.ID)
			}
			seen[q.ID] = true
		}
	}
}

// TestWritesBudget: a Budget spent part way stops the call: the writes of
// the POSTs not sent say so, those sent keep their answers.
func TestWritesBudget(t *testing.T) {
	s := newWriteServer(t)
	c := s.client(Options{})
	var ws []Write
	for i := range 45 {
		ws = append(ws, Write{Method: "POST", Path: fmt.Sprintf("/me/messages/m%d/move", i), Body: []byte(`{"destinationId":"inbox"}`)})
	}
	res, err := c.Writes(WithBudget(context.Background(), NewBudget(1)), "me", ws)
	var lerr *LimitError
	if !errors.As(err, &lerr) || lerr.Key != "MaxRequests" {
		t.Fatalf("error %v", err)
	}
	if s.count() != 1 {
		t.Errorf("%d requests, want 1", s.count())
	}
	if res[19].Err != nil || res[19].Response.Status != 200 {
		t.Errorf("sent: %+v", res[19])
	}
	for _, i := range []int{20, 44} {
		e := res[i].Err
		if e == nil || MayHaveHappened(e) || !strings.HasPrefix(e.Error(), fmt.Sprintf("graph: POST /me/messages/m%d/move: not sent: ", i)) || !strings.Contains(e.Error(), "MaxRequests") {
			t.Errorf("result %d: %v", i, e)
		}
	}
}

// TestWritesThrottled: an inner 429 means Graph did not run the request:
// safe or not, it is sent again, alone, after its Retry-After (fractional
// seconds); the others keep their first answers. Without retries left
// the 429 stands.
func TestWritesThrottled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries int
		sizes   []int
		status  int
	}{
		{"retried", 3, []int{20, 1, 20, 5}, 201},
		{"no retries left", 0, []int{20, 20, 5}, 429},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t)
			s.inner = func(post int, q winner) answer {
				if post == 0 && q.URL == "/me/messages/m3/move" {
					return answer{status: 429, header: map[string]string{"Retry-After": "0.05"}, body: `{"error":{"code":"ApplicationThrottled","message":"Too many requests."}}`}
				}
				return answer{status: 201, body: fmt.Sprintf(`{"url":%q}`, q.URL)}
			}
			c := s.client(Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: tc.retries}})
			var log Log
			var ws []Write
			for i := range 45 {
				ws = append(ws, Write{Method: "POST", Path: fmt.Sprintf("/me/messages/m%d/move", i), Body: []byte(`{"destinationId":"archive"}`)})
			}
			res, err := c.Writes(WithLog(context.Background(), &log), "me", ws)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.sizes(); !reflect.DeepEqual(got, tc.sizes) {
				t.Fatalf("POST sizes %v, want %v", got, tc.sizes)
			}
			if r := res[3]; r.Response == nil || r.Response.Status != tc.status {
				t.Fatalf("throttled item: %+v %v", r.Response, r.Err)
			}
			if tc.status == 429 {
				if Code(res[3].Err) != "ApplicationThrottled" || MayHaveHappened(res[3].Err) {
					t.Errorf("final 429: %v", res[3].Err)
				}
				return
			}
			if res[3].Err != nil || string(res[3].Response.Body) != `{"url":"/me/messages/m3/move"}` {
				t.Errorf("retried item: %v %s", res[3].Err, res[3].Response.Body)
			}
			if again := s.batches[1][0]; again.URL != "/me/messages/m3/move" || string(again.Body) != `{"destinationId":"archive"}` {
				t.Errorf("resent %+v", again)
			}
			if recs := log.Records(); recs[1].Wait != 50*time.Millisecond || recs[1].Attempt != 2 {
				t.Errorf("retry record %+v, want a wait of 50ms", recs[1])
			}
		})
	}
}

// TestWritesServerErrors: an inner 5xx is retried for a safe write as the
// RetryMode says, and is ambiguous for an unsafe one, which is not sent
// again; a 4xx is a plain *Error for either.
func TestWritesServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      RetryMode
		safe      bool
		status    int
		posts     int
		ambiguous bool
		final     int // the item's final status
	}{
		{"safe 503 retried", RetryWhenStatusCodeMatch, true, 503, 2, false, 200},
		{"safe 503, mode None", RetryNone, true, 503, 1, false, 503},
		{"safe 500 not in the status list", RetryWhenStatusCodeMatch, true, 500, 1, false, 500},
		{"safe 500, RetryAny", RetryAny, true, 500, 2, false, 200},
		{"unsafe 503", RetryWhenStatusCodeMatch, false, 503, 1, true, 503},
		{"unsafe 504, RetryAny", RetryAny, false, 504, 1, true, 504},
		{"unsafe 400", RetryWhenStatusCodeMatch, false, 400, 1, false, 400},
		{"unsafe 400, RetryAny: not run, sent again", RetryAny, false, 400, 2, false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t)
			s.inner = func(post int, q winner) answer {
				if post == 0 && q.ID == "2" {
					return answer{status: tc.status, header: map[string]string{"Retry-After": "0.01", "Content-Type": "application/json"},
						body: `{"error":{"code":"Oops","message":"Something went wrong."}}`}
				}
				return answer{status: 200, body: `{}`}
			}
			c := s.client(Options{Retry: Retry{Mode: tc.mode, MaxRetries: 3}})
			method := "POST"
			if tc.safe {
				method = "PATCH"
			}
			ws := []Write{
				{Method: "PATCH", Path: "/me/messages/a", Body: []byte(`{"isRead":true}`), Safe: true},
				{Method: method, Path: "/me/messages/b", Body: []byte(`{"secret":"body-bytes"}`), Safe: tc.safe},
			}
			res, err := c.Writes(context.Background(), "me", ws)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.batches) != tc.posts {
				t.Fatalf("%d POSTs, want %d", len(s.batches), tc.posts)
			}
			if tc.posts == 2 && (len(s.batches[1]) != 1 || s.batches[1][0].URL != "/me/messages/b") {
				t.Errorf("second POST %+v", s.batches[1])
			}
			if res[0].Err != nil || res[0].Response.Status != 200 {
				t.Errorf("other item %+v %v", res[0].Response, res[0].Err)
			}
			r := res[1]
			if r.Response == nil || r.Response.Status != tc.final {
				t.Fatalf("item: %+v %v", r.Response, r.Err)
			}
			if tc.final == 200 {
				if r.Err != nil {
					t.Errorf("item error %v", r.Err)
				}
				return
			}
			if MayHaveHappened(r.Err) != tc.ambiguous || Code(r.Err) != "Oops" || Status(r.Err) != tc.status {
				t.Errorf("item error %v (ambiguous %v)", r.Err, MayHaveHappened(r.Err))
			}
			msg := r.Err.Error()
			if strings.Contains(msg, "body-bytes") || strings.Contains(msg, "tok-") {
				t.Errorf("error shows a body or token: %s", msg)
			}
			if tc.ambiguous {
				want := fmt.Sprintf("graph: POST /me/messages/b: %d Oops: Something went wrong.: the request may have happened: check before retrying", tc.status)
				if msg != want {
					t.Errorf("error %q\nwant %q", msg, want)
				}
			}
		})
	}
}

// TestDoDroppedConnection: a write whose connection closes after it was
// sent may have run: an unsafe one is not sent again, whatever the retry
// policy, and says so; a safe one is sent again when the mode retries
// network failures.
func TestDoDroppedConnection(t *testing.T) {
	for _, tc := range []struct {
		name     string
		safe     bool
		mode     RetryMode
		requests int
		err      string // "" for success
	}{
		{"unsafe, RetryAny", false, RetryAny, 1, "graph: POST /me/sendMail: no answer from Graph: EOF: the request may have happened: check before retrying"},
		{"unsafe, status codes", false, RetryWhenStatusCodeMatch, 1, "graph: POST /me/sendMail: no answer from Graph: EOF: the request may have happened: check before retrying"},
		{"safe, RetryAny", true, RetryAny, 2, ""},
		{"safe, status codes", true, RetryWhenStatusCodeMatch, 1, "graph: POST /me/sendMail: no answer from Graph: EOF (RetryMode=RetryAny retries such failures)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t)
			s.single = func(n int, _ wreq) reply {
				if n == 0 {
					return reply{drop: true}
				}
				return reply{answer: answer{status: 202}}
			}
			c := s.client(Options{Retry: Retry{Mode: tc.mode, MaxRetries: 3}})
			resp, err := c.Do(context.Background(), "me", Write{Method: "POST", Path: "/me/sendMail", Body: []byte(`{"message":{"subject":"secret subject"}}`), Safe: tc.safe})
			if s.count() != tc.requests {
				t.Errorf("%d requests, want %d", s.count(), tc.requests)
			}
			if tc.err == "" {
				if err != nil || resp.Status != 202 {
					t.Fatalf("%v %+v", err, resp)
				}
				return
			}
			if err == nil || err.Error() != tc.err {
				t.Fatalf("error %v\nwant  %s", err, tc.err)
			}
			if MayHaveHappened(err) == tc.safe {
				t.Errorf("MayHaveHappened = %v", MayHaveHappened(err))
			}
		})
	}
}

// TestDoRequest: Do sends the method, path, headers and body given (a
// POST without a body has Content-Length: 0), returns a 201's body, never
// answers from a Memo, refreshes a rejected token once, and logs and
// counts every attempt.
func TestDoRequest(t *testing.T) {
	s := newWriteServer(t)
	s.single = func(n int, r wreq) reply {
		if n == 0 {
			return reply{answer: answer{status: 401, body: `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`}}
		}
		if r.Method == "POST" && r.Path == "/v1.0/me/messages" {
			return reply{answer: answer{status: 201, body: `{"id":"new","isDraft":true}`}}
		}
		return reply{answer: answer{status: 202}}
	}
	tk := &tokens{}
	c := s.client(Options{Tokens: tk})
	var log Log
	b := NewBudget(0)
	ctx := WithMemo(WithBudget(WithLog(context.Background(), &log), b), NewMemo(1<<20))
	draft := Write{Method: "POST", Path: "/me/messages", Header: immutable, Body: []byte(`{"subject":"Hi"}`)}
	resp, err := c.Do(ctx, "me", draft)
	if err != nil || resp.Status != 201 || string(resp.Body) != `{"id":"new","isDraft":true}` {
		t.Fatalf("%v %+v", err, resp)
	}
	if _, err := c.Do(ctx, "me", draft); err != nil { // not answered by the Memo
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, "me", Write{Method: "POST", Path: "/me/messages/d/send"}); err != nil {
		t.Fatal(err)
	}
	if s.count() != 4 {
		t.Fatalf("%d requests, want 4", s.count())
	}
	r := s.reqs[1]
	if r.Method != "POST" || r.Path != "/v1.0/me/messages" || r.Body != `{"subject":"Hi"}` ||
		r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Prefer") != `IdType="ImmutableId"` ||
		r.Header.Get("Authorization") != "Bearer tok-2" {
		t.Errorf("request %+v", r)
	}
	if !reflect.DeepEqual(tk.rejected, []string{"tok-1"}) {
		t.Errorf("rejected %v", tk.rejected)
	}
	send := s.reqs[3]
	if send.Body != "" || send.Header.Get("Content-Length") != "0" || send.Header.Get("Content-Type") != "" {
		t.Errorf("send request %+v", send)
	}
	var got []string
	for _, rec := range log.Records() {
		got = append(got, fmt.Sprintf("%s %s %d #%d", rec.Method, strings.TrimPrefix(rec.URL, s.URL), rec.Status, rec.Attempt))
	}
	want := []string{"POST /v1.0/me/messages 401 #1", "POST /v1.0/me/messages 201 #2", "POST /v1.0/me/messages 201 #1", "POST /v1.0/me/messages/d/send 202 #1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log %q\nwant %q", got, want)
	}
	if b.Used() != 4 || log.Cached() != 0 {
		t.Errorf("budget %d, cached %d", b.Used(), log.Cached())
	}
	if _, err := c.Do(ctx, "me", Write{Method: "GET", Path: "/me/messages"}); err == nil || s.count() != 4 {
		t.Errorf("a GET through Do: %v", err)
	}
}

// TestWritesWholePostDropped: when a batch POST gets no answer, its safe
// writes are sent again in a new batch and its unsafe ones are ambiguous
// and not sent again.
func TestWritesWholePostDropped(t *testing.T) {
	s := newWriteServer(t)
	s.outer = func(post int) *reply {
		if post == 0 {
			return &reply{drop: true}
		}
		return nil
	}
	c := s.client(Options{Retry: Retry{Mode: RetryAny, MaxRetries: 3}})
	ws := []Write{
		{Method: "PATCH", Path: "/me/messages/a", Body: []byte(`{"isRead":true}`), Safe: true},
		{Method: "POST", Path: "/me/messages/b/move", Body: []byte(`{"destinationId":"archive"}`)},
		{Method: "DELETE", Path: "/me/messages/c", Safe: true},
		{Method: "POST", Path: "/me/messages/d/reply", Body: []byte(`{"comment":"ok"}`)},
	}
	res, err := c.Writes(context.Background(), "me", ws)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.sizes(); !reflect.DeepEqual(got, []int{4, 2}) {
		t.Fatalf("POST sizes %v", got)
	}
	var resent []string
	for _, q := range s.batches[1] {
		resent = append(resent, q.Method+" "+q.URL)
	}
	if !reflect.DeepEqual(resent, []string{"PATCH /me/messages/a", "DELETE /me/messages/c"}) {
		t.Errorf("resent %v", resent)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err != nil || res[i].Response.Status != 200 {
			t.Errorf("safe %d: %+v %v", i, res[i].Response, res[i].Err)
		}
	}
	for _, i := range []int{1, 3} {
		want := fmt.Sprintf("graph: POST %s: no answer from Graph to its batch: EOF: the request may have happened: check before retrying", ws[i].Path)
		if !MayHaveHappened(res[i].Err) || res[i].Err.Error() != want || res[i].Response != nil {
			t.Errorf("unsafe %d: %v\nwant %s", i, res[i].Err, want)
		}
	}
}

// TestWritesWholePostFailures: a 429 or 400 to the whole POST means
// nothing ran: every write is sent again as the policy allows; a 5xx may
// come after some ran: unsafe writes are ambiguous.
func TestWritesWholePostFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		sizes     []int
		ambiguous bool
	}{
		{"429", 429, []int{2, 2}, false},
		{"502", 502, []int{2, 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t)
			s.outer = func(post int) *reply {
				if post == 0 {
					return &reply{answer: answer{status: tc.status, header: map[string]string{"Retry-After": "0.01"}, body: `{"error":{"code":"Busy","message":"Later."}}`}}
				}
				return nil
			}
			c := s.client(Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, StatusCodes: []int{429, 502}, MaxRetries: 2}})
			res, err := c.Writes(context.Background(), "me", []Write{
				{Method: "DELETE", Path: "/me/messages/a", Safe: true},
				{Method: "POST", Path: "/me/messages/b/send"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.sizes(); !reflect.DeepEqual(got, tc.sizes) {
				t.Fatalf("POST sizes %v, want %v", got, tc.sizes)
			}
			if res[0].Err != nil {
				t.Errorf("safe: %v", res[0].Err)
			}
			if MayHaveHappened(res[1].Err) != tc.ambiguous || (!tc.ambiguous && res[1].Err != nil) {
				t.Errorf("unsafe: %v", res[1].Err)
			}
			if tc.ambiguous && (Status(res[1].Err) != 502 || !strings.Contains(res[1].Err.Error(), "graph: POST /me/messages/b/send: the batch failed: graph: POST /$batch: 502 Busy: Later.")) {
				t.Errorf("unsafe: %v", res[1].Err)
			}
		})
	}
}

// TestWritesHoldMailboxSlots: a batch of writes holds the mailbox's 4
// slots while it runs, so a GET of that mailbox waits, another mailbox's
// does not.
func TestWritesHoldMailboxSlots(t *testing.T) {
	release := make(chan struct{})
	var posted atomic.Bool
	var order []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Method == "POST" {
			posted.Store(true)
			<-release
			io.WriteString(w, `{"responses":[]}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL + "/v1.0"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ws []Write
		for i := range 5 {
			ws = append(ws, Write{Method: "DELETE", Path: fmt.Sprintf("/me/messages/%d", i), Safe: true})
		}
		c.Writes(context.Background(), "alice", ws)
	}()
	for !posted.Load() {
		time.Sleep(time.Millisecond)
	}
	got := make(chan struct{})
	go func() {
		c.Get(context.Background(), "Alice", "/users/alice/messages", nil)
		close(got)
	}()
	if _, err := c.Get(context.Background(), "bob", "/users/bob/messages", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatal("a GET of the mailbox ran while its batch of writes held every slot")
	case <-time.After(30 * time.Millisecond):
	}
	close(release)
	<-done
	<-got
	want := []string{"POST /v1.0/$batch", "GET /v1.0/users/bob/messages", "GET /v1.0/users/alice/messages"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

// TestWritesRefusesBadWrites: a write that cannot be sent is an error in
// its result before any request, and the others go.
func TestWritesRefusesBadWrites(t *testing.T) {
	s := newWriteServer(t)
	c := s.client(Options{})
	res, err := c.Writes(context.Background(), "me", []Write{
		{Method: "PATCH", Path: "/me/messages/a", Body: []byte(`not json`), Safe: true},
		{Method: "", Path: "/me/messages/b"},
		{Method: "DELETE", Path: "/me/messages/c", Safe: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.sizes(); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("POST sizes %v", got)
	}
	if res[0].Err == nil || res[0].Err.Error() != "graph: PATCH /me/messages/a: the body is not JSON: a batch carries only JSON bodies" {
		t.Errorf("bad body: %v", res[0].Err)
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "is not a write method") {
		t.Errorf("no method: %v", res[1].Err)
	}
	if res[2].Err != nil {
		t.Errorf("good write: %v", res[2].Err)
	}
	if slices.ContainsFunc(res, func(r BatchResult) bool { return r.Err == nil && r.Response == nil }) {
		t.Errorf("a result with neither answer nor error: %+v", res)
	}
}
