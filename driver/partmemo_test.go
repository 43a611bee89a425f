package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// sent returns the requests the fake saw since the last reset, described.
func sent(e *env) []string {
	var out []string
	for _, r := range e.Server.Requests() {
		out = append(out, describe(r.Method, r.Path, r.Query))
	}
	return out
}

// chainURLs are the requests of the chains between bounds b, unordered,
// selecting id, sorted as describe sorts them.
func chainURLs(b []string) []string {
	out := []string{"GET /v1.0/me/messages?$filter=receivedDateTime lt " + b[0] + "&$select=id&$top=1000"}
	for i := 1; i < len(b); i++ {
		out = append(out, "GET /v1.0/me/messages?$filter=receivedDateTime ge "+b[i-1]+" and receivedDateTime lt "+b[i]+"&$select=id&$top=1000")
	}
	out = append(out, "GET /v1.0/me/messages?$filter=receivedDateTime ge "+b[len(b)-1]+"&$select=id&$top=1000")
	slices.Sort(out)
	return out
}

// seqConn opens a connection to e's fake that never splits a scan.
func seqConn(t *testing.T, e *env) *env {
	t.Helper()
	db, err := sql.Open(driver.Name, e.ConnString("ParallelScans=1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &env{Env: e.Env, db: db, conn: conn}
}

// bounds returns where the last statement's partitioned scan took its
// bounds from.
func bounds(e *env) string {
	scans, _ := driver.Scans(e.conn)
	for _, s := range scans {
		if s.PartitionBounds != "" {
			return s.PartitionBounds
		}
	}
	return ""
}

const messagesFirstPage = "GET /v1.0/me/messages?$count=true&$select=id&$top=1000"

// TestPartitionOnePage: a listing of one page is one request, its count
// asked for and not used; nothing is remembered, so a repeat is one
// request again.
func TestPartitionOnePage(t *testing.T) {
	e := newEnv(t, partTenant(80), []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	for i := range 2 {
		e.Server.ResetRequests()
		if n := len(e.query(t, "SELECT id FROM messages")); n != 80 {
			t.Fatalf("%d rows, want 80", n)
		}
		if got := sent(e); !slices.Equal(got, []string{messagesFirstPage}) {
			t.Errorf("scan %d: requests %v, want the first page alone", i+1, got)
		}
		if partitioned(e) || bounds(e) != "" {
			t.Errorf("scan %d: split (%q)", i+1, bounds(e))
		}
	}
}

// TestPartitionRemembered pins a repeated scan: the chains at once, with
// the bounds the first scan probed, and no first page, count or probes;
// explain says where the bounds came from. ORDER BY received_date_time
// DESC is the same listing: its chains reuse them too, sorted.
func TestPartitionRemembered(t *testing.T) {
	tenant := partTenant(400)
	asc := byReceived(tenant)
	b := []string{odataTime(asc[100].ReceivedDateTime), odataTime(asc[200].ReceivedDateTime), odataTime(asc[300].ReceivedDateTime)}
	e := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	seq := seqConn(t, e)
	q := "SELECT id FROM messages"
	want := sorted(seq.query(t, q))

	e.Server.ResetRequests()
	diffRows(t, "first scan", sorted(e.query(t, q)), want)
	if got := sent(e); len(got) != 8 || got[0] != messagesFirstPage {
		t.Fatalf("first scan: %v", got)
	}
	if got := bounds(e); got != "probes (@odata.count 400)" {
		t.Errorf("first scan's bounds from %q", got)
	}

	for i := range 3 {
		e.Server.ResetRequests()
		diffRows(t, "repeat", sorted(e.query(t, q)), want)
		got := sent(e)
		slices.Sort(got)
		if !slices.Equal(got, chainURLs(b)) {
			t.Errorf("repeat %d: requests\n got %s\nwant %s", i+1, strings.Join(got, "\n     "), strings.Join(chainURLs(b), "\n     "))
		}
		if got := bounds(e); !regexp.MustCompile(`^a previous scan's \(\d+s ago, @odata.count 400\)$`).MatchString(got) {
			t.Errorf("repeat %d: bounds from %q", i+1, got)
		}
	}

	// the same listing, newest first: the same bounds, each chain sorted,
	// the chains read newest range first
	oq := "SELECT id, received_date_time FROM messages ORDER BY received_date_time DESC"
	owant := seq.query(t, oq)
	e.Server.ResetRequests()
	diffRows(t, oq, e.query(t, oq), owant)
	got := sent(e)
	if len(got) != 4 || !strings.HasPrefix(bounds(e), "a previous scan's") {
		t.Errorf("ordered repeat: bounds from %q, requests %v", bounds(e), got)
	}
	for _, r := range got {
		if !strings.Contains(r, "$orderby=receivedDateTime desc") || strings.Contains(r, "1900-01-01") {
			t.Errorf("ordered repeat: request %s", r)
		}
	}

	// another listing (a filter) is not the same one
	e.Server.ResetRequests()
	e.query(t, "SELECT id FROM messages WHERE importance = 'normal'")
	if got := sent(e); len(got) == 0 || got[0] != "GET /v1.0/me/messages?$count=true&$filter=importance eq 'normal'&$select=id,importance&$top=1000" {
		t.Errorf("another listing: %v", got)
	}
}

// TestPartitionRememberedChanged: mail was added and removed since the
// bounds were probed, inside every range and beyond both ends. A repeat
// uses the old bounds, and its rows are those of a sequential scan, each
// once.
func TestPartitionRememberedChanged(t *testing.T) {
	tenant := partTenant(400)
	asc := byReceived(tenant)
	e := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	seq := seqConn(t, e)
	q := "SELECT id, received_date_time FROM messages"
	e.query(t, q)
	if bounds(e) != "probes (@odata.count 400)" {
		t.Fatalf("first scan's bounds from %q", bounds(e))
	}
	e.Server.Update(func(tn *fakegraph.Tenant) {
		u := tn.Users[0]
		gone := map[string]bool{}
		for _, i := range []int{0, 1, 99, 100, 101, 200, 250, 300, 399} {
			gone[asc[i].ID] = true
		}
		u.Messages = slices.DeleteFunc(u.Messages, func(m *fakegraph.Message) bool { return gone[m.ID] })
		u.Messages = append(u.Messages, newer(tn, "new", 30, asc[len(asc)-1].ReceivedDateTime, time.Minute)...)
		u.Messages = append(u.Messages, newer(tn, "old", 30, asc[0].ReceivedDateTime, -time.Minute)...)
		// on a bound, and in the middle
		u.Messages = append(u.Messages, newer(tn, "on", 5, asc[200].ReceivedDateTime, 0)...)
		u.Messages = append(u.Messages, newer(tn, "mid", 5, asc[150].ReceivedDateTime, time.Second)...)
	})
	for _, oq := range []string{q, q + " ORDER BY received_date_time DESC", q + " ORDER BY received_date_time"} {
		want := seq.query(t, oq)
		e.Server.ResetRequests()
		got := e.query(t, oq)
		if !strings.HasPrefix(bounds(e), "a previous scan's") {
			t.Errorf("%s: bounds from %q", oq, bounds(e))
		}
		if r := sent(e); len(r) < 4 || len(r) > 8 || slices.Contains(r, messagesFirstPage) {
			t.Errorf("%s: requests %v, want the chains only", oq, r)
		}
		if len(want) != 400-9+70 {
			t.Fatalf("sequential: %d rows", len(want))
		}
		ids := map[string]bool{}
		for _, r := range got {
			if ids[r[0]] {
				t.Errorf("%s: id %s twice", oq, r[0])
			}
			ids[r[0]] = true
		}
		if !strings.Contains(oq, "ORDER BY") {
			got, want = sorted(got), sorted(want)
		}
		diffRows(t, oq, got, want)
	}
}

// TestPartitionRememberedShrank: the mailbox shrank to one page since its
// bounds were probed. The repeat still runs as chains (4 requests where
// one would do) and its rows are exact; it forgets the bounds, so the
// next scan is the first page alone.
func TestPartitionRememberedShrank(t *testing.T) {
	tenant := partTenant(400)
	e := newEnv(t, tenant, []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	seq := seqConn(t, e)
	q := "SELECT id, subject FROM messages"
	e.query(t, q)
	e.Server.Update(func(tn *fakegraph.Tenant) {
		u := tn.Users[0]
		keep := map[string]bool{}
		for _, m := range byReceived(tn)[150:210] { // all in the two middle ranges
			keep[m.ID] = true
		}
		u.Messages = slices.DeleteFunc(u.Messages, func(m *fakegraph.Message) bool { return !keep[m.ID] })
	})
	want := sorted(seq.query(t, q))
	if len(want) != 60 {
		t.Fatalf("sequential: %d rows, want 60", len(want))
	}
	e.Server.ResetRequests()
	diffRows(t, "the repeat", sorted(e.query(t, q)), want)
	if r := sent(e); len(r) != 4 || !strings.HasPrefix(bounds(e), "a previous scan's") {
		t.Errorf("the repeat: bounds from %q, requests %v; want the 4 chains", bounds(e), r)
	}
	var rows []int64
	for _, p := range partitions(e) {
		rows = append(rows, p.Rows)
	}
	if !slices.Equal(rows, []int64{0, 50, 10, 0}) {
		t.Errorf("chain rows %v, want [0 50 10 0]", rows)
	}
	e.Server.ResetRequests()
	diffRows(t, "the next scan", sorted(e.query(t, q)), want)
	if r := sent(e); !slices.Equal(r, []string{"GET /v1.0/me/messages?$count=true&$select=id,subject&$top=1000"}) || partitioned(e) {
		t.Errorf("the next scan: requests %v, want the first page alone", r)
	}
}

// TestPartitionRememberedExpires: bounds are used for PartitionMemory;
// after that a repeat reads the first page and probes again.
func TestPartitionRememberedExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	restore := outlook.SetPartitionClock(func() time.Time { return now })
	defer restore()
	e := newEnv(t, partTenant(400), []string{"ParallelScanMinPages=2"}, fakegraph.WithPageCap(100))
	q := "SELECT id FROM messages"
	for _, step := range []struct {
		after  time.Duration
		bounds string
		first  bool // the first page was read
	}{
		{0, "probes (@odata.count 400)", true},
		{outlook.PartitionMemory - time.Second, "a previous scan's (9m59s ago, @odata.count 400)", false},
		{time.Second, "probes (@odata.count 400)", true},
		{time.Minute, "a previous scan's (1m0s ago, @odata.count 400)", false},
	} {
		now = now.Add(step.after)
		e.Server.ResetRequests()
		if n := len(e.query(t, q)); n != 400 {
			t.Fatalf("%d rows", n)
		}
		r := sent(e)
		if got := bounds(e); got != step.bounds || slices.Contains(r, messagesFirstPage) != step.first || len(r) != map[bool]int{true: 8, false: 4}[step.first] {
			t.Errorf("after %s: bounds from %q, requests %v; want %q, first page %v", step.after, got, r, step.bounds, step.first)
		}
	}
}

// TestPartitionCountMissing: a first page without @odata.count (Graph
// gives -1 for some filtered folder listings) falls back to /$count,
// read with the second page; the split then goes on from the probes.
func TestPartitionCountMissing(t *testing.T) {
	tenant := partTenant(400)
	e := newEnv(t, tenant, nil, fakegraph.WithPageCap(100))
	target, _ := url.Parse(e.Server.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	var self string
	count := regexp.MustCompile(`"@odata\.count":\d+`)
	rp.ModifyResponse = func(r *http.Response) error {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body.Close()
		b = count.ReplaceAll(bytes.ReplaceAll(b, []byte(e.Server.URL), []byte(self)), []byte(`"@odata.count":-1`))
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	self = srv.URL
	db, err := sql.Open(driver.Name, strings.Replace(e.ConnString("ParallelScanMinPages=2"), "BaseUrl="+e.Server.GraphURL(), "BaseUrl="+srv.URL+"/v1.0", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pe := &env{Env: e.Env, db: db, conn: conn}
	e.Server.ResetRequests()
	if n := len(pe.query(t, "SELECT id FROM messages WHERE importance = 'normal'")); n == 0 {
		t.Fatal("no rows")
	}
	got := sent(e)
	if len(got) < 4 {
		t.Fatalf("requests %v", got)
	}
	head := slices.Clone(got[1:3])
	slices.Sort(head)
	wantHead := []string{
		"GET /v1.0/me/messages/$count?$filter=importance eq 'normal'",
		"GET /v1.0/me/messages?$count=true&$filter=importance eq 'normal'&$select=id,importance&$skip=100&$top=1000",
	}
	if got[0] != "GET /v1.0/me/messages?$count=true&$filter=importance eq 'normal'&$select=id,importance&$top=1000" || !slices.Equal(head, wantHead) {
		t.Errorf("requests %s", strings.Join(got, "\n     "))
	}
	if b := bounds(pe); !strings.HasPrefix(b, "probes (@odata.count ") {
		t.Errorf("bounds from %q", b)
	}
}
