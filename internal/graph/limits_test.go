package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// TestRetryAfterCap: a Retry-After longer than MaxRetryAfter fails at once,
// with one attempt sent, naming the wait asked and the key that raises the
// cap; a shorter one is waited for.
func TestRetryAfterCap(t *testing.T) {
	tests := []struct {
		name    string
		max     time.Duration
		steps   []step
		reqs    int
		wantErr []string // parts of the error; nil means success
	}{
		{"an hour, default cap", 0, []step{throttled("3600"), ok(`{}`)}, 1,
			[]string{"graph: GET /me: 429 TooManyRequests", "Graph asked to wait 1h0m0s before a retry (Retry-After), longer than the 1m0s allowed (connection key RetryWaitMax, in seconds): raise RetryWaitMax"}},
		{"an HTTP date, default cap", 0, []step{throttled(time.Now().Add(3*time.Hour + 30*time.Minute).UTC().Format(http.TimeFormat)), ok(`{}`)}, 1,
			[]string{"Graph asked to wait 3h", "connection key RetryWaitMax"}},
		{"over a small cap", 10 * time.Millisecond, []step{throttled("0.5"), ok(`{}`)}, 1,
			[]string{"Graph asked to wait 500ms before a retry (Retry-After), longer than the 10ms allowed (connection key RetryWaitMax"}},
		{"503 over the cap", 10 * time.Millisecond, []step{{status: 503, header: map[string]string{"Retry-After": "120"}, body: `{"error":{"code":"serviceNotAvailable","message":"Service unavailable."}}`}, ok(`{}`)}, 1,
			[]string{"503 serviceNotAvailable", "Graph asked to wait 2m0s"}},
		{"under the cap", 100 * time.Millisecond, []step{throttled("0.01"), ok(`{}`)}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			c := client(s, Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5, MaxRetryAfter: tt.max}})
			start := time.Now()
			resp, err := c.Get(context.Background(), "me", "/me", nil)
			if el := time.Since(start); el > 30*time.Second {
				t.Errorf("took %v", el)
			}
			if n := len(s.requests()); n != tt.reqs {
				t.Errorf("%d requests, want %d", n, tt.reqs)
			}
			if tt.wantErr == nil {
				if err != nil || resp.Status != 200 {
					t.Fatalf("got %v, %v", resp, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, part := range tt.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q\nlacks %q", err, part)
				}
			}
			var le *LimitError
			if !errors.As(err, &le) || le.Key != "RetryWaitMax" || Status(err) == 0 {
				t.Errorf("error %v: LimitError %v, status %d", err, le, Status(err))
			}
		})
	}
}

// TestBatchRetryAfterCap: an inner 429 of a $batch asking for more than the
// cap fails the batch at once.
func TestBatchRetryAfterCap(t *testing.T) {
	s := serve(t, ok(`{"responses":[{"id":"1","status":200,"body":{"id":"a"}},{"id":"2","status":429,"headers":{"Retry-After":"7200"},"body":{"error":{"code":"TooManyRequests","message":"Please retry again later."}}}]}`))
	c := client(s, Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5}})
	_, err := c.Batch(context.Background(), "me", []BatchRequest{{Path: "/me/messages/a"}, {Path: "/me/messages/b"}})
	if err == nil || !strings.Contains(err.Error(), "Graph asked to wait 2h0m0s before a retry (Retry-After), longer than the 1m0s allowed (connection key RetryWaitMax") {
		t.Errorf("error = %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// trickle serves a Graph page that starts, then sends chunk spaces every
// tick and never ends (chunk 0: nothing more after the start).
func trickle(t *testing.T, tick time.Duration, chunk int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		io.WriteString(w, `{"value":[`)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(tick):
			}
			if chunk == 0 {
				continue
			}
			if _, err := io.WriteString(w, strings.Repeat(" ", chunk)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestStalledBody: a body that trickles (a byte every 2 ms: far below
// StallBytes per window), goes silent after the headers, or delivers just
// over StallBytes per window but never ends, ends in an error that says
// so, instead of never.
func TestStalledBody(t *testing.T) {
	const prefix = "graph: GET /me/messages: no answer from Graph: reading 200 response: "
	for _, tt := range []struct {
		name         string
		tick         time.Duration
		chunk        int
		stall, whole time.Duration
		want         string
	}{
		{"trickling", 2 * time.Millisecond, 1, 100 * time.Millisecond, 0,
			"the response stalled: fewer than 1024 bytes arrived in 100ms"},
		{"silent", 2 * time.Millisecond, 0, 100 * time.Millisecond, 0,
			"the response stalled: fewer than 1024 bytes arrived in 100ms"},
		{"steady but endless", 10 * time.Millisecond, 2 * StallBytes, time.Second, 300 * time.Millisecond,
			"the response did not end within 300ms of its headers: the connection trickles"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := trickle(t, tt.tick, tt.chunk)
			c := New(Options{BaseURL: srv.URL, StallTimeout: tt.stall, ResponseTimeout: tt.whole})
			done := make(chan error, 1)
			go func() {
				_, err := c.Get(context.Background(), "", "/me/messages", nil)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.HasPrefix(err.Error(), prefix+tt.want) {
					t.Errorf("error = %v\nwant %s", err, prefix+tt.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the read never ended")
			}
		})
	}
}

// TestSlowButSteadyBody: a body that arrives in chunks above StallBytes per
// window is read whole.
func TestSlowButSteadyBody(t *testing.T) {
	chunk := `{"id":"` + strings.Repeat("x", 2000) + `"},`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		io.WriteString(w, `{"value":[`)
		for range 5 {
			io.WriteString(w, chunk)
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
		io.WriteString(w, `{"id":"y"}]}`)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL, StallTimeout: 5 * time.Second})
	resp, err := c.Get(context.Background(), "", "/me/messages", nil)
	if err != nil || len(resp.Body) != len(`{"value":[`)+5*len(chunk)+len(`{"id":"y"}]}`) {
		t.Fatalf("got %v, %v", resp, err)
	}
}

// TestMaxResponseBytes: a response over the cap is an error naming the key,
// not retried; an attachment's bytes ($value) are exempt.
func TestMaxResponseBytes(t *testing.T) {
	big := `{"value":[{"id":"` + strings.Repeat("x", 5000) + `"}]}`
	s := serve(t, ok(big))
	c := client(s, Options{MaxResponseBytes: 4096, Retry: Retry{Mode: RetryAny, MaxRetries: 3}})
	_, err := c.Get(context.Background(), "me", "/me/messages", nil)
	want := "graph: GET /me/messages: the response is larger than 4096 bytes (connection key MaxResponseBytes): raise MaxResponseBytes, or select fewer columns"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
	var le *LimitError
	if !errors.As(err, &le) || le.Key != "MaxResponseBytes" {
		t.Errorf("not a LimitError: %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
	resp, err := c.Get(context.Background(), "me", "/me/messages/m1/attachments/a1/$value", nil)
	if err != nil || len(resp.Body) != len(big) {
		t.Errorf("$value: %v, %v", resp, err)
	}
	resp, err = c.Get(context.Background(), "me", "/me/messages?$top=1", nil)
	if err == nil {
		t.Errorf("a page over the cap passed: %d bytes", len(resp.Body))
	}
	// At the cap exactly, the page is read.
	c = client(s, Options{MaxResponseBytes: int64(len(big))})
	if _, err := c.Get(context.Background(), "me", "/me/messages", nil); err != nil {
		t.Errorf("at the cap: %v", err)
	}
}

// TestBudget: requests under a Budget stop at its limit, with an error
// naming MaxRequests; memo hits cost nothing; retries cost one each.
func TestBudget(t *testing.T) {
	s := serve(t, ok(`{"id":"x"}`))
	c := client(s, Options{})
	b := NewBudget(3)
	ctx := WithBudget(context.Background(), b)
	for i := range 3 {
		if _, err := c.Get(ctx, "me", fmt.Sprintf("/me/messages/%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Get(ctx, "me", "/me/messages/3", nil)
	want := "graph: GET /me/messages/3: the statement reached its limit of 3 requests to Graph (connection key MaxRequests): raise MaxRequests"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v\nwant %s", err, want)
	}
	if n := len(s.requests()); n != 3 || b.Used() != 3 {
		t.Errorf("%d requests sent, %d used; want 3", n, b.Used())
	}
	// A Batch is refused too.
	if _, err := c.Batch(ctx, "me", []BatchRequest{{Path: "/me/messages/4"}, {Path: "/me/messages/5"}}); err == nil || !strings.Contains(err.Error(), "connection key MaxRequests") {
		t.Errorf("batch: %v", err)
	}

	// Memo hits are free; retries are not.
	s = serve(t, throttled("0.001"), ok(`{"id":"x"}`))
	c = client(s, Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 3}})
	b = NewBudget(10)
	ctx = WithMemo(WithBudget(context.Background(), b), NewMemo(1<<20))
	for range 5 {
		if _, err := c.Get(ctx, "me", "/me/messages/a", nil); err != nil {
			t.Fatal(err)
		}
	}
	if b.Used() != 2 {
		t.Errorf("used %d, want 2 (an attempt and its retry; the repeats were memo hits)", b.Used())
	}
}

// TestPagerLoops: a nextLink cycle (A→B→A) and a nextLink to the page
// itself end with an error after the rows read; so does a run of empty
// pages with nextLinks that reaches MaxEmptyPages, while a shorter run is
// followed to the rows after it.
func TestPagerLoops(t *testing.T) {
	empty := func(n int) step {
		return ok(fmt.Sprintf(`{"value":[],"@odata.nextLink":"{{base}}/me/messages?$skip=%d"}`, n))
	}
	var endless []step
	for i := 1; i <= 10; i++ {
		endless = append(endless, empty(i))
	}
	short := append([]step{}, endless[:3]...)
	short = append(short, ok(`{"value":[{"id":"z"}]}`))
	tests := []struct {
		name    string
		steps   []step
		ids     []string
		reqs    int
		wantErr string // "" means io.EOF
	}{
		{"A→B→A", []step{
			ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages?$skip=1"}`),
			ok(`{"value":[{"id":"b"}],"@odata.nextLink":"{{base}}/me/messages?$top=1"}`),
		}, []string{"a", "b"}, 2,
			"graph: GET /me/messages?$skip=1: the @odata.nextLink of page 2 points back to page 1 (/me/messages?$top=1); stopping: the server's paging loops"},
		{"A→A", []step{
			ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages?$top=1"}`),
		}, []string{"a"}, 1,
			"graph: GET /me/messages?$top=1: the @odata.nextLink of page 1 points to the same page (/me/messages?$top=1); stopping: the server's paging loops"},
		{"endless empty pages", endless, nil, 4,
			"graph: GET /me/messages?$skip=3: 4 pages in a row were empty yet had an @odata.nextLink (page 4); stopping: the server's paging does not end"},
		{"a few empty pages", short, []string{"z"}, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			c := client(s, Options{MaxEmptyPages: 4})
			ids, err := collect(c.Pages(context.Background(), "me", "/me/messages?$top=1", nil))
			if !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			if n := len(s.requests()); n != tt.reqs {
				t.Errorf("%d requests, want %d", n, tt.reqs)
			}
			if tt.wantErr == "" {
				if err != io.EOF {
					t.Errorf("end = %v, want io.EOF", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error = %v\nwant    %s", err, tt.wantErr)
			}
		})
	}
}

// TestMemoKeepsRepeatedPages: the pages of a collection longer than one
// page are kept from their second request, so a scan repeated N times (the
// inner scan of a nested-loop join) costs two fetches of each page, not N.
func TestMemoKeepsRepeatedPages(t *testing.T) {
	s := serve(t,
		ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages?$skip=1"}`),
		ok(`{"value":[{"id":"b"}]}`),
	)
	// The scripted server answers in order, whatever the URL: serve the
	// two pages by URL instead.
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{URI: r.RequestURI})
		s.mu.Unlock()
		if strings.Contains(r.RequestURI, "skip") {
			io.WriteString(w, `{"value":[{"id":"b"}]}`)
			return
		}
		io.WriteString(w, strings.ReplaceAll(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages?$skip=1"}`, "{{base}}", s.URL+"/v1.0"))
	})
	c := client(s, Options{})
	ctx := WithMemo(context.Background(), NewMemo(1<<20))
	for i := range 5 {
		ids, err := collect(c.Pages(ctx, "me", "/me/messages?$top=1", nil))
		if err != io.EOF || !reflect.DeepEqual(ids, []string{"a", "b"}) {
			t.Fatalf("scan %d: %v, %v", i+1, ids, err)
		}
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("%d requests for 5 scans of 2 pages, want 3 (page 1 twice, then kept; page 2 a whole result kept at once): %q", n, s.uris())
	}
}

// TestPagerCycleByURL: a server that answers by URL, page A linking to B
// and B back to A, is stopped after B; before, the first page's relative
// path never matched an absolute nextLink and the scan paged forever.
func TestPagerCycleByURL(t *testing.T) {
	s := serve(t, ok(`{}`))
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{URI: r.RequestURI})
		s.mu.Unlock()
		base := s.URL + "/v1.0"
		if r.URL.Query().Has("$skip") {
			io.WriteString(w, `{"value":[{"id":"b"}],"@odata.nextLink":"`+base+`/me/messages?$top=1"}`)
			return
		}
		io.WriteString(w, `{"value":[{"id":"a"}],"@odata.nextLink":"`+base+`/me/messages?$skip=1"}`)
	})
	c := client(s, Options{})
	p := c.Pages(context.Background(), "me", "/me/messages?$top=1", nil)
	var ids []string
	var err error
	for range 100 {
		var v gjson.Result
		if v, err = p.Next(); err != nil {
			break
		}
		for _, m := range v.Array() {
			ids = append(ids, m.Get("id").String())
		}
	}
	want := "graph: GET /me/messages?$skip=1: the @odata.nextLink of page 2 points back to page 1 (/me/messages?$top=1); stopping: the server's paging loops"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
	if !reflect.DeepEqual(ids, []string{"a", "b"}) || len(s.requests()) != 2 {
		t.Errorf("ids %v after %d requests, want [a b] after 2", ids, len(s.requests()))
	}
}

// TestMailboxBoxesBounded: a client keeps request slots only for mailboxes
// in use: one held, or waited for, stays; the others go when their request
// ends, however many mailboxes a long-lived client reads.
func TestMailboxBoxesBounded(t *testing.T) {
	c := New(Options{BaseURL: "http://127.0.0.1:1", MaxPerMailbox: 1})
	ctx := context.Background()
	held, err := c.acquire(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		release, err := c.acquireN(ctx, fmt.Sprint("user", i), 2)
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	// A waiter that gives up (its context ends) leaves nothing behind.
	wctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.acquire(wctx, "alice"); err == nil {
		t.Fatal("a second slot of a mailbox limited to 1 was given")
	}
	if n := c.mailboxes(); n != 1 {
		t.Errorf("%d mailboxes keep a box, want 1 (alice's, held)", n)
	}
	held()
	if n := c.mailboxes(); n != 0 {
		t.Errorf("%d mailboxes keep a box after the last release, want 0", n)
	}
}
