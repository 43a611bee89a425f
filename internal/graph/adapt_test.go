package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// fakeToken is a fixed access token of the fake tenant.
type fakeToken string

func (f fakeToken) AccessToken(context.Context) (string, error) { return string(f), nil }
func (f fakeToken) Reject(string)                               {}

// timeoutFirst fails its first n round trips with a timeout, as
// net/http does when a response's headers do not come in time.
type timeoutFirst struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (t *timeoutFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.n.Add(-1) >= 0 {
		return nil, fmt.Errorf("timeout awaiting response headers: %w", os.ErrDeadlineExceeded)
	}
	return t.next.RoundTrip(r)
}

// pageRequest is one request of a scan as the fake saw it: its $top and
// $skip ("" when absent) and status.
type pageRequest struct {
	top, skip string
	status    int
}

// TestAdaptivePages: an adapting Pager re-requests a page that failed with
// 504 or timed out at half its $top from the same position, grows back
// after successful pages, and yields exactly the rows of a fixed-size scan:
// the requests are pinned, $top by $top.
func TestAdaptivePages(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: 300})
	upn := tenant.Users[0].UserPrincipalName
	path := "/users/" + upn + "/messages?$select=id,body&$top=100"

	// The rows of a fixed-size scan, and the largest page of 50 and
	// smallest of 100 of a fixed scan at each size.
	ref := fakegraph.New(tenant)
	t.Cleanup(ref.Close)
	rc := New(Options{BaseURL: ref.GraphURL(), Tokens: fakeToken(ref.IssueAccessToken(upn))})
	want, err := collect(rc.Pages(context.Background(), upn, path, nil))
	if err != io.EOF || len(want) != 300 {
		t.Fatalf("fixed-size scan: %d rows, %v", len(want), err)
	}
	largest := func(top string) (lo, hi int) {
		ref.ResetRequests()
		if _, err := collect(rc.Pages(context.Background(), upn, strings.Replace(path, "$top=100", "$top="+top, 1), nil)); err != io.EOF {
			t.Fatal(err)
		}
		lo = 1 << 30
		for _, r := range ref.Requests() {
			lo, hi = min(lo, r.Bytes), max(hi, r.Bytes)
		}
		return lo, hi
	}
	_, hi50 := largest("50")
	lo100, _ := largest("100")
	if hi50 >= lo100 {
		t.Fatalf("the generated bodies do not separate pages of 50 (up to %d bytes) from pages of 100 (from %d)", hi50, lo100)
	}

	cases := []struct {
		name  string
		setup func(s *fakegraph.Server, tr *timeoutFirst)
		want  []pageRequest
		retry Retry
	}{
		{"one 504, then back to 100", func(s *fakegraph.Server, _ *timeoutFirst) { s.FailNext(1, 504, "") },
			[]pageRequest{{"100", "", 504}, {"50", "", 200}, {"50", "50", 200}, {"100", "100", 200}, {"100", "200", 200}}, Retry{}},
		{"one timeout, then back to 100", func(_ *fakegraph.Server, tr *timeoutFirst) { tr.n.Store(1) },
			// the timed-out request never reached the fake
			[]pageRequest{{"50", "", 200}, {"50", "50", 200}, {"100", "100", 200}, {"100", "200", 200}}, Retry{}},
		{"504 over a size: 100 fails, 50 holds, a retry of 100 waits longer", func(s *fakegraph.Server, _ *timeoutFirst) { s.SetMaxPageBytes(hi50) },
			[]pageRequest{{"100", "", 504}, {"50", "", 200}, {"50", "50", 200}, {"100", "100", 504},
				{"50", "100", 200}, {"50", "150", 200}, {"50", "200", 200}, {"50", "250", 200}}, Retry{}},
		{"504 on every size: shrinks to 1, then fails", func(s *fakegraph.Server, _ *timeoutFirst) { s.SetMaxPageBytes(10) },
			[]pageRequest{{"100", "", 504}, {"50", "", 504}, {"25", "", 504}, {"12", "", 504}, {"6", "", 504}, {"3", "", 504}, {"1", "", 504}}, Retry{}},
		{"RetryAny: a too-slow page is not retried as it is, but at $top=1 it is", func(s *fakegraph.Server, _ *timeoutFirst) { s.SetMaxPageBytes(10) },
			[]pageRequest{{"100", "", 504}, {"50", "", 504}, {"25", "", 504}, {"12", "", 504}, {"6", "", 504}, {"3", "", 504}, {"1", "", 504}, {"1", "", 504}, {"1", "", 504}},
			Retry{Mode: RetryAny, MaxRetries: 2, Wait: time.Millisecond}},
		{"RetryAny: one 504, then back to 100", func(s *fakegraph.Server, _ *timeoutFirst) { s.FailNext(1, 504, "") },
			[]pageRequest{{"100", "", 504}, {"50", "", 200}, {"50", "50", 200}, {"100", "100", 200}, {"100", "200", 200}},
			Retry{Mode: RetryAny, MaxRetries: 2, Wait: time.Millisecond}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fakegraph.New(tenant)
			t.Cleanup(s.Close)
			tr := &timeoutFirst{next: http.DefaultTransport}
			c.setup(s, tr)
			cl := New(Options{BaseURL: s.GraphURL(), Tokens: fakeToken(s.IssueAccessToken(upn)), HTTPClient: &http.Client{Transport: tr}, Retry: c.retry})
			p := cl.Pages(context.Background(), upn, path, nil).Adapt()
			got, err := collect(p)
			var reqs []pageRequest
			for _, r := range s.Requests() {
				reqs = append(reqs, pageRequest{r.Query.Get("$top"), r.Query.Get("$skip"), r.Status})
			}
			if !reflect.DeepEqual(reqs, c.want) {
				t.Errorf("requests ($top, $skip, status)\n%v\nwant\n%v", reqs, c.want)
			}
			if c.want[len(c.want)-1].status == 504 {
				if Status(err) != 504 || len(got) != 0 || !strings.Contains(err.Error(), "$top=1") {
					t.Errorf("after $top=1 failed: %d rows, %v; want 504 at $top=1", len(got), err)
				}
				return
			}
			if err != io.EOF || !reflect.DeepEqual(got, want) {
				t.Errorf("%d rows (%v), want the fixed-size scan's %d", len(got), err, len(want))
			}
		})
	}
}

// TestAdaptiveKeepsOtherFailures: only a page Graph was too slow to build
// is asked for again; a 400 or a 503 is the scan's error at once.
func TestAdaptiveKeepsOtherFailures(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: 30})
	upn := tenant.Users[0].UserPrincipalName
	for _, status := range []int{400, 503, 500} {
		s := fakegraph.New(tenant)
		s.FailNext(1, status, "")
		cl := New(Options{BaseURL: s.GraphURL(), Tokens: fakeToken(s.IssueAccessToken(upn))})
		_, err := collect(cl.Pages(context.Background(), upn, "/users/"+upn+"/messages?$select=id,body&$top=20", nil).Adapt())
		if Status(err) != status || len(s.Requests()) != 1 {
			t.Errorf("%d: error %v after %d requests, want that status after 1", status, err, len(s.Requests()))
		}
		s.Close()
	}
}

func TestTooSlow(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&Error{Status: 504}, true},
		{fmt.Errorf("graph: GET x: %w", &Error{Status: 504}), true},
		{&Error{Status: 503}, false},
		{fmt.Errorf("reading 200 response: %w", timeoutError("the response stalled")), true},
		{fmt.Errorf("no answer: %w", os.ErrDeadlineExceeded), true},
		{context.Canceled, false},
		{errors.New("connection reset"), false},
	}
	for _, c := range cases {
		if got := TooSlow(c.err); got != c.want {
			t.Errorf("TooSlow(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestWithTop(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/me/messages?$select=id&$top=100", "/me/messages?$select=id&$top=25"},
		{"https://g/v1.0/me/messages?%24top=100&$select=id,body&$skip=300", "https://g/v1.0/me/messages?%24top=25&$select=id,body&$skip=300"},
		{"https://g/v1.0/me/messages?$select=id&$skip=10", "https://g/v1.0/me/messages?$select=id&$skip=10&$top=25"},
		{"/me/messages", "/me/messages?$top=25"},
	}
	for _, c := range cases {
		if got := withTop(c.in, 25); got != c.want {
			t.Errorf("withTop(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := withoutTop("/m?$select=id&$top=5&$skip=10"); got != "/m?$select=id&$skip=10" {
		t.Errorf("withoutTop = %q", got)
	}
	if n, ok := topOf("/m?$select=id&%24top=7"); n != 7 || !ok {
		t.Errorf("topOf = %d %v", n, ok)
	}
}

// TestAdaptAfter: a collection whose first page already failed (fetched
// ahead) starts at half the size when Graph was too slow, and otherwise
// returns the failure without a request.
func TestAdaptAfter(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: 30})
	upn := tenant.Users[0].UserPrincipalName
	s := fakegraph.New(tenant)
	t.Cleanup(s.Close)
	cl := New(Options{BaseURL: s.GraphURL(), Tokens: fakeToken(s.IssueAccessToken(upn))})
	path := "/users/" + upn + "/messages?$select=id,body&$top=20"

	ids, err := collect(cl.Pages(context.Background(), upn, path, nil).AdaptAfter(&Error{Status: 504}))
	var tops []string
	for _, r := range s.Requests() {
		tops = append(tops, r.Query.Get("$top")+"/"+r.Query.Get("$skip"))
	}
	if err != io.EOF || len(ids) != 30 || !reflect.DeepEqual(tops, []string{"10/", "10/10", "20/20"}) {
		t.Errorf("after a 504: %d rows (%v), requests %q; want 30 rows from 10/, 10/10, 20/20", len(ids), err, tops)
	}

	s.ResetRequests()
	refused := &Error{Status: 400, Code: "BadRequest"}
	if _, err := collect(cl.Pages(context.Background(), upn, path, nil).AdaptAfter(refused)); err != refused || len(s.Requests()) != 0 {
		t.Errorf("after a 400: %v with %d requests; want the 400 and none", err, len(s.Requests()))
	}
}
