package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// step is one scripted answer of the test server.
type step struct {
	status int
	header map[string]string
	body   string
	reset  bool // hijack the connection and close it without answering
}

func ok(body string) step { return step{status: 200, body: body} }

func throttled(retryAfter string) step {
	h := map[string]string{}
	if retryAfter != "" {
		h["Retry-After"] = retryAfter
	}
	return step{status: 429, header: h, body: `{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"code":"429","message":"Please retry after","request-id":"r-429","status":"429"}}}`}
}

var (
	unavailable = step{status: 503, header: map[string]string{"Retry-After": "0.001"}, body: `{"error":{"code":"serviceNotAvailable","message":"Service unavailable."}}`}
	reset       = step{reset: true}
	badFilter   = step{status: 400, body: `{"error":{"code":"InefficientFilter","message":"The restriction or sort order is too complex for this operation.","innerError":{"request-id":"1234"}}}`}
	expired     = step{status: 401, header: map[string]string{"WWW-Authenticate": "Bearer"}, body: `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`}
)

// seen is a request as the server saw it.
type seen struct {
	URI    string
	Header http.Header
}

// scripted serves steps in order (the last repeats) and records requests.
type scripted struct {
	*httptest.Server
	mu    sync.Mutex
	steps []step
	reqs  []seen
}

func serve(t *testing.T, steps ...step) *scripted {
	t.Helper()
	s := &scripted{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, seen{URI: r.RequestURI, Header: r.Header.Clone()})
		st := s.steps[min(n, len(s.steps)-1)]
		s.mu.Unlock()
		if st.reset {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st.status)
		io.WriteString(w, strings.ReplaceAll(st.body, "{{base}}", s.URL+"/v1.0"))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *scripted) uris() []string {
	var u []string
	for _, r := range s.requests() {
		u = append(u, r.URI)
	}
	return u
}

// tokens hands out tok-1, tok-2, … : a new one after each Reject of the
// current one.
type tokens struct {
	mu       sync.Mutex
	n        int
	rejected []string
	err      error
}

func (k *tokens) AccessToken(context.Context) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return "", k.err
	}
	return fmt.Sprintf("tok-%d", k.n+1), nil
}

func (k *tokens) Reject(tok string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rejected = append(k.rejected, tok)
	if tok == fmt.Sprintf("tok-%d", k.n+1) {
		k.n++
	}
}

// client returns a Client on s. Keep-alives are off so the transport never
// replays a request on its own after a reset: every attempt is ours.
func client(s *scripted, o Options) *Client {
	o.BaseURL = s.URL + "/v1.0"
	o.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if o.Tokens == nil {
		o.Tokens = &tokens{}
	}
	if o.Retry.Wait == 0 {
		o.Retry.Wait = time.Millisecond
	}
	return New(o)
}

func TestGetHeaders(t *testing.T) {
	s := serve(t, ok(`{"id":"1"}`))
	c := client(s, Options{UserAgent: "outlooksql-test"})
	h := http.Header{"Prefer": {`IdType="ImmutableId", outlook.body-content-type="text"`, "odata.maxpagesize=50"}, "Consistencylevel": {"eventual"}}
	resp, err := c.Get(context.Background(), "me", "/me/messages?$top=1&$filter=isRead%20eq%20true", h)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != `{"id":"1"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("response = %d %q %v", resp.Status, resp.Body, resp.Header)
	}
	r := s.requests()[0]
	if r.URI != "/v1.0/me/messages?$top=1&$filter=isRead%20eq%20true" {
		t.Errorf("URI = %q", r.URI)
	}
	want := map[string][]string{
		"Authorization":    {"Bearer tok-1"},
		"Prefer":           {`IdType="ImmutableId", outlook.body-content-type="text", odata.maxpagesize=50`},
		"Accept":           {"application/json"},
		"User-Agent":       {"outlooksql-test"},
		"Consistencylevel": {"eventual"},
	}
	for k, v := range want {
		if got := r.Header.Values(k); !reflect.DeepEqual(got, v) {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if len(h.Values("Prefer")) != 2 {
		t.Errorf("caller's header was modified: %v", h)
	}
}

// TestDefaultPreferAndAgent: the client adds no Prefer of its own (the
// tables declare theirs), and its own User-Agent.
func TestDefaultPreferAndAgent(t *testing.T) {
	s := serve(t, ok(`{}`))
	c := client(s, Options{})
	if _, err := c.Get(context.Background(), "", "me", nil); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if r.URI != "/v1.0/me" || r.Header.Values("Prefer") != nil || r.Header.Get("User-Agent") != "outlooksql" {
		t.Errorf("got %q Prefer=%q UA=%q", r.URI, r.Header.Get("Prefer"), r.Header.Get("User-Agent"))
	}
}

func TestRetryModes(t *testing.T) {
	tests := []struct {
		name     string
		retry    Retry
		steps    []step
		statuses []int  // status of each attempt, 0 for a reset
		err      string // "" for success
	}{
		{"none/429", Retry{Mode: RetryNone, MaxRetries: 5}, []step{throttled("0.001"), ok(`{}`)},
			[]int{429}, "graph: GET /me/messages: 429 TooManyRequests: Please retry again later. (request-id r-429)"},
		{"none/reset", Retry{Mode: RetryNone, MaxRetries: 5}, []step{reset, ok(`{}`)},
			[]int{0}, "graph: GET /me/messages: no answer from Graph: EOF (RetryMode=RetryAny retries such failures)"},
		{"any/429 fractional", Retry{Mode: RetryAny, MaxRetries: 5}, []step{throttled("0.012"), ok(`{}`)},
			[]int{429, 200}, ""},
		{"any/503", Retry{Mode: RetryAny, MaxRetries: 5}, []step{unavailable, unavailable, ok(`{}`)},
			[]int{503, 503, 200}, ""},
		{"any/resets", Retry{Mode: RetryAny, MaxRetries: 5}, []step{reset, reset, ok(`{}`)},
			[]int{0, 0, 200}, ""},
		{"any/400 literally", Retry{Mode: RetryAny, MaxRetries: 5}, []step{badFilter, ok(`{}`)},
			[]int{400, 200}, ""},
		{"any/max 0", Retry{Mode: RetryAny}, []step{unavailable, ok(`{}`)},
			[]int{503}, "graph: GET /me/messages: 503 serviceNotAvailable: Service unavailable."},
		{"any/exhausted", Retry{Mode: RetryAny, MaxRetries: 2}, []step{throttled("")},
			[]int{429, 429, 429}, "graph: GET /me/messages: 429 TooManyRequests: Please retry again later. (request-id r-429; gave up after 3 attempts)"},
		{"any/resets exhausted", Retry{Mode: RetryAny, MaxRetries: 1}, []step{reset},
			[]int{0, 0}, "graph: GET /me/messages: no answer from Graph: EOF (gave up after 2 attempts)"},
		{"match/default 429 503", Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5}, []step{throttled("0.001"), unavailable, ok(`{}`)},
			[]int{429, 503, 200}, ""},
		{"match/500 not listed", Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5}, []step{{status: 500, body: `{"error":{"code":"UnknownError","message":""}}`}, ok(`{}`)},
			[]int{500}, "graph: GET /me/messages: 500 UnknownError"},
		{"match/reset not retried", Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5}, []step{reset, ok(`{}`)},
			[]int{0}, "graph: GET /me/messages: no answer from Graph: EOF (RetryMode=RetryAny retries such failures)"},
		{"match/400 not retried", Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 5}, []step{badFilter, ok(`{}`)},
			[]int{400}, "graph: GET /me/messages: 400 InefficientFilter: The restriction or sort order is too complex for this operation. (request-id 1234)"},
		{"match/custom list", Retry{Mode: RetryWhenStatusCodeMatch, StatusCodes: []int{500, 504}, MaxRetries: 5}, []step{{status: 504, body: "gateway"}, {status: 500}, ok(`{}`)},
			[]int{504, 500, 200}, ""},
		{"match/custom list excludes 429", Retry{Mode: RetryWhenStatusCodeMatch, StatusCodes: []int{500}, MaxRetries: 5}, []step{throttled("0.001"), ok(`{}`)},
			[]int{429}, "graph: GET /me/messages: 429 TooManyRequests: Please retry again later. (request-id r-429)"},
		{"match/exhausted", Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 3, Multiply: true}, []step{unavailable},
			[]int{503, 503, 503, 503}, "graph: GET /me/messages: 503 serviceNotAvailable: Service unavailable. (gave up after 4 attempts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			c := client(s, Options{Retry: tt.retry})
			var log Log
			resp, err := c.Get(WithLog(context.Background(), &log), "me", "/me/messages", nil)
			var got []int
			for _, r := range log.Records() {
				got = append(got, r.Status)
			}
			if !reflect.DeepEqual(got, tt.statuses) {
				t.Errorf("attempt statuses = %v, want %v", got, tt.statuses)
			}
			if len(s.requests()) != len(tt.statuses) {
				t.Errorf("server saw %d requests, want %d", len(s.requests()), len(tt.statuses))
			}
			if tt.err == "" {
				if err != nil || resp.Status != 200 {
					t.Fatalf("Get = %v, %v; want 200", resp, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Get succeeded, want %q", tt.err)
			}
			msg := err.Error()
			if strings.HasSuffix(tt.err, "EOF") || strings.Contains(tt.err, "EOF (") {
				// A reset surfaces as EOF or "connection reset by peer" depending on timing.
				msg = strings.Replace(msg, "read: connection reset by peer", "EOF", 1)
			}
			if msg != tt.err {
				t.Errorf("error = %q\n         want %q", err, tt.err)
			}
			if st := tt.statuses[len(tt.statuses)-1]; st != 0 {
				if Status(err) != st || resp == nil || resp.Status != st {
					t.Errorf("Status(err) = %d, resp = %v; want %d", Status(err), resp, st)
				}
			}
		})
	}
}

func TestWaits(t *testing.T) {
	tests := []struct {
		name  string
		retry Retry
		steps []step
		waits []time.Duration // wait before each attempt; jitter tolerated up to +10%
	}{
		{"retry-after wins over backoff", Retry{Mode: RetryAny, MaxRetries: 3, Wait: 10 * time.Second},
			[]step{throttled("0.02"), ok(`{}`)}, []time.Duration{0, 20 * time.Millisecond}},
		{"retry-after not capped", Retry{Mode: RetryAny, MaxRetries: 3, MaxWait: time.Millisecond},
			[]step{throttled("0.015"), ok(`{}`)}, []time.Duration{0, 15 * time.Millisecond}},
		{"multiply, capped", Retry{Mode: RetryAny, MaxRetries: 4, Multiply: true, Wait: 5 * time.Millisecond, MaxWait: 15 * time.Millisecond},
			[]step{throttled(""), throttled(""), throttled(""), ok(`{}`)},
			[]time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 15 * time.Millisecond}},
		{"constant", Retry{Mode: RetryAny, MaxRetries: 4, Wait: 5 * time.Millisecond},
			[]step{reset, reset, ok(`{}`)}, []time.Duration{0, 5 * time.Millisecond, 5 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			c := client(s, Options{Retry: tt.retry})
			var log Log
			start := time.Now()
			if _, err := c.Get(WithLog(context.Background(), &log), "", "/me", nil); err != nil {
				t.Fatal(err)
			}
			var total time.Duration
			recs := log.Records()
			if len(recs) != len(tt.waits) {
				t.Fatalf("%d attempts, want %d", len(recs), len(tt.waits))
			}
			for i, r := range recs {
				if r.Wait < tt.waits[i] || r.Wait > tt.waits[i]+tt.waits[i]/10 {
					t.Errorf("attempt %d waited %v, want %v (+10%%)", i+1, r.Wait, tt.waits[i])
				}
				total += r.Wait
			}
			if el := time.Since(start); el < total || el > total+2*time.Second {
				t.Errorf("took %v for %v of waits", el, total)
			}
		})
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"2.128", 2128 * time.Millisecond, true},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"-5", 0, false},
		{"NaN", 0, false},
		{"99999999999999999999999", math.MaxInt64, true},
		{"1e300", math.MaxInt64, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Fri, 02 Jan 2026 03:04:00 GMT", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Retry-After", tt.v)
		}
		d, ok := retryAfter(h, now)
		if d != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.v, d, ok, tt.want, tt.ok)
		}
	}
}

func TestRejectedToken(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		err      string
		auth     []string
		rejected []string
	}{
		{"refresh once then success", []step{expired, ok(`{}`)}, "",
			[]string{"Bearer tok-1", "Bearer tok-2"}, []string{"tok-1"}},
		{"second 401 fails", []step{expired, expired, ok(`{}`)},
			"graph: GET /me: 401 InvalidAuthenticationToken: Access token has expired or is not yet valid. (gave up after 2 attempts)",
			[]string{"Bearer tok-1", "Bearer tok-2"}, []string{"tok-1"}},
		{"401 without body", []step{{status: 401}, ok(`{}`)}, "",
			[]string{"Bearer tok-1", "Bearer tok-2"}, []string{"tok-1"}},
		{"403 is not a token problem", []step{{status: 403, body: `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`}, ok(`{}`)},
			"graph: GET /me: 403 ErrorAccessDenied: Access is denied. Check credentials and try again.",
			[]string{"Bearer tok-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			k := &tokens{}
			c := client(s, Options{Tokens: k, Retry: Retry{Mode: RetryNone}})
			_, err := c.Get(context.Background(), "", "/me", nil)
			if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
				t.Errorf("error = %v, want %q", err, tt.err)
			}
			var auth []string
			for _, r := range s.requests() {
				auth = append(auth, r.Header.Get("Authorization"))
			}
			if !reflect.DeepEqual(auth, tt.auth) || !reflect.DeepEqual(k.rejected, tt.rejected) {
				t.Errorf("Authorization = %q, rejected = %q; want %q, %q", auth, k.rejected, tt.auth, tt.rejected)
			}
		})
	}
}

func TestTokenErrorNotRetried(t *testing.T) {
	s := serve(t, ok(`{}`))
	c := client(s, Options{Tokens: &tokens{err: errors.New(`auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login" to sign in again`)},
		Retry: Retry{Mode: RetryAny, MaxRetries: 5}})
	_, err := c.Get(context.Background(), "me", "/me", nil)
	want := `graph: GET /me: auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login" to sign in again`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCancelDuringWait(t *testing.T) {
	s := serve(t, throttled("30"))
	c := client(s, Options{Retry: Retry{Mode: RetryAny, MaxRetries: 5}})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Get(ctx, "me", "/me", nil)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "graph: GET /me: context canceled") {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("cancel took %v", el)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCancelDuringRequest(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c := New(Options{BaseURL: srv.URL, Retry: Retry{Mode: RetryAny, MaxRetries: 5, Wait: time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var log Log
	_, err := c.Get(WithLog(ctx, &log), "", "/me", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want DeadlineExceeded", err)
	}
	if n := len(log.Records()); n != 1 {
		t.Errorf("%d attempts, want 1 (no retry after cancellation)", n)
	}
}

func TestConcurrencyPerMailbox(t *testing.T) {
	for _, limit := range []int{0, 2} {
		want := limit
		if want == 0 {
			want = 4
		}
		t.Run(fmt.Sprint(want), func(t *testing.T) {
			var mu sync.Mutex
			in, peak := map[string]int{}, map[string]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				box := strings.Split(r.URL.Path, "/")[2]
				mu.Lock()
				in[box]++
				peak[box] = max(peak[box], in[box])
				mu.Unlock()
				time.Sleep(15 * time.Millisecond)
				mu.Lock()
				in[box]--
				mu.Unlock()
				io.WriteString(w, `{}`)
			}))
			defer srv.Close()
			c := New(Options{BaseURL: srv.URL, MaxPerMailbox: limit})
			var wg sync.WaitGroup
			for i := range 24 {
				box := []string{"alice", "Alice", "bob"}[i%3] // keys are case-insensitive
				wg.Go(func() {
					if _, err := c.Get(context.Background(), box, "/users/"+strings.ToLower(box)+"/messages", nil); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if !reflect.DeepEqual(peak, map[string]int{"alice": want, "bob": want}) {
				t.Errorf("peak in-flight = %v, want %d each", peak, want)
			}
			if n := c.mailboxes(); n != 0 {
				t.Errorf("%d mailboxes keep a box after every request ended, want 0", n)
			}
		})
	}
}

func TestNoLimitWithoutMailbox(t *testing.T) {
	var in, peak atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := in.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == 8 {
			close(release)
		}
		<-release
		in.Add(-1)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Get(context.Background(), "", "/x", nil) })
	}
	wg.Wait()
	if peak.Load() != 8 {
		t.Errorf("peak = %d, want 8", peak.Load())
	}
}

func TestURLs(t *testing.T) {
	s := serve(t, ok(`{}`))
	tests := []struct {
		path string
		uri  string // "" when refused
		err  string
	}{
		{"/me", "/v1.0/me", ""},
		{"users/a%40b.com/messages?$skip=10", "/v1.0/users/a%40b.com/messages?$skip=10", ""},
		{s.URL + "/v1.0/me/messages?$skip=13&$top=5", "/v1.0/me/messages?$skip=13&$top=5", ""},
		{"https://evil.example.com/v1.0/me", "", `graph: refusing to send the access token to https://evil.example.com: the URL "https://evil.example.com/v1.0/me" is not on BaseUrl ` + s.URL + "/v1.0"},
	}
	c := client(s, Options{})
	c2 := New(Options{BaseURL: s.URL + "/v1.0/", HTTPClient: &http.Client{}}) // trailing slash tolerated
	for _, tt := range tests {
		for _, c := range []*Client{c, c2} {
			before := len(s.requests())
			_, err := c.Get(context.Background(), "", tt.path, nil)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("Get(%q) error = %v, want %q", tt.path, err, tt.err)
				}
				continue
			}
			if err != nil {
				t.Errorf("Get(%q): %v", tt.path, err)
				continue
			}
			if got := s.uris()[before]; got != tt.uri {
				t.Errorf("Get(%q) sent %q, want %q", tt.path, got, tt.uri)
			}
		}
	}
	bad := New(Options{BaseURL: "graph.microsoft.com"})
	if _, err := bad.Get(context.Background(), "", "/me", nil); err == nil || !strings.Contains(err.Error(), `BaseUrl "graph.microsoft.com" is not an absolute URL`) {
		t.Errorf("bad BaseUrl error = %v", err)
	}
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name string
		step step
		want Error
		msg  string
	}{
		{"innerError request-id", badFilter,
			Error{Status: 400, Code: "InefficientFilter", Message: "The restriction or sort order is too complex for this operation.", RequestID: "1234", Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 400 InefficientFilter: The restriction or sort order is too complex for this operation. (request-id 1234)"},
		{"request-id header, no innerError",
			step{status: 404, header: map[string]string{"request-id": "hdr-1"}, body: `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`},
			Error{Status: 404, Code: "ErrorItemNotFound", Message: "The specified object was not found in the store.", RequestID: "hdr-1", Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 404 ErrorItemNotFound: The specified object was not found in the store. (request-id hdr-1)"},
		{"older requestId",
			step{status: 400, body: `{"error":{"code":"BadRequest","message":"/me request is only valid with delegated authentication flow.","innerError":{"requestId":"old-1","date":"2023-02-20T05:06:48"}}}`},
			Error{Status: 400, Code: "BadRequest", Message: "/me request is only valid with delegated authentication flow.", RequestID: "old-1", Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 400 BadRequest: /me request is only valid with delegated authentication flow. (request-id old-1)"},
		{"HTML body",
			step{status: 502, header: map[string]string{"client-request-id": "c-9"}, body: "<html><body>Bad Gateway</body></html>\n<p>more</p>"},
			Error{Status: 502, Message: "<html><body>Bad Gateway</body></html>", RequestID: "c-9", Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 502 Bad Gateway: <html><body>Bad Gateway</body></html> (request-id c-9)"},
		{"empty body", step{status: 504},
			Error{Status: 504, Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 504 Gateway Timeout"},
		{"long body truncated", step{status: 500, body: strings.Repeat("é", 150)},
			Error{Status: 500, Message: strings.Repeat("é", 150), Method: "GET", URL: "/me/messages?$orderby=subject", Attempts: 1},
			"graph: GET /me/messages?$orderby=subject: 500 Internal Server Error: " + strings.Repeat("é", 100) + "… (300 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.step)
			c := client(s, Options{})
			_, err := c.Get(context.Background(), "", "/me/messages?$orderby=subject", nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not *Error", err)
			}
			if *e != tt.want {
				t.Errorf("Error = %+v\n         want %+v", *e, tt.want)
			}
			if err.Error() != tt.msg {
				t.Errorf("message = %q\n           want %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "tok-") {
				t.Error("token in error message")
			}
		})
	}
	if Code(fmt.Errorf("wrapped: %w", &Error{Code: "X"})) != "X" || Code(io.EOF) != "" || Status(io.EOF) != 0 {
		t.Error("Code/Status helpers")
	}
}

func TestLogAndStats(t *testing.T) {
	s := serve(t, throttled("0.005"), reset, ok(`{"value":[]}`))
	c := client(s, Options{Retry: Retry{Mode: RetryAny, MaxRetries: 5, Wait: 3 * time.Millisecond}})
	var log Log
	ctx := WithLog(context.Background(), &log)
	if _, err := c.Get(ctx, "me", "/me/messages", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "me", "/me", nil); err != nil { // not logged
		t.Fatal(err)
	}
	recs := log.Records()
	if len(recs) != 3 {
		t.Fatalf("records = %+v", recs)
	}
	u := s.URL + "/v1.0/me/messages"
	throttleBody := int64(len(throttled("").body))
	for i, r := range recs {
		if r.Duration <= 0 {
			t.Errorf("record %d has no duration", i)
		}
		recs[i].Duration = 0
	}
	if recs[2].Wait < 3*time.Millisecond || recs[2].Wait > 4*time.Millisecond {
		t.Errorf("backoff wait = %v", recs[2].Wait)
	}
	recs[2].Wait = 0
	if !strings.Contains(recs[1].Err, "EOF") && !strings.Contains(recs[1].Err, "reset") {
		t.Errorf("reset recorded as %q", recs[1].Err)
	}
	recs[1].Err = ""
	want := []Record{
		{Method: "GET", URL: u, Status: 429, Bytes: throttleBody, Attempt: 1, Err: "TooManyRequests"},
		{Method: "GET", URL: u, Attempt: 2, Wait: 5 * time.Millisecond},
		{Method: "GET", URL: u, Status: 200, Bytes: 12, Attempt: 3},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("records =\n%+v\nwant\n%+v", recs, want)
	}
	if st := c.Stats(); st != (Stats{Requests: 4, Bytes: throttleBody + 12*2, Retries: 2}) {
		t.Errorf("stats = %+v", st)
	}
	log.Reset()
	if len(log.Records()) != 0 {
		t.Error("Reset kept records")
	}
}
