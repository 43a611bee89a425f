package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/driver"
)

// scanQuery reads five columns of every message.
const scanQuery = `SELECT id, subject, from_address, received_date_time, is_read FROM messages`

// latestQuery is the "latest ten messages" query.
const latestQuery = `SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 10`

// scanStats is what one run of a scan did.
type scanStats struct {
	rows     int
	requests int
	bytes    int64    // response body bytes
	urls     []string // the requests, as sent
	sum      int      // folds every value read, so none is optimised away
}

// driverScan runs q on conn and reads every column of every row.
func driverScan(ctx context.Context, conn *sql.Conn, q string) (scanStats, error) {
	var st scanStats
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return st, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return st, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return st, err
		}
		for _, v := range vals {
			st.sum += len(v)
		}
		st.rows++
	}
	if err := rows.Close(); err != nil {
		return st, err
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	reqs, err := driver.Requests(conn)
	if err != nil {
		return st, err
	}
	for _, r := range reqs {
		st.requests++
		st.bytes += r.Bytes
		st.urls = append(st.urls, r.URL)
	}
	return st, nil
}

// baselineFields are the Graph properties scanQuery's columns come from.
var baselineFields = []string{"id", "subject", "from.emailAddress.address", "receivedDateTime", "isRead"}

// baselineScan fetches the pages from first on, following @odata.nextLink,
// with plain net/http, and reads every field of every message with gjson:
// the least a client can do to get the same rows.
func baselineScan(ctx context.Context, hc *http.Client, token, first string) (scanStats, error) {
	var st scanStats
	for next := first; next != ""; {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return st, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Prefer", `IdType="ImmutableId"`) // as the driver, so the pages are the same
		resp, err := hc.Do(req)
		if err != nil {
			return st, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return st, err
		}
		if resp.StatusCode != http.StatusOK {
			return st, fmt.Errorf("GET %s: %d", next, resp.StatusCode)
		}
		st.requests++
		st.bytes += int64(len(body))
		st.urls = append(st.urls, next)
		page := gjson.ParseBytes(body)
		page.Get("value").ForEach(func(_, m gjson.Result) bool {
			for _, f := range baselineFields {
				v := m.Get(f)
				if v.Type == gjson.True {
					st.sum++
				}
				st.sum += len(v.String())
			}
			st.rows++
			return true
		})
		// A clone: the link is a substring of the page, which st.urls
		// would otherwise keep alive.
		next = strings.Clone(page.Get(`@odata\.nextLink`).String())
	}
	return st, nil
}

// figures are what measure reports.
type figures struct {
	rowsPerSec float64
	requests   float64 // per op
	bytes      float64 // response bytes per op
	peakMB     float64 // peak heap during an op
	cpuMS      float64 // this process's CPU per op; 0 when unknown
	urls       []string
}

// measure runs op b.N times and reports rows/s, requests/op, response
// bytes per op (resp-bytes/op), the peak heap during an op (peak-heap-MB)
// and, on Linux, this process's CPU time per op (client-cpu-ms/op; left out
// when the ops took too little to measure). The heap is collected before
// each op, outside the timer, so each op starts from the same heap.
func measure(b *testing.B, op func() (scanStats, error)) figures {
	b.ReportAllocs()
	var (
		total scanStats
		peak  uint64
		cpu   time.Duration
		cpuOK = true
	)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		liveHeap()
		s := startHeapSampler()
		cpu0, ok0 := processCPU()
		b.StartTimer()
		st, err := op()
		b.StopTimer()
		cpu1, ok1 := processCPU()
		peak = max(peak, s.Stop())
		cpu += cpu1 - cpu0
		cpuOK = cpuOK && ok0 && ok1
		if err != nil {
			b.Fatal(err)
		}
		total.rows += st.rows
		total.requests += st.requests
		total.bytes += st.bytes
		total.urls = st.urls
		b.StartTimer()
	}
	b.StopTimer()
	f := figures{
		rowsPerSec: float64(total.rows) / b.Elapsed().Seconds(),
		requests:   float64(total.requests) / float64(b.N),
		bytes:      float64(total.bytes) / float64(b.N),
		peakMB:     float64(peak) / (1 << 20),
		urls:       total.urls,
	}
	// The clock ticks every 10 ms: a total under 200 ms says little.
	if cpuOK && cpu >= 200*time.Millisecond {
		f.cpuMS = float64(cpu.Milliseconds()) / float64(b.N)
		b.ReportMetric(f.cpuMS, "client-cpu-ms/op")
	}
	b.ReportMetric(f.rowsPerSec, "rows/s")
	b.ReportMetric(f.requests, "requests/op")
	b.ReportMetric(f.bytes, "resp-bytes/op")
	b.ReportMetric(f.peakMB, "peak-heap-MB")
	return f
}

// BenchmarkScan100k reads a 100,000-message mailbox through the driver
// (every row of scanQuery, and count(*)) and, for comparison, fetches and
// reads the same pages with net/http and gjson alone. With -v it logs the
// driver's figures as ratios of the baseline's.
func BenchmarkScan100k(b *testing.B) {
	r := bigRemote(b)
	// One chain of pages, as the baseline reads them: the benchmark
	// measures the row path, not partitioned scans (BenchmarkPartitionedScan).
	db, err := sql.Open(driver.Name, r.ConnString+";ParallelScans=1")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	// One run outside the timings: it signs in, and its requests are the
	// pages the baseline fetches.
	want, err := driverScan(ctx, conn, scanQuery)
	if err != nil {
		b.Fatal(err)
	}
	if want.rows != bigMessages || want.requests != bigMessages/1000 {
		b.Fatalf("the driver read %d rows in %d requests, want %d in %d", want.rows, want.requests, bigMessages, bigMessages/1000)
	}

	var drv, base *figures
	b.Run("driver", func(b *testing.B) {
		f := measure(b, func() (scanStats, error) {
			st, err := driverScan(ctx, conn, scanQuery)
			if err == nil && st.rows != bigMessages {
				err = fmt.Errorf("%d rows, want %d", st.rows, bigMessages)
			}
			return st, err
		})
		drv = &f
	})
	b.Run("driver-count", func(b *testing.B) {
		measure(b, func() (scanStats, error) {
			var n int
			err := conn.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n)
			if err == nil && n != bigMessages {
				err = fmt.Errorf("count(*) = %d, want %d", n, bigMessages)
			}
			st := scanStats{rows: n}
			if err == nil {
				var reqs []driver.Request
				reqs, err = driver.Requests(conn)
				for _, r := range reqs {
					st.requests++
					st.bytes += r.Bytes
				}
			}
			return st, err
		})
	})
	b.Run("baseline", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		defer hc.CloseIdleConnections()
		f := measure(b, func() (scanStats, error) {
			st, err := baselineScan(ctx, hc, r.Token, want.urls[0])
			if err == nil && st.rows != bigMessages {
				err = fmt.Errorf("%d rows, want %d", st.rows, bigMessages)
			}
			return st, err
		})
		if !slices.Equal(f.urls, want.urls) {
			b.Fatalf("the baseline fetched other pages than the driver:\n got %v\nwant %v", f.urls, want.urls)
		}
		base = &f
	})
	if drv != nil && base != nil {
		b.Logf("driver vs baseline: rows/s ×%.2f, client CPU/op ×%.2f, peak heap ×%.2f, requests %.0f vs %.0f, response bytes %.0f vs %.0f",
			drv.rowsPerSec/base.rowsPerSec, drv.cpuMS/base.cpuMS, drv.peakMB/base.peakMB, drv.requests, base.requests, drv.bytes, base.bytes)
	}
}

// BenchmarkLatestN asks for the ten newest of 100,000 messages: one request
// of $top=10 with $orderby, whatever the mailbox's size.
func BenchmarkLatestN(b *testing.B) {
	r := bigRemote(b)
	db, err := sql.Open(driver.Name, r.ConnString)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	measure(b, func() (scanStats, error) {
		st, err := driverScan(ctx, conn, latestQuery)
		if err == nil && (st.rows != 10 || st.requests != 1) {
			err = fmt.Errorf("%d rows in %d requests, want 10 in 1", st.rows, st.requests)
		}
		return st, err
	})
}

// TestScanMemoryBounded scans 100,000 messages and checks that the heap
// does not grow with the result.
//
// The result is 100 pages of about 290 KB of JSON, 29 MB in all (12 MB of
// column values). A scan that streams holds one page at a time: its body,
// gjson's index of its 1,000 items, the row, the HTTP buffers; measured, the
// live heap grows by under 1 MB. The check is on the live heap, collected
// every 10,000 rows, so garbage the collector has not reached yet does not
// count. The bound, 12 MB, is more than ten times that, and under half of
// what a scan that kept its pages would reach (29 MB: a Pager made to keep
// every body fails with +28.6 MB), or one that kept the values as strings
// (12 MB of bytes plus their headers).
func TestScanMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 messages")
	}
	const bound = 12 << 20
	r := bigRemote(t)
	db, err := sql.Open(driver.Name, r.ConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.PingContext(ctx); err != nil {
		t.Fatal(err)
	}

	base := liveHeap()
	rows, err := conn.QueryContext(ctx, scanQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var (
		n, bytes int
		peak     uint64
		vals     = make([]sql.RawBytes, 5)
		ptrs     = []any{&vals[0], &vals[1], &vals[2], &vals[3], &vals[4]}
	)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			bytes += len(v)
		}
		if n++; n%10_000 == 0 {
			peak = max(peak, liveHeap())
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != bigMessages {
		t.Fatalf("%d rows, want %d", n, bigMessages)
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d rows, %.1f MB of values; live heap %.1f MB before, at most %.1f MB during the scan (+%.1f MB)",
		n, mb(bytes), mb(int(base)), mb(int(peak)), mb(int(growth)))
	if growth > bound {
		t.Errorf("the live heap grew by %.1f MB during the scan, more than %.0f MB: the scan keeps what it has read", mb(int(growth)), mb(bound))
	}
}

func mb(n int) float64 { return float64(n) / (1 << 20) }

// TestLimitOneRequest checks that LIMIT becomes $top: ten rows cost one
// request, whatever the mailbox's size.
func TestLimitOneRequest(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	all := oracle(t, tenant, "messages", e.User, []string{"id", "received_date_time"})
	ids := map[string]bool{}
	for _, r := range all {
		ids[r[0]] = true
	}
	newest := slices.Clone(all)
	sort.SliceStable(newest, func(i, j int) bool { return newest[i][1] > newest[j][1] })
	for i := range 10 {
		if newest[i][1] == newest[i+1][1] {
			t.Fatalf("two of the tenant's 11 newest messages have the same received_date_time %s: the ten newest and their order are not one answer", newest[i][1])
		}
	}
	var want10 [][]string
	for _, r := range newest[:10] {
		want10 = append(want10, r[:1])
	}

	for _, tc := range []struct {
		q       string
		request string
		check   func(t *testing.T, got [][]string)
	}{
		{
			q:       `SELECT id FROM messages LIMIT 10`,
			request: "GET /v1.0/me/messages?$select=id&$top=10",
			// Without ORDER BY the order is Graph's: any ten of the
			// mailbox's messages, each once.
			check: func(t *testing.T, got [][]string) {
				seen := map[string]bool{}
				for _, r := range got {
					if !ids[r[0]] || seen[r[0]] {
						t.Errorf("row %s is not a message of the mailbox, or is repeated", r[0])
					}
					seen[r[0]] = true
				}
				if len(got) != 10 {
					t.Errorf("%d rows, want 10", len(got))
				}
			},
		},
		{
			q:       latestQuery,
			request: "GET /v1.0/me/messages?$orderby=receivedDateTime desc&$select=id,receivedDateTime&$top=10",
			check: func(t *testing.T, got [][]string) {
				diffRows(t, "latest ten", got, want10)
			},
		},
	} {
		t.Run(tc.q, func(t *testing.T) {
			e.Server.ResetRequests()
			got := e.query(t, tc.q)
			if reqs := e.requests(); !slices.Equal(reqs, []string{tc.request}) {
				t.Errorf("requests:\n%s\nwant exactly\n%s", strings.Join(reqs, "\n"), tc.request)
			}
			tc.check(t, got)
		})
	}
}
