package driver_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// requestID matches the note Graph errors end with: Graph's request-id, a GUID.
const requestID = `\(request-id [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)`

// run runs q on the env's connection under ctx and returns the rows read
// before the first error (from the query or from the rows), and that error.
func (e *env) run(ctx context.Context, q string, args ...any) ([][]string, error) {
	rows, err := e.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return readRows(rows)
}

// fakeStatuses returns the status of each Graph request the fake served
// since the last reset (0 for a dropped connection).
func (e *env) fakeStatuses() []int {
	var out []int
	for _, r := range e.Server.Requests() {
		out = append(out, r.Status)
	}
	return out
}

// clientLog returns the Graph attempts the driver recorded for the last
// statement on the env's connection.
func (e *env) clientLog(t testing.TB) []driver.Request {
	t.Helper()
	recs, err := driver.Requests(e.conn)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// clientStatuses returns the status of each attempt in the driver's log.
func clientStatuses(recs []driver.Request) []int {
	var out []int
	for _, r := range recs {
		out = append(out, r.Status)
	}
	return out
}

// ids returns the oracle's message ids of the env's signed-in user, sorted.
func (e *env) ids(t testing.TB) [][]string {
	t.Helper()
	want := oracle(t, e.Tenant, "messages", e.User, []string{"id"})
	if len(want) <= 1000 {
		t.Fatalf("the mailbox has %d messages: one page, the test would prove nothing", len(want))
	}
	return sorted(want)
}

// matchErr checks err's whole text against the regular expression re.
func matchErr(t testing.TB, what string, err error, re string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one matching %s", what, re)
		return
	}
	if !regexp.MustCompile(re).MatchString(err.Error()) {
		t.Errorf("%s: error\n %s\ndoes not match\n %s", what, err, re)
	}
}

// The faults a test can inject, each with the text Graph's answer gives in
// an error (after "GET <url>: ").
type fault struct {
	name   string
	inject func(s *fakegraph.Server, n int) // fail the next n Graph requests
	status int                              // the fake's status of a failed request; 0: dropped
	text   string                           // regexp of the error's tail
}

var (
	throttled = fault{"429", func(s *fakegraph.Server, n int) { s.FailNext(n, 429, "0.01") }, 429,
		regexp.QuoteMeta("429 TooManyRequests: Please retry again later.") + " " + requestID}
	unavailable = fault{"503", func(s *fakegraph.Server, n int) { s.FailNext(n, 503, "") }, 503,
		regexp.QuoteMeta("503 serviceNotAvailable: The service is temporarily unavailable. Please retry later.") + " " + requestID}
	serverError = fault{"500", func(s *fakegraph.Server, n int) { s.FailNext(n, 500, "") }, 500,
		regexp.QuoteMeta("500 generalException: An unspecified error has occurred.") + " " + requestID}
	// A dropped connection reads as EOF, or as a reset, depending on timing;
	// outside RetryAny the message says how to have it retried.
	dropped = fault{"drop", func(s *fakegraph.Server, n int) { s.DropNext(n) }, 0,
		`no answer from Graph: (EOF|read tcp \S+: read: connection reset by peer)( \(RetryMode=RetryAny retries such failures\))?`}
)

// firstPage is the URL of the first page of "SELECT id FROM messages", as
// errors show it, with ParallelScans=1; countedPage is the same with
// ParallelScans > 1, which asks for the count by which a long listing is
// split.
const (
	firstPage   = "GET /me/messages?$select=id&$top=1000"
	countedPage = firstPage + "&$count=true"
)

// TestRetryModes injects one failure into the first request of a two-page
// scan under each retry mode: a retried failure must give exactly the
// mailbox's rows after exactly one extra attempt; one that is not retried
// must fail with Graph's status and code after exactly one attempt.
func TestRetryModes(t *testing.T) {
	tenant := small()
	modes := []struct {
		name    string
		extra   []string
		retried []string // the faults this mode retries
	}{
		{"None", []string{"RetryMode=None"}, nil},
		{"RetryAny", []string{"RetryMode=RetryAny"}, []string{"429", "503", "500", "drop"}},
		{"default", nil, []string{"429", "503"}},
		{"RetryWhenStatusCodeMatch", []string{"RetryMode=RetryWhenStatusCodeMatch"}, []string{"429", "503"}},
		{"RetryWhenStatusCodeMatch 500|429", []string{"RetryMode=RetryWhenStatusCodeMatch", "RetryStatusCodeList=500|429"}, []string{"429", "500"}},
		{"RetryWhenStatusCodeMatch 503", []string{"RetryMode=retrywhenstatuscodematch", "RetryStatusCodeList=503"}, []string{"503"}},
	}
	for _, m := range modes {
		for _, f := range []fault{throttled, unavailable, serverError, dropped} {
			t.Run(m.name+"/"+f.name, func(t *testing.T) {
				e := newEnv(t, tenant, append([]string{"RetryWaitTime=0.01", "ParallelScans=1"}, m.extra...))
				f.inject(e.Server, 1)
				start := time.Now()
				got, err := e.run(context.Background(), "SELECT id FROM messages")
				elapsed := time.Since(start)
				recs := e.clientLog(t)
				if slices.Contains(m.retried, f.name) {
					if err != nil {
						t.Fatalf("retried fault: %v", err)
					}
					diffRows(t, "rows", sorted(got), e.ids(t))
					if want := []int{f.status, 200, 200}; !slices.Equal(e.fakeStatuses(), want) {
						t.Errorf("the fake saw statuses %v, want %v", e.fakeStatuses(), want)
					}
					if want := []int{f.status, 200, 200}; !slices.Equal(clientStatuses(recs), want) {
						t.Errorf("the driver logged statuses %v, want %v", clientStatuses(recs), want)
					}
					if len(recs) == 3 && (recs[0].Attempt != 1 || recs[1].Attempt != 2 || recs[2].Attempt != 1) {
						t.Errorf("attempt numbers %d, %d, %d, want 1, 2, 1", recs[0].Attempt, recs[1].Attempt, recs[2].Attempt)
					}
					if elapsed > 5*time.Second {
						t.Errorf("took %v: the retry did not wait about 10 ms", elapsed)
					}
					return
				}
				if len(got) != 0 {
					t.Errorf("%d rows before the error, want none", len(got))
				}
				matchErr(t, "error", err, `^messages: graph: `+regexp.QuoteMeta(firstPage)+`: `+f.text+`$`)
				if want := []int{f.status}; !slices.Equal(e.fakeStatuses(), want) {
					t.Errorf("the fake saw statuses %v, want %v (one attempt)", e.fakeStatuses(), want)
				}
				if want := []int{f.status}; !slices.Equal(clientStatuses(recs), want) {
					t.Errorf("the driver logged statuses %v, want %v", clientStatuses(recs), want)
				}
			})
		}
	}
}

// TestRetryCountMax checks that a failure that keeps happening is retried
// exactly RetryCountMax times, then reported with the number of attempts.
func TestRetryCountMax(t *testing.T) {
	tenant := small()
	for _, tc := range []struct {
		name  string
		extra []string
		f     fault
		want  []int  // statuses the fake sees
		note  string // regexp after Graph's text
	}{
		{"default mode, 2 retries", []string{"RetryCountMax=2"}, unavailable,
			[]int{503, 503, 503}, ` \(request-id [-0-9a-f]{36}; gave up after 3 attempts\)`},
		{"RetryAny, 1 retry, 429", []string{"RetryMode=RetryAny", "RetryCountMax=1"}, throttled,
			[]int{429, 429}, ` \(request-id [-0-9a-f]{36}; gave up after 2 attempts\)`},
		{"RetryAny, no retries", []string{"RetryMode=RetryAny", "RetryCountMax=0"}, serverError,
			[]int{500}, ` ` + requestID},
		{"RetryAny, 1 retry, drops", []string{"RetryMode=RetryAny", "RetryCountMax=1"}, dropped,
			[]int{0, 0}, ` \(gave up after 2 attempts\)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tenant, append([]string{"RetryWaitTime=0.01"}, tc.extra...))
			tc.f.inject(e.Server, 10)
			got, err := e.run(context.Background(), "SELECT id FROM messages")
			if len(got) != 0 {
				t.Errorf("%d rows before the error, want none", len(got))
			}
			// Strip the request-id note from the fault's text: the note is
			// checked whole by tc.note.
			text := strings.TrimSuffix(tc.f.text, " "+requestID)
			matchErr(t, "error", err, `^messages: graph: `+regexp.QuoteMeta(countedPage)+`: `+text+tc.note+`$`)
			if !slices.Equal(e.fakeStatuses(), tc.want) {
				t.Errorf("the fake saw statuses %v, want %v", e.fakeStatuses(), tc.want)
			}
			if got := clientStatuses(e.clientLog(t)); !slices.Equal(got, tc.want) {
				t.Errorf("the driver logged statuses %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRetryWaits checks the waits between attempts: a server's Retry-After
// wins over RetryWaitTime (however long), and without one the wait starts
// at RetryWaitTime and doubles when RetryMultiplyWaitTime is on.
func TestRetryWaits(t *testing.T) {
	tenant := small()
	for _, tc := range []struct {
		name  string
		extra []string
		f     fault
		n     int             // failures injected
		waits []time.Duration // the least wait before each attempt; up to 10% more is jitter
		exact bool            // the waits are exact (Retry-After)
	}{
		{"Retry-After beats a 30 s RetryWaitTime", []string{"RetryWaitTime=30"}, throttled, 2,
			[]time.Duration{0, 10 * time.Millisecond, 10 * time.Millisecond, 0}, true},
		{"RetryWaitTime doubled", []string{"RetryWaitTime=0.01", "RetryMultiplyWaitTime=True"}, unavailable, 3,
			[]time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 0}, false},
		{"RetryWaitTime constant", []string{"RetryWaitTime=0.01", "RetryMultiplyWaitTime=False"}, unavailable, 3,
			[]time.Duration{0, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tenant, append([]string{"ParallelScans=1"}, tc.extra...)) // pages in sequence
			tc.f.inject(e.Server, tc.n)
			// Waiting RetryWaitTime instead of Retry-After would take a
			// minute: give up after 5 s.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := e.run(ctx, "SELECT id FROM messages")
			if err != nil {
				t.Fatalf("want well under 5 s: %v", err)
			}
			diffRows(t, "rows", sorted(got), e.ids(t))
			want := append(slices.Repeat([]int{tc.f.status}, tc.n), 200, 200)
			if !slices.Equal(e.fakeStatuses(), want) {
				t.Errorf("the fake saw statuses %v, want %v", e.fakeStatuses(), want)
			}
			recs := e.clientLog(t)
			if len(recs) != len(tc.waits) {
				t.Fatalf("the driver logged %d attempts, want %d", len(recs), len(tc.waits))
			}
			for i, r := range recs {
				lo, hi := tc.waits[i], tc.waits[i]+tc.waits[i]/10
				if tc.exact {
					hi = lo
				}
				if r.Wait < lo || r.Wait > hi {
					t.Errorf("attempt %d waited %v, want %v to %v", i+1, r.Wait, lo, hi)
				}
			}
		})
	}
}

// TestFailureOnLaterPage fails the second page of a scan after the first
// page's rows were read: with retries off (or used up) the scan must end
// with an error from rows.Err, never as a silently short result.
func TestFailureOnLaterPage(t *testing.T) {
	tenant := small()
	secondPage := "GET /me/messages?$select=id&$top=1000&$skip=1000"
	for _, tc := range []struct {
		name  string
		extra []string
		f     fault
		n     int
		want  []int  // statuses the fake sees
		note  string // regexp after Graph's text
	}{
		{"None/503", []string{"RetryMode=None"}, unavailable, 1, []int{200, 503}, ` ` + requestID},
		{"None/429", []string{"RetryMode=None"}, throttled, 1, []int{200, 429}, ` ` + requestID},
		{"default/500", nil, serverError, 1, []int{200, 500}, ` ` + requestID},
		{"default/503 exhausted", []string{"RetryCountMax=1"}, unavailable, 5, []int{200, 503, 503},
			` \(request-id [-0-9a-f]{36}; gave up after 2 attempts\)`},
		// Go's HTTP transport re-sends a GET once, on a new connection, when
		// a reused keep-alive connection closes before any response (the
		// idle-connection race): the second drop is the one that fails.
		{"None/drop", []string{"RetryMode=None"}, dropped, 2, []int{200, 0, 0}, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tenant, append([]string{"RetryWaitTime=0.01", "ParallelScans=1"}, tc.extra...))
			all := e.ids(t)
			rows, err := e.conn.QueryContext(context.Background(), "SELECT id FROM messages")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got [][]string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, []string{canon(id)})
				if len(got) == 1 {
					// The first page is in memory: fail what comes next.
					tc.f.inject(e.Server, tc.n)
				}
			}
			err = rows.Err()
			text := strings.TrimSuffix(tc.f.text, " "+requestID)
			matchErr(t, "rows.Err", err, `^messages: graph: `+regexp.QuoteMeta(secondPage)+`: `+text+tc.note+`$`)
			if len(got) != 1000 {
				t.Errorf("%d rows before the error, want the first page's 1000", len(got))
			}
			if n := len(slices.CompactFunc(sorted(got), slices.Equal)); n != len(got) {
				t.Errorf("%d distinct rows of %d", n, len(got))
			}
			for _, r := range got {
				if _, ok := slices.BinarySearchFunc(all, r, slices.Compare); !ok {
					t.Errorf("row %v is not in the mailbox", r)
					break
				}
			}
			if !slices.Equal(e.fakeStatuses(), tc.want) {
				t.Errorf("the fake saw statuses %v, want %v", e.fakeStatuses(), tc.want)
			}
		})
	}
}
