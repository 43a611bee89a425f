package driver_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

var (
	demoOnce   sync.Once
	demoTenant *fakegraph.Tenant
)

// demoTenant900 is the demo tenant: the signed-in user has 900 messages,
// one page of ids, nine pages of 100 when bodies are selected.
func demoTenant900() *fakegraph.Tenant {
	demoOnce.Do(func() { demoTenant = fakegraph.Demo() })
	return demoTenant
}

// within runs f and fails the test if it takes longer than limit: the
// failures below must end, and quickly, not after the server's wait.
func within(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("still running after %v", limit)
		return nil
	}
}

// TestStatementTimeout: the connection key Timeout ends a statement that a
// slow server would keep for seconds, and says so; so does the deadline of
// the caller's context, in words rather than "context deadline exceeded".
func TestStatementTimeout(t *testing.T) {
	const q = "SELECT count(*) FROM messages"
	t.Run("Timeout key", func(t *testing.T) {
		e := newEnv(t, small(), []string{"Timeout=0.2"}, fakegraph.WithLatency(5*time.Second))
		err := within(t, 4*time.Second, func() error {
			_, err := e.run(context.Background(), q)
			return err
		})
		want := "statement timed out after 200ms (connection key Timeout)"
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "context deadline exceeded") {
			t.Errorf("error = %v\nwant it to say %q", err, want)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
		}
	})
	t.Run("Timeout key, Exec", func(t *testing.T) {
		e := newEnv(t, small(), []string{"Timeout=0.2"}, fakegraph.WithLatency(5*time.Second))
		err := within(t, 4*time.Second, func() error {
			_, err := e.conn.ExecContext(context.Background(), "CREATE TEMP TABLE t AS "+q)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "statement timed out after 200ms (connection key Timeout)") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		e := newEnv(t, small(), nil, fakegraph.WithLatency(5*time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := within(t, 4*time.Second, func() error {
			_, err := e.run(ctx, q)
			return err
		})
		want := "statement timed out after 300ms (the deadline it was run with)"
		if err == nil || err.Error() != want {
			t.Errorf("error = %v\nwant %s", err, want)
		}
	})
	t.Run("each statement has its own", func(t *testing.T) {
		// Timeout bounds one statement, not the connection: statements
		// that each fit run one after another.
		e := newEnv(t, small(), []string{"Timeout=30"})
		for range 3 {
			if got := e.query(t, q); got[0][0] != "1200" {
				t.Fatalf("count = %v", got)
			}
		}
	})
}

// TestRetryAfterTooLong: a server that asks for an hour's wait fails the
// statement at once, naming the wait and the key that allows it, after one
// request; RetryWaitMax raised above the wait waits for it.
func TestRetryAfterTooLong(t *testing.T) {
	e := newEnv(t, small(), nil)
	e.Server.FailNext(1, 429, "3600")
	err := within(t, 10*time.Second, func() error {
		_, err := e.run(context.Background(), "SELECT count(*) FROM messages")
		return err
	})
	for _, part := range []string{"messages: graph: GET /me/messages", "429 TooManyRequests",
		"Graph asked to wait 1h0m0s before a retry (Retry-After), longer than the 1m0s allowed (connection key RetryWaitMax, in seconds): raise RetryWaitMax"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("error = %v\nlacks %q", err, part)
		}
	}
	if got := e.fakeStatuses(); len(got) != 1 || got[0] != 429 {
		t.Errorf("statuses %v, want [429]", got)
	}

	e = newEnv(t, small(), []string{"RetryWaitMax=0.5"})
	e.Server.FailNext(1, 429, "0.01")
	if got := e.query(t, "SELECT count(*) FROM messages"); got[0][0] != "1200" {
		t.Errorf("count = %v", got)
	}
}

// TestMaxRequests: a statement stops at its request budget with an error
// naming the key, having sent exactly that many requests; the next
// statement has a budget of its own.
func TestMaxRequests(t *testing.T) {
	e := newEnv(t, demoTenant900(), []string{"MaxRequests=5"})
	_, err := e.run(context.Background(), "SELECT count(*) FROM messages a JOIN messages b ON b.id = a.id")
	want := "the statement reached its limit of 5 requests to Graph (connection key MaxRequests): raise MaxRequests"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant it to say %q", err, want)
	}
	if n := len(e.Server.Requests()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
	for range 2 {
		if got := e.query(t, "SELECT count(*) FROM messages WHERE is_read = 0"); got[0][0] == "" {
			t.Errorf("count = %v", got)
		}
	}
}

// TestInnerScanCached: a nested loop whose inner scan spans several pages
// (bodies selected: pages of 100) reads those pages from Graph at most
// twice, not once per outer row. Before, the pages with an @odata.nextLink
// were never kept: 3 + 250 × 2 requests.
func TestInnerScanCached(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 250})
	// Pages of 100 (the server caps them; body pages ask for 500): three,
	// in sequence (no count).
	e := newEnv(t, tenant, []string{"ParallelScans=1"}, fakegraph.WithPageCap(100))
	got := e.query(t, "SELECT count(a.body), count(b.body) FROM messages a CROSS JOIN messages b")
	if got[0][0] != "62500" || got[0][1] != "62500" {
		t.Errorf("counts = %v", got)
	}
	// The outer scan's page 1; the inner's first pass fetches page 1 again
	// (its second request: kept), page 2 (its first: not kept) and page 3
	// (a last page is a whole answer: kept); the second pass fetches page 2
	// again and keeps it. Everything else, the outer scan's pages 2 and 3
	// included, is a cache hit.
	if n := len(e.Server.Requests()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

// TestMaxResponseBytes: a page larger than MaxResponseBytes fails the
// statement with an error naming the key; an attachment's bytes (over 3 MB,
// fetched from $value) are exempt.
func TestMaxResponseBytes(t *testing.T) {
	e := newEnv(t, demoTenant900(), []string{"MaxResponseBytes=40000"})
	_, err := e.run(context.Background(), "SELECT count(body) FROM messages")
	want := "messages: graph: GET /me/messages?$select=id,body&$top=500&$count=true: the response is larger than 40000 bytes (connection key MaxResponseBytes): raise MaxResponseBytes, or select fewer columns"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
	var big *fakegraph.Attachment
	var msg *fakegraph.Message
	for _, m := range demoTenant900().Users[0].Messages {
		for _, a := range m.Attachments {
			if len(a.Content) > 3<<20 {
				big, msg = a, m
			}
		}
	}
	if big == nil {
		t.Fatal("the demo tenant has no attachment over 3 MB")
	}
	got := e.query(t, "SELECT length(content) FROM attachments WHERE message_id = ? AND id = ?", msg.ID, big.ID)
	if want := strconv.Itoa(len(big.Content)); len(got) != 1 || got[0][0] != want {
		t.Errorf("content length = %v, want %s", got, want)
	}
}
