package syncdb_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// heapPeak samples HeapInuse every 5 ms until stop is called, which
// returns the peak and the HeapInuse after a GC at the start.
func heapPeak() (stop func() (peak, base uint64)) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var max atomic.Uint64
	max.Store(base)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > max.Load() {
					max.Store(ms.HeapInuse)
				}
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return max.Load(), base
	}
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// BenchmarkSync20k measures, on one mailbox of 20,000 messages served at
// 50 ms latency per request: the first sync; the same columns copied by
// CREATE TABLE … AS SELECT through the virtual table; a sync without
// changes; a sync after 100 changes. Run it once:
//
//	go test ./internal/syncdb -run '^$' -bench BenchmarkSync20k -benchtime=1x -v
//
// OUTLOOKSQL_SYNC_BENCH_MESSAGES=5000 runs it on another size (to see
// that memory does not grow with the mailbox).
func BenchmarkSync20k(b *testing.B) {
	size := 20000
	if v, err := strconv.Atoi(os.Getenv("OUTLOOKSQL_SYNC_BENCH_MESSAGES")); err == nil && v > 0 {
		size = v
	}
	for range b.N {
		tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: size})
		e := newDiffEnv(b, tenant, fakegraph.WithLatency(50*time.Millisecond))
		path := filepath.Join(b.TempDir(), "mail.db")
		o := e.options(path)
		o.PageSize = 0 // the default
		report := func(name string, requests int64, d time.Duration, peak, base uint64) {
			b.ReportMetric(float64(requests), name+"-requests")
			b.ReportMetric(d.Seconds(), name+"-s")
			if peak > 0 {
				b.ReportMetric(mb(peak-base), name+"-heapMB")
			}
			b.Logf("%-22s %6d requests %8.2f s   heap in use: peak %.1f MB over a base of %.1f MB", name, requests, d.Seconds(), mb(peak-base), mb(base))
		}

		stop := heapPeak()
		s := runSync(b, o, "first sync")
		peak, base := stop()
		report("first-sync", s.Requests, s.Elapsed, peak, base)
		rows := e.fileCount(b, path, "SELECT count(*) FROM messages")
		if rows != size {
			b.Fatalf("the first sync copied %d messages, want %d", rows, size)
		}

		// The same columns through the virtual table.
		db := openFile(b, path)
		cols := columnsOf(b, db, "messages", []string{"user_id", "body", "body_content_type", "unique_body", "internet_message_headers"})
		db.Close()
		conn, err := e.live.Conn(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		before := len(e.Server.Requests())
		stop = heapPeak()
		start := time.Now()
		if _, err := conn.ExecContext(context.Background(), "CREATE TABLE m AS SELECT "+cols+" FROM messages"); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		peak, base = stop()
		report("create-table-as", int64(len(e.Server.Requests())-before), d, peak, base)
		var n int
		if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM m").Scan(&n); err != nil || n != size {
			b.Fatalf("CREATE TABLE AS copied %d messages (%v), want %d", n, err, size)
		}
		conn.Close()

		stop = heapPeak()
		s = runSync(b, o, "no-change sync")
		peak, base = stop()
		report("no-change-sync", s.Requests, s.Elapsed, peak, base)

		m := newMutator(11)
		m.keepFolders = true
		e.Server.Update(func(tn *fakegraph.Tenant) { m.round(tn, 100) })
		stop = heapPeak()
		s = runSync(b, o, "100-change sync")
		peak, base = stop()
		report("100-change-sync", s.Requests, s.Elapsed, peak, base)
		b.Logf("100-change sync: %s (changes: %s)", s, summarize(m.log))

		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
			b.Logf("max RSS of the process (tenant and fake included): %.0f MB", float64(ru.Maxrss)/1024)
		}
	}
}

// summarize counts the kinds of changes in a mutator's log.
func summarize(log []string) string {
	counts := map[string]int{}
	var order []string
	for _, l := range log {
		k, _, _ := strings.Cut(l, ":")
		k, _, _ = strings.Cut(k, " in ")
		if strings.HasPrefix(k, "move to") {
			k = "move"
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, k+" ×"+strconv.Itoa(counts[k]))
	}
	return strings.Join(parts, ", ")
}
