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

// partBenchQuery lists every message, a few small columns: $top=1000.
const partBenchQuery = "SELECT id, subject, received_date_time FROM messages"

// BenchmarkPartitionedScan reads a 20,000-message mailbox at 100 ms of
// latency per request, in sequence (ParallelScans=1) and split into 4
// chains (the default), and checks both return the same rows. With -v it
// logs the partitioned scan's wall time as a ratio of the sequential one's.
func BenchmarkPartitionedScan(b *testing.B) {
	partBenchOnce.Do(func() {
		partBenchTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: partBenchMessages})
	})
	ctx := context.Background()
	times := map[string]float64{}
	var want [][]string
	for _, mode := range []struct{ name, key string }{
		{"sequential", "ParallelScans=1"},
		{"partitioned", "ParallelScans=4"},
	} {
		e := newEnv(b, partBenchTenant, []string{mode.key}, fakegraph.WithLatency(100*time.Millisecond))
		// One run outside the timings: it signs in, and its rows must be
		// the other mode's.
		rows := sorted(e.query(b, partBenchQuery))
		if len(rows) != partBenchMessages {
			b.Fatalf("%s: %d rows, want %d", mode.name, len(rows), partBenchMessages)
		}
		if want == nil {
			want = rows
		} else if !slices.EqualFunc(rows, want, slices.Equal) {
			b.Fatalf("%s: the rows differ from the sequential scan's", mode.name)
		}
		if got := partitioned(e); got != (mode.name == "partitioned") {
			b.Fatalf("%s: partitioned = %v", mode.name, got)
		}
		b.Run(mode.name, func(b *testing.B) {
			start := time.Now()
			measure(b, func() (scanStats, error) {
				st, err := driverScan(ctx, e.conn, partBenchQuery)
				if err == nil && st.rows != partBenchMessages {
					err = fmt.Errorf("%d rows, want %d", st.rows, partBenchMessages)
				}
				return st, err
			})
			times[mode.name] = float64(time.Since(start)) / float64(b.N)
		})
	}
	if s, p := times["sequential"], times["partitioned"]; s > 0 && p > 0 {
		b.Logf("partitioned vs sequential wall time: %.0f ms vs %.0f ms = ×%.2f", p/1e6, s/1e6, p/s)
	}
}
