package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// partitioned reports whether the last statement on e's connection ran a
// partitioned scan.
func partitioned(e *env) bool {
	return len(partitions(e)) > 0
}

// partitions returns the chains of the last statement's scans.
func partitions(e *env) []driver.PartitionInfo {
	scans, _ := driver.Scans(e.conn)
	var out []driver.PartitionInfo
	for _, s := range scans {
		out = append(out, s.Partitions...)
	}
	return out
}

// partTenant is a one-mailbox tenant of n messages, its own (tests change it).
func partTenant(n int) *fakegraph.Tenant {
	return fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: n})
}

// byReceived returns the mailbox's messages sorted by receivedDateTime,
// ties in model order (as the fake sorts).
func byReceived(tenant *fakegraph.Tenant) []*fakegraph.Message {
	ms := slices.Clone(tenant.Users[0].Messages)
	slices.SortStableFunc(ms, func(a, b *fakegraph.Message) int { return a.ReceivedDateTime.Compare(b.ReceivedDateTime) })
	return ms
}

func odataTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// TestPartitionEqualTimestamps: 180 messages share one receivedDateTime,
// on which two probes land. The bounds collapse, every message of the tie
// falls in one chain, and the rows equal those of the sequential scan, in
// order for ORDER BY received_date_time ASC and DESC.
func TestPartitionEqualTimestamps(t *testing.T) {
	tenant := partTenant(400)
	asc := byReceived(tenant)
	tie := asc[100].ReceivedDateTime
	for _, m := range asc[60:240] {
		m.ReceivedDateTime = tie
	}
	b3 := asc[300].ReceivedDateTime
	var inTie int
	for _, m := range asc {
		if !m.ReceivedDateTime.Before(tie) && m.ReceivedDateTime.Before(b3) {
			inTie++
		}
	}
	par := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(50))
	seq := newEnv(t, tenant, []string{"ParallelScans=1"}, fakegraph.WithPageCap(50))

	for _, tc := range []struct {
		q      string
		sorted bool // compare as sets
	}{
		{"SELECT id, subject, received_date_time FROM messages", true},
		{"SELECT id, received_date_time FROM messages ORDER BY received_date_time", false},
		{"SELECT id, received_date_time FROM messages ORDER BY received_date_time DESC", false},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got := par.query(t, tc.q)
			parts := partitions(par)
			want := seq.query(t, tc.q)
			if partitioned(seq) {
				t.Fatal("ParallelScans=1 split the scan")
			}
			if len(got) != 400 {
				t.Errorf("%d rows, want 400", len(got))
			}
			if tc.sorted {
				got, want = sorted(got), sorted(want)
			}
			diffRows(t, tc.q, got, want)
			wantRanges := []string{
				"receivedDateTime lt " + odataTime(tie),
				"receivedDateTime ge " + odataTime(tie) + " and lt " + odataTime(b3),
				"receivedDateTime ge " + odataTime(b3),
			}
			var ranges []string
			var rows int64
			for _, p := range parts {
				ranges = append(ranges, p.Range)
				rows += p.Rows
			}
			if !slices.Equal(ranges, wantRanges) {
				t.Fatalf("partitions %v, want %v", ranges, wantRanges)
			}
			if parts[1].Rows != int64(inTie) || rows != 400 {
				t.Errorf("chain rows %+v, want %d in the tie's chain and 400 in all", parts, inTie)
			}
		})
	}
}

// newer returns n copies of the mailbox's first message with new ids,
// received after (or before, when step < 0) every message.
func newer(tenant *fakegraph.Tenant, tag string, n int, from time.Time, step time.Duration) []*fakegraph.Message {
	var out []*fakegraph.Message
	for i := range n {
		m := *tenant.Users[0].Messages[0]
		m.ID = fmt.Sprintf("AAMk-%s-%d", tag, i)
		m.InternetMessageID = fmt.Sprintf("<%s%d@example.com>", tag, i)
		m.ReceivedDateTime = from.Add(time.Duration(i+1) * step)
		m.Attachments = nil
		out = append(out, &m)
	}
	return out
}

// TestPartitionMailArrives: mail arrives while a scan is under way. No id
// comes twice, and every message that was there throughout comes. In
// sequence, 20 new messages move the next $skip page's first 20 items to
// the end of the page before, which the chain drops.
func TestPartitionMailArrives(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		after int // rows read before the mail arrives
	}{
		{"sequential", "ParallelScans=1", 50},
		{"partitioned", "ParallelScanMinPages=2", 10},
		{"partitioned, later", "ParallelScanMinPages=2", 230},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := partTenant(400)
			var before []string
			for _, m := range tenant.Users[0].Messages {
				before = append(before, m.ID)
			}
			asc := byReceived(tenant)
			e := newEnv(t, tenant, []string{tc.extra}, fakegraph.WithPageCap(50))
			rows, err := e.conn.QueryContext(context.Background(), "SELECT id FROM messages")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			n := 0
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				seen[id]++
				if n++; n == tc.after {
					e.Server.Update(func(tn *fakegraph.Tenant) {
						u := tn.Users[0]
						u.Messages = append(u.Messages, newer(tn, "new", 20, asc[len(asc)-1].ReceivedDateTime, time.Minute)...)
						u.Messages = append(u.Messages, newer(tn, "old", 20, asc[0].ReceivedDateTime, -time.Minute)...)
					})
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := partitioned(e); got != (tc.extra != "ParallelScans=1") {
				t.Errorf("partitioned = %v", got)
			}
			for id, k := range seen {
				if k > 1 {
					t.Errorf("id %s came %d times", id, k)
				}
			}
			for _, id := range before {
				if seen[id] == 0 {
					t.Errorf("id %s, there throughout, is missing", id)
				}
			}
		})
	}
}

// TestPartitionStopsEarly: SQLite stops reading after a few rows (a LIMIT
// it keeps for itself): closing the rows ends every chain, so no request
// starts afterwards, and far fewer are sent than a whole scan's.
func TestPartitionStopsEarly(t *testing.T) {
	tenant := partTenant(2000)
	e := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(50), fakegraph.WithLatency(5*time.Millisecond))
	q := "SELECT id FROM messages WHERE length(subject) >= 0"
	e.Server.ResetRequests()
	if n := len(e.query(t, q)); n != 2000 {
		t.Fatalf("%d rows, want 2000", n)
	}
	whole := len(e.Server.Requests())
	e.Server.ResetRequests()
	if n := len(e.query(t, q+" LIMIT 5")); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
	if !partitioned(e) {
		t.Fatal("the scan was not split")
	}
	time.Sleep(50 * time.Millisecond) // let the fake log what was in flight
	first := len(e.Server.Requests())
	time.Sleep(100 * time.Millisecond)
	if later := len(e.Server.Requests()); later != first {
		t.Errorf("%d requests after the rows were closed, %d before: a chain outlived its scan", later, first)
	}
	// page 1, 3 probes, and per chain at most the page
	// it holds, the page waiting to be taken and the one in flight.
	if first > 4+4*3 || first >= whole/2 {
		t.Errorf("%d requests for 5 rows, %d for all of them", first, whole)
	}
}

// faultProxy serves the fake through a proxy that answers 500 to the
// requests fail picks; the links in its answers point at the proxy.
func faultProxy(t *testing.T, e *env, fail func(*http.Request) bool) string {
	target, _ := url.Parse(e.Server.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	var self string
	rp.ModifyResponse = func(r *http.Response) error {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body.Close()
		b = bytes.ReplaceAll(b, []byte(e.Server.URL), []byte(self))
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"InternalServerError","message":"The chain broke."}}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	self = srv.URL
	return srv.URL + "/v1.0"
}

// TestPartitionChainFails: a chain's error ends the scan with that error,
// naming the chain's range; the rows before it are never taken for all.
func TestPartitionChainFails(t *testing.T) {
	tenant := partTenant(400)
	e := newEnv(t, tenant, nil, fakegraph.WithPageCap(50))
	base := faultProxy(t, e, func(r *http.Request) bool {
		return strings.Contains(r.URL.Query().Get("$filter"), "receivedDateTime ge")
	})
	db, err := sql.Open(driver.Name, strings.Replace(e.ConnString("ParallelScanMinPages=2"), "BaseUrl="+e.Server.GraphURL(), "BaseUrl="+base, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	rows, err := db.QueryContext(context.Background(), "SELECT id FROM messages")
	if err == nil { // a chain may fail on the first step, or later
		for rows.Next() {
			n++
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "messages: partition receivedDateTime ge ") ||
		!strings.Contains(err.Error(), "500 InternalServerError: The chain broke.") {
		t.Fatalf("after %d rows: error %v, want a chain's 500", n, err)
	}
	if n >= 400 {
		t.Errorf("%d rows before the error, want fewer than 400", n)
	}
}

// TestPartitionRequests pins the requests of one partitioned scan, in
// order: the first page, with $count=true; as it has a nextLink and its
// @odata.count spans 4 pages, the probes at the quartiles, at once; then
// one chain per range, at once. explain's partitions say the same.
func TestPartitionRequests(t *testing.T) {
	tenant := partTenant(400)
	asc := byReceived(tenant)
	e := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	e.Server.ResetRequests()
	if n := len(e.query(t, "SELECT id FROM messages")); n != 400 {
		t.Fatalf("%d rows, want 400", n)
	}
	var got []string
	for _, r := range e.Server.Requests() {
		got = append(got, describe(r.Method, r.Path, r.Query))
	}
	b := []string{odataTime(asc[100].ReceivedDateTime), odataTime(asc[200].ReceivedDateTime), odataTime(asc[300].ReceivedDateTime)}
	want := []string{
		"GET /v1.0/me/messages?$count=true&$select=id&$top=1000",
		// round trip 2: the probes
		"GET /v1.0/me/messages?$orderby=receivedDateTime asc&$select=receivedDateTime&$skip=100&$top=1",
		"GET /v1.0/me/messages?$orderby=receivedDateTime asc&$select=receivedDateTime&$skip=200&$top=1",
		"GET /v1.0/me/messages?$orderby=receivedDateTime asc&$select=receivedDateTime&$skip=300&$top=1",
		// round trip 3: the chains
		"GET /v1.0/me/messages?$filter=receivedDateTime ge " + b[0] + " and receivedDateTime lt " + b[1] + "&$select=id&$top=1000",
		"GET /v1.0/me/messages?$filter=receivedDateTime ge " + b[1] + " and receivedDateTime lt " + b[2] + "&$select=id&$top=1000",
		"GET /v1.0/me/messages?$filter=receivedDateTime ge " + b[2] + "&$select=id&$top=1000",
		"GET /v1.0/me/messages?$filter=receivedDateTime lt " + b[0] + "&$select=id&$top=1000",
	}
	if len(got) == len(want) {
		// within a round trip the requests go out at once, in any order
		slices.Sort(got[1:4])
		slices.Sort(got[4:])
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	var info []string
	for _, p := range partitions(e) {
		info = append(info, fmt.Sprintf("%s requests=%d rows=%d", p.Range, p.Requests, p.Rows))
	}
	wantInfo := []string{
		"receivedDateTime lt " + b[0] + " requests=1 rows=100",
		"receivedDateTime ge " + b[0] + " and lt " + b[1] + " requests=1 rows=100",
		"receivedDateTime ge " + b[1] + " and lt " + b[2] + " requests=1 rows=100",
		"receivedDateTime ge " + b[2] + " requests=1 rows=100",
	}
	if !slices.Equal(info, wantInfo) {
		t.Errorf("partitions:\n got %s\nwant %s", strings.Join(info, "\n     "), strings.Join(wantInfo, "\n     "))
	}

	// ORDER BY received_date_time DESC: the same chains, each sorted, and
	// the sort key's tautology replaced by the range.
	e.Server.ResetRequests()
	e.query(t, "SELECT id FROM messages WHERE importance = 'normal' ORDER BY received_date_time DESC")
	var chains []string
	for _, r := range e.Server.Requests() {
		if f := r.Query.Get("$filter"); strings.HasPrefix(f, "receivedDateTime lt") {
			chains = append(chains, describe(r.Method, r.Path, r.Query))
		}
	}
	if len(chains) != 1 || !strings.Contains(chains[0], "$filter=receivedDateTime lt ") ||
		!strings.Contains(chains[0], " and importance eq 'normal'&$orderby=receivedDateTime desc") ||
		strings.Contains(chains[0], "1900") {
		t.Errorf("the first chain of the ordered scan: %v", chains)
	}
}
