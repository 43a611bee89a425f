package driver_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
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
// chains (the default), and checks both return the same rows. With -v it
// logs the partitioned scan's wall time as a ratio of the sequential one's.
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
			b.Run(mode+pq.name, func(b *testing.B) {
				start := time.Now()
				measure(b, func() (scanStats, error) {
					st, err := driverScan(ctx, e.conn, pq.q)
					if err == nil && st.rows != partBenchMessages {
						err = fmt.Errorf("%d rows, want %d", st.rows, partBenchMessages)
					}
					return st, err
				})
				times[mode] = float64(time.Since(start)) / float64(b.N)
			})
		}
		if s, p := times["sequential"], times["partitioned"]; s > 0 && p > 0 {
			b.Logf("partitioned%s vs sequential%s wall time: %.0f ms vs %.0f ms = ×%.2f", pq.name, pq.name, p/1e6, s/1e6, p/s)
		}
	}
}
