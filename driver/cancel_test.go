package driver_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCancel cancels queries waiting on a slow Graph (or on a long retry
// wait): the query must end at once with the context's error, and the
// connection must then answer the next query correctly.
func TestCancel(t *testing.T) {
	tenant := small()
	const slow = 2 * time.Second
	for _, tc := range []struct {
		name     string
		extra    []string
		before   func(e *env)  // before the query
		deadline time.Duration // > 0: the query's context has this deadline
		// Otherwise the context is cancelled 200 ms after row "at" was
		// read (0: after the query started); at > 0 also makes Graph slow
		// then.
		at   int
		want error
		rows int   // rows read before the error
		log  []int // statuses of the attempts the driver logged
	}{
		{"slow first page, deadline", nil, func(e *env) { e.Server.SetLatency(slow) }, 200 * time.Millisecond, 0,
			context.DeadlineExceeded, 0, []int{0}},
		{"slow first page, cancel", nil, func(e *env) { e.Server.SetLatency(slow) }, 0, 0,
			context.Canceled, 0, []int{0}},
		{"slow second page, cancel", nil, nil, 0, 1000,
			context.Canceled, 1000, []int{200, 0}},
		// The deadline leaves time for the 503 on a busy machine; without
		// the cancel the retry would wait 30 s.
		{"long retry wait, deadline", []string{"RetryWaitTime=30"}, func(e *env) { e.Server.FailNext(1, 503, "") }, time.Second, 0,
			context.DeadlineExceeded, 0, []int{503}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tenant, append([]string{"ParallelScans=1"}, tc.extra...)) // pages in sequence
			// Sign in and connect first, so that the time is spent on the
			// fault, not on the token endpoint.
			e.query(t, "SELECT id FROM messages LIMIT 1")
			if tc.before != nil {
				tc.before(e)
			}
			var ctx context.Context
			var cancel context.CancelFunc
			arm := func() { time.AfterFunc(200*time.Millisecond, cancel) }
			if tc.deadline > 0 {
				ctx, cancel = context.WithTimeout(context.Background(), tc.deadline)
			} else {
				ctx, cancel = context.WithCancel(context.Background())
				if tc.at == 0 {
					arm()
				}
			}
			defer cancel()
			done := make(chan time.Time, 1)
			context.AfterFunc(ctx, func() { done <- time.Now() })
			start := time.Now()
			n, err := func() (int, error) {
				rows, err := e.conn.QueryContext(ctx, "SELECT id FROM messages")
				if err != nil {
					return 0, err
				}
				defer rows.Close()
				n := 0
				for rows.Next() {
					if n++; n == tc.at {
						// The rest of the page is read; the next row
						// needs the next page.
						e.Server.SetLatency(slow)
						arm()
					}
				}
				return n, rows.Err()
			}()
			end := time.Now()
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			// On a busy machine the 200 ms timer itself may fire late: what
			// counts is how soon after the cancellation the query ends.
			select {
			case at := <-done:
				if lag := end.Sub(at); lag > 800*time.Millisecond {
					t.Errorf("the query ended %v after it was cancelled (%v after it started), want at once", lag, end.Sub(start))
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the query ended (%v) but its context was never cancelled", err)
			}
			if n != tc.rows {
				t.Errorf("%d rows before the error, want %d", n, tc.rows)
			}
			if got := clientStatuses(e.clientLog(t)); !slices.Equal(got, tc.log) {
				t.Errorf("the driver logged %v, want %v", got, tc.log)
			}

			// The connection still works. Its requests are told apart by
			// $select: the cancelled ones may still be in the fake.
			e.Server.SetLatency(0)
			e.Server.FailNext(0, 0, "")
			e.Server.ResetRequests()
			cols := []string{"id", "subject"}
			ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := e.run(ctx, "SELECT id, subject FROM messages")
			if err != nil {
				t.Fatalf("the next query: %v", err)
			}
			diffRows(t, "after the cancel", sorted(got), sorted(oracle(t, tenant, "messages", e.User, cols)))
			var statuses []int
			for _, r := range e.Server.Requests() {
				if r.Query.Get("$select") == strings.Join(cols, ",") {
					statuses = append(statuses, r.Status)
				}
			}
			if !slices.Equal(statuses, []int{200, 200}) {
				t.Errorf("the fake saw %v for the next query, want [200 200]", statuses)
			}
		})
	}
}
