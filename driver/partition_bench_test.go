package driver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// partBenchMessages is the mailbox of BenchmarkPartitionedScan: 20 pages
// of $top=1000.
const partBenchMessages = 20_000

var (
	partBenchOnce   sync.Once
	partBenchTenant *fakegraph.Tenant
)

// partBenchQueries list every message, a few small columns: $top=1000;
// in any order, and newest first (the chains' rows then come out one
// chain after another).
var partBenchQueries = []struct{ name, q string }{
	{"", "SELECT id, subject, received_date_time FROM messages"},
	{"-ordered", "SELECT id, subject, received_date_time FROM messages ORDER BY received_date_time DESC"},
}

// BenchmarkPartitionedScan reads a 20,000-message mailbox at 100 ms of
// latency per request, in sequence (ParallelScans=1) and split into 4
// chains (the default), and checks both return the same rows. The split
// is measured twice: as a first scan (the first page with its count, the
// probes, then the chains: 7 round trips), with the remembered bounds
// expired before each op; and as a repeat within PartitionMemory (the
// chains at once: 5 round trips). With -v it logs each one's wall time as
// a ratio of the sequential scan's, from the same run.
func BenchmarkPartitionedScan(b *testing.B) {
	partBenchOnce.Do(func() {
		partBenchTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: partBenchMessages})
	})
	ctx := context.Background()
	envs := map[string]*env{}
	for _, mode := range []struct{ name, key string }{
		{"sequential", "ParallelScans=1"},
		{"partitioned", "ParallelScans=4"},
	} {
		envs[mode.name] = newEnv(b, partBenchTenant, []string{mode.key}, fakegraph.WithLatency(100*time.Millisecond))
	}
	for _, pq := range partBenchQueries {
		times := map[string]float64{}
		reqs := map[string]float64{}
		var want [][]string
		for _, mode := range []string{"sequential", "partitioned"} {
			e := envs[mode]
			// One run outside the timings: it signs in, and its rows must be
			// the other mode's (in the same order when ordered).
			rows := e.query(b, pq.q)
			if pq.name == "" {
				rows = sorted(rows)
			}
			if len(rows) != partBenchMessages {
				b.Fatalf("%s: %d rows, want %d", mode, len(rows), partBenchMessages)
			}
			if want == nil {
				want = rows
			} else if !slices.EqualFunc(rows, want, slices.Equal) {
				b.Fatalf("%s%s: the rows differ from the sequential scan's", mode, pq.name)
			}
			if got := partitioned(e); got != (mode == "partitioned") {
				b.Fatalf("%s%s: partitioned = %v", mode, pq.name, got)
			}
			runs := []string{mode}
			if mode == "partitioned" {
				runs = []string{"partitioned-first", "partitioned-repeat"}
			}
			for _, run := range runs {
				b.Run(run+pq.name, func(b *testing.B) {
					if run == "partitioned-repeat" {
						// untimed: the bounds, probed under the real clock
						e.query(b, pq.q)
					}
					if run == "partitioned-first" {
						// every op finds the bounds expired: it probes
						t0 := time.Now()
						defer outlook.SetPartitionClock(func() time.Time {
							t0 = t0.Add(outlook.PartitionMemory + time.Minute)
							return t0
						})()
					}
					f := measure(b, func() (scanStats, error) {
						st, err := driverScan(ctx, e.conn, pq.q)
						if err == nil && st.rows != partBenchMessages {
							err = fmt.Errorf("%d rows, want %d", st.rows, partBenchMessages)
						}
						return st, err
					})
					times[run] = float64(b.Elapsed()) / float64(b.N)
					reqs[run] = f.requests
					// the rows of the last op, as the sequential scan's
					got := e.query(b, pq.q)
					if pq.name == "" {
						got = sorted(got)
					}
					if !slices.EqualFunc(got, want, slices.Equal) {
						b.Fatalf("%s%s: the rows differ from the sequential scan's", run, pq.name)
					}
					first := !strings.HasPrefix(bounds(e), "a previous scan's")
					if mode == "partitioned" && (run == "partitioned-first") != first {
						b.Fatalf("%s%s: bounds from %q", run, pq.name, bounds(e))
					}
				})
			}
		}
		s := times["sequential"]
		for _, run := range []string{"partitioned-first", "partitioned-repeat"} {
			if p := times[run]; s > 0 && p > 0 {
				b.Logf("%s%s vs sequential%s wall time: %.0f ms vs %.0f ms = ×%.2f; requests %.0f vs %.0f",
					run, pq.name, pq.name, p/1e6, s/1e6, p/s, reqs[run], reqs["sequential"])
			}
		}
	}
}
