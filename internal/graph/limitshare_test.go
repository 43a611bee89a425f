package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestSharedMailboxLimit: clients with the same LimitKey (connections of
// one account) share each mailbox's 4 slots, so 8 requests from two of
// them are never more than 4 at once; clients with other keys, or none,
// have slots of their own.
func TestSharedMailboxLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keyA, keyB string
		want       int
	}{
		{"one account", "acct", "acct", 4},
		{"two accounts", "acct", "other", 8},
		{"no key", "", "", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			inflight, peak := 0, 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				inflight++
				peak = max(peak, inflight)
				mu.Unlock()
				// Hold the request until all 8 are in flight, or a while.
				deadline := time.Now().Add(500 * time.Millisecond)
				for time.Now().Before(deadline) {
					mu.Lock()
					all := inflight == 8
					mu.Unlock()
					if all {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				mu.Lock()
				inflight--
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			a := New(Options{BaseURL: srv.URL, LimitKey: tc.keyA})
			b := New(Options{BaseURL: srv.URL, LimitKey: tc.keyB})
			var wg sync.WaitGroup
			for i := range 8 {
				c := a
				if i%2 == 1 {
					c = b
				}
				wg.Go(func() {
					if _, err := c.Get(context.Background(), "Alice@x.com", "/users/alice@x.com", nil); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if peak != tc.want {
				t.Errorf("at most %d requests at once, want %d", peak, tc.want)
			}
			if n := a.mailboxes() + b.mailboxes(); n != 0 {
				t.Errorf("%d mailboxes still have slots after the requests", n)
			}
		})
	}
}
