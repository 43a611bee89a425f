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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inner is one request of a batch as the test server read it.
type inner struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// answer is one scripted inner answer.
type answer struct {
	status int
	header map[string]string
	body   string
}

// batchServer answers POST /v1.0/$batch with answer(post number, request),
// in reverse order, and GETs with {"get":"<path>"}. It records what it got.
type batchServer struct {
	*httptest.Server
	mu     sync.Mutex
	posts  [][]inner
	heads  []http.Header
	gets   []string
	outer  func(n int) *answer // the POST's own answer, nil for 200
	answer func(n int, r inner) answer
}

func newBatchServer(t *testing.T, answer func(n int, r inner) answer) *batchServer {
	t.Helper()
	s := &batchServer{answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" {
			s.mu.Lock()
			s.gets = append(s.gets, r.URL.RequestURI())
			s.mu.Unlock()
			fmt.Fprintf(w, `{"get":%q}`, r.URL.Path)
			return
		}
		var body struct{ Requests []inner }
		json.NewDecoder(r.Body).Decode(&body)
		s.mu.Lock()
		n := len(s.posts)
		s.posts = append(s.posts, body.Requests)
		s.heads = append(s.heads, r.Header.Clone())
		s.mu.Unlock()
		if s.outer != nil {
			if a := s.outer(n); a != nil {
				for k, v := range a.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
				return
			}
		}
		var out []map[string]any
		for _, q := range slices.Backward(body.Requests) {
			a := s.answer(n, q)
			o := map[string]any{"id": q.ID, "status": a.status, "body": json.RawMessage(a.body)}
			if a.header != nil {
				o["headers"] = a.header
			}
			out = append(out, o)
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"responses": out})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *batchServer) client(o Options) *Client {
	o.BaseURL = s.URL + "/v1.0"
	if o.Tokens == nil {
		o.Tokens = &tokens{}
	}
	if o.Retry.Wait == 0 {
		o.Retry.Wait = time.Millisecond
	}
	return New(o)
}

// echo answers 200 {"url":"<url>"} to every inner request.
func echo(_ int, r inner) answer { return answer{status: 200, body: fmt.Sprintf(`{"url":%q}`, r.URL)} }

func TestBatchRequestAndAnswers(t *testing.T) {
	s := newBatchServer(t, func(n int, r inner) answer {
		if strings.Contains(r.URL, "missing") {
			return answer{status: 404, header: map[string]string{"Content-Type": "application/json"},
				body: `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`}
		}
		if strings.HasSuffix(r.URL, "$value") {
			return answer{status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: `"aGVsbG8="`}
		}
		return echo(n, r)
	})
	c := s.client(Options{})
	var log Log
	ctx := WithLog(context.Background(), &log)
	mail := http.Header{"Prefer": {`IdType="ImmutableId", outlook.body-content-type="text"`}}
	reqs := []BatchRequest{
		{Path: "/me/messages/a?$select=id,subject", Header: mail},
		{Path: s.URL + "/v1.0/me/messages?$skip=10&$top=10", Header: mail}, // a nextLink
		{Path: "/users?$count=true&$filter=endswith(mail,'x')", Header: http.Header{"Prefer": mail["Prefer"], "Consistencylevel": {"eventual"}}},
		{Path: "/me/messages/missing", Header: mail},
		{Path: "/me/messages/a/attachments/b/$value", Header: mail},
	}
	res, err := c.Batch(ctx, "me", reqs)
	if err != nil {
		t.Fatal(err)
	}
	posts := s.posts
	if len(posts) != 1 || len(posts[0]) != len(reqs) {
		t.Fatalf("posts %+v", posts)
	}
	prefer := `IdType="ImmutableId", outlook.body-content-type="text"`
	want := []inner{
		{ID: "1", Method: "GET", URL: "/me/messages/a?$select=id,subject", Headers: map[string]string{"Prefer": prefer}},
		{ID: "2", Method: "GET", URL: "/me/messages?$skip=10&$top=10", Headers: map[string]string{"Prefer": prefer}},
		{ID: "3", Method: "GET", URL: "/users?$count=true&$filter=endswith(mail,'x')", Headers: map[string]string{"Prefer": prefer, "Consistencylevel": "eventual"}},
		{ID: "4", Method: "GET", URL: "/me/messages/missing", Headers: map[string]string{"Prefer": prefer}},
		{ID: "5", Method: "GET", URL: "/me/messages/a/attachments/b/$value", Headers: map[string]string{"Prefer": prefer}},
	}
	if !reflect.DeepEqual(posts[0], want) {
		t.Errorf("batch body\n%+v\nwant\n%+v", posts[0], want)
	}
	h := s.heads[0]
	if h.Get("Authorization") != "Bearer tok-1" || h.Get("Content-Type") != "application/json" {
		t.Errorf("outer headers %v", h)
	}
	for i, r := range res[:3] {
		if r.Err != nil || r.Response.Status != 200 || string(r.Response.Body) != fmt.Sprintf(`{"url":%q}`, want[i].URL) {
			t.Errorf("result %d: %+v %v", i, r.Response, r.Err)
		}
	}
	var ge *Error
	if !errors.As(res[3].Err, &ge) || ge.Status != 404 || ge.Code != "ErrorItemNotFound" || ge.URL != "/me/messages/missing" || ge.Method != "GET" {
		t.Errorf("missing: %v", res[3].Err)
	}
	if res[3].Response == nil || res[3].Response.Status != 404 {
		t.Errorf("missing: response %+v", res[3].Response)
	}
	if string(res[4].Response.Body) != "hello" {
		t.Errorf("a text body is base64 in the batch: got %q", res[4].Response.Body)
	}
	recs := log.Records()
	if len(recs) != 1 || recs[0].Method != "POST" || recs[0].URL != s.URL+"/v1.0/$batch" || recs[0].Status != 200 || len(recs[0].Inner) != 5 {
		t.Fatalf("log %+v", recs)
	}
	if in := recs[0].Inner[3]; in.URL != s.URL+"/v1.0/me/messages/missing" || in.Status != 404 || in.Err != "ErrorItemNotFound" {
		t.Errorf("inner record %+v", in)
	}
	if st := c.Stats(); st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestBatchRetries: throttled inner requests are sent again, alone, after
// the largest Retry-After; the others keep their first answers.
func TestBatchRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxRetries int
		wantPosts  int
		final      int // status of the throttled requests at the end
	}{
		{"retried", 3, 2, 200},
		{"no retries left", 0, 1, 429},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newBatchServer(t, func(n int, r inner) answer {
				if n == 0 && strings.HasSuffix(r.URL, "/b") {
					return answer{status: 429, header: map[string]string{"Retry-After": "0.02"}, body: `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`}
				}
				if n == 0 && strings.HasSuffix(r.URL, "/c") {
					return answer{status: 503, header: map[string]string{"Retry-After": "0.04"}, body: `{"error":{"code":"serviceNotAvailable","message":"Later."}}`}
				}
				return echo(n, r)
			})
			c := s.client(Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: tc.maxRetries}})
			var log Log
			res, err := c.Batch(WithLog(context.Background(), &log), "me", []BatchRequest{{Path: "/x/a"}, {Path: "/x/b"}, {Path: "/x/c"}, {Path: "/x/d"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.posts) != tc.wantPosts {
				t.Fatalf("%d POSTs, want %d", len(s.posts), tc.wantPosts)
			}
			if tc.wantPosts == 2 {
				var urls []string
				for _, q := range s.posts[1] {
					urls = append(urls, q.ID+" "+q.URL)
				}
				if !reflect.DeepEqual(urls, []string{"1 /x/b", "2 /x/c"}) {
					t.Errorf("retry batch %v", urls)
				}
				if w := log.Records()[1].Wait; w != 40*time.Millisecond {
					t.Errorf("waited %v before the retry, want the largest Retry-After, 40ms", w)
				}
			}
			for i, r := range res {
				want := 200
				if i == 1 || i == 2 {
					want = tc.final
					if i == 2 && tc.final != 200 {
						want = 503
					}
				}
				if r.Response == nil || r.Response.Status != want || (want == 200) != (r.Err == nil) {
					t.Errorf("result %d: %+v %v, want %d", i, r.Response, r.Err, want)
				}
			}
		})
	}
}

func TestBatchOuterFailures(t *testing.T) {
	s := newBatchServer(t, echo)
	s.outer = func(n int) *answer {
		switch n {
		case 0:
			return &answer{status: 503, header: map[string]string{"Retry-After": "0.001"}, body: `{"error":{"code":"serviceNotAvailable","message":"Later."}}`}
		case 2:
			return &answer{status: 400, body: `{"error":{"code":"BadRequest","message":"Number of requests inside batch exceeds the limit."}}`}
		}
		return nil
	}
	c := s.client(Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 2}})
	res, err := c.Batch(context.Background(), "me", []BatchRequest{{Path: "/x/a"}})
	if err != nil || res[0].Response.Status != 200 {
		t.Fatalf("after a retried 503: %+v %v", res, err)
	}
	res, err = c.Batch(context.Background(), "me", []BatchRequest{{Path: "/x/a"}})
	var ge *Error
	if res != nil || !errors.As(err, &ge) || ge.Status != 400 || ge.Method != "POST" || ge.URL != "/$batch" ||
		!strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("a refused batch: %+v %v", res, err)
	}
}

// TestBatchSplits: more than MaxBatch requests go in several POSTs, one at
// a time, answers still in the order asked.
func TestBatchSplits(t *testing.T) {
	s := newBatchServer(t, echo)
	c := s.client(Options{})
	var reqs []BatchRequest
	for i := range 45 {
		reqs = append(reqs, BatchRequest{Path: fmt.Sprintf("/x/%d", i)})
	}
	res, err := c.Batch(context.Background(), "me", reqs)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, p := range s.posts {
		sizes = append(sizes, len(p))
	}
	if !reflect.DeepEqual(sizes, []int{20, 20, 5}) {
		t.Errorf("POST sizes %v", sizes)
	}
	for i, r := range res {
		if string(r.Response.Body) != fmt.Sprintf(`{"url":"/x/%d"}`, i) {
			t.Errorf("result %d: %s", i, r.Response.Body)
		}
	}
}

// TestBatchHoldsMailboxSlots: while a batch of 4 or more runs, Graph runs 4
// of its requests at once on the mailbox, so a GET of that mailbox waits.
func TestBatchHoldsMailboxSlots(t *testing.T) {
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
		c.Batch(context.Background(), "alice", []BatchRequest{{Path: "/a"}, {Path: "/b"}, {Path: "/c"}, {Path: "/d"}, {Path: "/e"}})
	}()
	for !posted.Load() {
		time.Sleep(time.Millisecond)
	}
	got := make(chan struct{})
	go func() {
		c.Get(context.Background(), "Alice", "/users/alice/messages", nil)
		close(got)
	}()
	if _, err := c.Get(context.Background(), "bob", "/users/bob/messages", nil); err != nil { // another mailbox: not held
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatal("a GET of the mailbox ran while its batch held every slot")
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

// TestMemo: identical GETs under one Memo are sent once, at the same time
// or later; errors Graph would repeat are kept, others are not; the budget
// bounds what is kept; a cancelled request does not fail those waiting.
func TestMemo(t *testing.T) {
	var hits sync.Map
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.RequestURI(), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		switch r.URL.Path {
		case "/v1.0/slow":
			<-gate
		case "/v1.0/missing":
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"ErrorItemNotFound","message":"no"}}`)
			return
		case "/v1.0/broken":
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"code":"generalException","message":"no"}}`)
			return
		case "/v1.0/paged":
			io.WriteString(w, `{"value":[1],"@odata.nextLink":"http://x/v1.0/paged?$skip=1"}`)
			return
		case "/v1.0/big":
			io.WriteString(w, `{"value":"`+strings.Repeat("x", 100)+`"}`)
			return
		}
		fmt.Fprintf(w, `{"path":%q,"h":%q}`, r.URL.Path, r.Header.Get("ConsistencyLevel"))
	}))
	defer srv.Close()
	count := func(uri string) int32 {
		n, ok := hits.Load(uri)
		if !ok {
			return 0
		}
		return n.(*atomic.Int32).Load()
	}
	c := New(Options{BaseURL: srv.URL + "/v1.0"})
	m := NewMemo(1000)
	var log Log
	ctx := WithLog(WithMemo(context.Background(), m), &log)

	// Later identical requests; different headers are different requests.
	for range 3 {
		if r, err := c.Get(ctx, "me", "/a", nil); err != nil || string(r.Body) != `{"path":"/v1.0/a","h":""}` {
			t.Fatalf("%s %v", r.Body, err)
		}
	}
	c.Get(ctx, "me", "/a", http.Header{"ConsistencyLevel": {"eventual"}})
	c.Get(ctx, "me", srv.URL+"/v1.0/a", nil) // the same URL, absolute
	if n := count("/v1.0/a"); n != 2 {
		t.Errorf("/a sent %d times, want 2 (one per header set)", n)
	}
	if log.Cached() != 3 || len(log.Records()) != 2 {
		t.Errorf("cached %d, records %d", log.Cached(), len(log.Records()))
	}

	// Errors: 404 kept, 500 not.
	for range 2 {
		_, err404 := c.Get(ctx, "me", "/missing", nil)
		_, err500 := c.Get(ctx, "me", "/broken", nil)
		if Status(err404) != 404 || Status(err500) != 500 {
			t.Fatalf("errors %v / %v", err404, err500)
		}
	}
	if count("/v1.0/missing") != 1 || count("/v1.0/broken") != 2 {
		t.Errorf("missing sent %d, broken %d; want 1 and 2", count("/v1.0/missing"), count("/v1.0/broken"))
	}

	// A page of a longer collection is not kept: a scan streams through.
	c.Get(ctx, "me", "/paged", nil)
	c.Get(ctx, "me", "/paged", nil)
	if n := count("/v1.0/paged"); n != 2 {
		t.Errorf("a page with a nextLink sent %d times, want 2", n)
	}

	// At the same time: one request.
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if r, err := c.Get(ctx, "me", "/slow", nil); err != nil || !strings.Contains(string(r.Body), "slow") {
				t.Errorf("slow: %v", err)
			}
		})
	}
	for count("/v1.0/slow") == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)
	close(gate)
	wg.Wait()
	if n := count("/v1.0/slow"); n != 1 {
		t.Errorf("/slow sent %d times at once, want 1", n)
	}

	// The budget: 1000 bytes; /big is 112.
	before := m.Size()
	for i := range 12 {
		c.Get(ctx, "me", fmt.Sprintf("/big?i=%d", i%12), nil)
	}
	if m.Size() > 1000 || m.Size() <= before {
		t.Errorf("kept %d bytes (budget 1000)", m.Size())
	}
	kept := (1000 - before) / 112
	c.Get(ctx, "me", "/big?i=0", nil)
	c.Get(ctx, "me", "/big?i=11", nil)
	if count("/v1.0/big?i=0") != 1 || count("/v1.0/big?i=11") != 2 {
		t.Errorf("after the budget (%d kept): i=0 sent %d, i=11 sent %d", kept, count("/v1.0/big?i=0"), count("/v1.0/big?i=11"))
	}

	// Reset forgets.
	m.Reset()
	c.Get(ctx, "me", "/a", nil)
	if n := count("/v1.0/a"); n != 3 {
		t.Errorf("after Reset /a sent %d times in all, want 3", n)
	}
}

// TestMemoCancelledOwner: when the request others wait for is cancelled
// (its scan ended), a waiter with a live context sends its own.
func TestMemoCancelledOwner(t *testing.T) {
	var n atomic.Int32
	first := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			close(first)
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL + "/v1.0"})
	ctx := WithMemo(context.Background(), NewMemo(1<<20))
	ownerCtx, cancel := context.WithCancel(ctx)
	ownerDone := make(chan error)
	go func() {
		_, err := c.Get(ownerCtx, "me", "/x", nil)
		ownerDone <- err
	}()
	<-first
	waiter := make(chan string)
	go func() {
		r, err := c.Get(ctx, "me", "/x", nil)
		if err != nil {
			waiter <- err.Error()
			return
		}
		waiter <- string(r.Body)
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-ownerDone; !errors.Is(err, context.Canceled) {
		t.Errorf("owner: %v", err)
	}
	if got := <-waiter; got != `{"ok":true}` {
		t.Errorf("waiter got %q", got)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
}

// TestBatchMemo: a batch skips requests the Memo has, and fills it.
func TestBatchMemo(t *testing.T) {
	s := newBatchServer(t, echo)
	c := s.client(Options{})
	var log Log
	ctx := WithLog(WithMemo(context.Background(), NewMemo(1<<20)), &log)
	if _, err := c.Get(ctx, "me", "/x/a", nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.Batch(ctx, "me", []BatchRequest{{Path: "/x/a"}, {Path: "/x/b"}, {Path: "/x/b"}, {Path: "/x/c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.posts) != 1 || len(s.posts[0]) != 2 {
		t.Fatalf("posts %+v", s.posts)
	}
	want := []string{`{"get":"/v1.0/x/a"}`, `{"url":"/x/b"}`, `{"url":"/x/b"}`, `{"url":"/x/c"}`}
	for i, r := range res {
		if r.Err != nil || string(r.Response.Body) != want[i] {
			t.Errorf("result %d: %s %v", i, r.Response.Body, r.Err)
		}
	}
	if r, _ := c.Get(ctx, "me", "/x/c", nil); string(r.Body) != `{"url":"/x/c"}` || len(s.gets) != 1 {
		t.Errorf("GET after the batch: %s, %d GETs sent", r.Body, len(s.gets))
	}
	if log.Cached() != 3 {
		t.Errorf("cached %d, want 3", log.Cached())
	}
}
