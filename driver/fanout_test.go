package driver_test

// Fan-out: a scan with many requests (user_id IN, message_id IN, id IN)
// runs them concurrently within Graph's 4 per mailbox, or as JSON batches
// of 20; identical requests within a statement are sent once. Each test
// runs the same SQL with FanOut=Sequential, Concurrent and Batch against the
// fake tenant, compares the rows with a plain SQLite copy, and pins the
// requests the fake saw.

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	plaincopy "github.com/outlooksql/outlooksql/internal/oracle"
)

var fanModes = []string{"Sequential", "Concurrent", "Batch"}

var (
	fanOnce   sync.Once
	fanTenant *fakegraph.Tenant
)

// fanTenantData is 6 users with 800 messages each: one page per mailbox,
// and more than 45 messages with attachments in each.
func fanTenantData() *fakegraph.Tenant {
	fanOnce.Do(func() {
		fanTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 6, MessagesPerUser: 800})
	})
	return fanTenant
}

// fanFixture is the fake tenant, one connection per FanOut mode, and the
// plain copy.
type fanFixture struct {
	*demo.Env
	conns map[string]*sql.Conn
	plain *sql.DB
}

func newFanFixture(t testing.TB) *fanFixture {
	t.Helper()
	tenant := fanTenantData()
	de, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Close)
	de.Server.SetMailboxConcurrency(4, "0.05")
	f := &fanFixture{Env: de, conns: map[string]*sql.Conn{}}
	for _, mode := range fanModes {
		db, err := sql.Open(driver.Name, de.ConnString("FanOut="+mode))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		f.conns[mode] = conn
	}
	if _, ok := t.(*testing.B); ok {
		return f
	}
	f.plain, err = sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	f.plain.SetMaxOpenConns(1)
	t.Cleanup(func() { f.plain.Close() })
	if err := plaincopy.Load(f.plain, tenant, de.User); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs q with the given FanOut after clearing the fake's log, and
// returns the rows.
func (f *fanFixture) run(t testing.TB, mode, q string) [][]string {
	t.Helper()
	f.Server.ResetRequests()
	rows, err := f.conns[mode].QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out, err := readRows(rows)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// want returns the plain copy's rows for q.
func (f *fanFixture) want(t testing.TB, q string) [][]string {
	t.Helper()
	rows, err := plainRows(context.Background(), f.plain, q, nil)
	if err != nil {
		t.Fatalf("plain %s: %v", q, err)
	}
	if len(rows) == 0 {
		t.Fatalf("plain %s: no rows: the case proves nothing", q)
	}
	return rows
}

// seen is the fake's log as "GET /v1.0/…?…" lines (query decoded, options
// sorted); a $batch POST is "POST /v1.0/$batch" followed by its inner
// requests, each indented and with its status when not 200.
func (f *fanFixture) seen() (lines []string, posts [][]string) {
	for _, r := range f.Server.Requests() {
		lines = append(lines, describe(r.Method, r.Path, r.Query))
		if r.Method != "POST" {
			continue
		}
		var in []string
		for _, q := range r.Inner {
			s := describe(q.Method, q.Path, q.Query)
			if q.Status != 200 {
				s += fmt.Sprintf(" -> %d", q.Status)
			}
			in = append(in, s)
		}
		posts = append(posts, in)
	}
	return lines, posts
}

// checkThrottle fails when the fake answered 429 to anything: the client
// must keep within the 4 requests per mailbox by itself.
func (f *fanFixture) checkThrottle(t *testing.T) {
	t.Helper()
	for _, r := range f.Server.Requests() {
		if r.Status == 429 {
			t.Errorf("429 to %s %s", r.Method, r.Path)
		}
		for _, q := range r.Inner {
			if q.Status == 429 {
				t.Errorf("429 to %s %s inside a batch", q.Method, q.Path)
			}
		}
	}
	if _, box := f.Server.Peak(); box > 4 {
		t.Errorf("%d requests at once on one mailbox, Graph allows 4", box)
	}
}

func (f *fanFixture) scans(t *testing.T, mode string) []driver.Scan {
	t.Helper()
	s, err := driver.Scans(f.conns[mode])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quoteList(xs []string) string {
	var q []string
	for _, x := range xs {
		q = append(q, sqlLiteral(x))
	}
	return strings.Join(q, ", ")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestFanOutMailboxes: messages of five mailboxes, one request each, run
// concurrently (not one after another) and never more than 4 at once on a
// mailbox.
func TestFanOutMailboxes(t *testing.T) {
	f := newFanFixture(t)
	f.Server.SetLatency(25 * time.Millisecond)
	var upns []string
	for _, u := range f.Tenant.Users[1:] {
		upns = append(upns, u.UserPrincipalName)
	}
	q := "SELECT user_id, id, subject FROM messages WHERE user_id IN (" + quoteList(upns) + ")"
	want := sorted(f.want(t, q+" AND folder_id IS NULL"))
	var reqs []string
	for _, u := range upns {
		reqs = append(reqs, "GET /v1.0/users/"+u+"/messages?$select=id,subject&$top=1000")
	}
	for _, mode := range fanModes {
		t.Run(mode, func(t *testing.T) {
			got := f.run(t, mode, q)
			diffRows(t, "rows", sorted(got), want)
			lines, _ := f.seen()
			if !slices.Equal(sorted1(lines), sorted1(reqs)) {
				t.Errorf("requests:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(reqs, "\n"))
			}
			f.checkThrottle(t)
			peak, _ := f.Server.Peak()
			if mode == "Sequential" && peak != 1 || mode != "Sequential" && peak < 2 {
				t.Errorf("%d requests in flight at once", peak)
			}
			if s := f.scans(t, mode); len(s) != 1 || s[0].Requests != 5 || s[0].Rows != int64(len(want)) {
				t.Errorf("scans %+v", s)
			}
		})
	}
}

// TestFanOutAttachments: the attachments of 45 messages are 45 GETs, or
// three $batch POSTs of 20, 20 and 5.
func TestFanOutAttachments(t *testing.T) {
	f := newFanFixture(t)
	sub := "SELECT id FROM messages WHERE has_attachments = 1 LIMIT 45"
	var ids []string
	for _, r := range f.run(t, "Batch", sub) {
		ids = append(ids, strings.Trim(r[0], `"`))
	}
	if len(ids) != 45 {
		t.Fatalf("%d messages with attachments, want 45", len(ids))
	}
	q := "SELECT message_id, id, name, size FROM attachments WHERE message_id IN (" + sub + ")"
	want := sorted(f.want(t, "SELECT message_id, id, name, size FROM attachments WHERE user_id = 'me' AND message_id IN ("+quoteList(ids)+")"))
	list := "GET /v1.0/me/messages?$filter=hasAttachments eq true&$select=id,hasAttachments&$top=45"
	var per []string
	for _, id := range ids {
		per = append(per, "GET /v1.0/me/messages/"+id+"/attachments?$select=id,name,size&$top=1000")
	}
	for _, mode := range fanModes {
		t.Run(mode, func(t *testing.T) {
			got := f.run(t, mode, q)
			diffRows(t, "rows", sorted(got), want)
			lines, posts := f.seen()
			wantLines := append([]string{list}, per...)
			if mode == "Batch" {
				wantLines = append([]string{list}, repeat("POST /v1.0/$batch", 3)...)
				sizes := []int{}
				var inner []string
				for _, p := range posts {
					sizes = append(sizes, len(p))
					inner = append(inner, p...)
				}
				if !slices.Equal(sizes, []int{20, 20, 5}) {
					t.Errorf("batch sizes %v, want 20, 20, 5", sizes)
				}
				if !slices.Equal(inner, sorted1(per)) { // SQLite hands the IN list over sorted
					t.Errorf("inner requests:\n%s\nwant\n%s", strings.Join(inner, "\n"), strings.Join(per, "\n"))
				}
			}
			if lines[0] != list || !slices.Equal(sorted1(lines), sorted1(wantLines)) {
				t.Errorf("requests:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
			}
			f.checkThrottle(t)
			s := f.scans(t, mode)
			wantReqs := 45
			if mode == "Batch" {
				wantReqs = 3
			}
			if len(s) != 2 || s[0].Table != "messages" || s[0].Requests != 1 || s[1].Table != "attachments" ||
				s[1].Requests != wantReqs || s[1].Pages != 45 || s[1].Rows != int64(len(want)) {
				t.Errorf("scans %+v", s)
			}
		})
	}
}

// TestFanOutByID: 30 GETs by id, one of a message that does not exist, are
// two batches (20 and 10); the missing one is no row.
func TestFanOutByID(t *testing.T) {
	f := newFanFixture(t)
	var ids []string
	for _, m := range f.Tenant.Users[0].Messages[100:129] {
		ids = append(ids, m.ID)
	}
	ids = append(ids, base64.URLEncoding.EncodeToString([]byte("no such message in this mailbox")))
	q := "SELECT id, subject FROM messages WHERE id IN (" + quoteList(ids) + ")"
	want := sorted(f.want(t, "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND id IN ("+quoteList(ids)+")"))
	if len(want) != 29 {
		t.Fatalf("plain copy: %d rows, want 29", len(want))
	}
	var per []string
	for _, id := range ids {
		per = append(per, "GET /v1.0/me/messages/"+id+"?$select=id,subject")
	}
	for _, mode := range fanModes {
		t.Run(mode, func(t *testing.T) {
			got := f.run(t, mode, q)
			diffRows(t, "rows", sorted(got), want)
			lines, posts := f.seen()
			if mode != "Batch" {
				if !slices.Equal(sorted1(lines), sorted1(per)) {
					t.Errorf("requests:\n%s\nwant one GET per id", strings.Join(lines, "\n"))
				}
				return
			}
			if !slices.Equal(lines, repeat("POST /v1.0/$batch", 2)) || len(posts) != 2 || len(posts[0]) != 20 || len(posts[1]) != 10 {
				t.Fatalf("requests %v, batches of %d", lines, len(posts))
			}
			inner := append(slices.Clone(posts[0]), posts[1]...)
			wantInner := slices.Clone(per)
			wantInner[29] += " -> 404"
			if !slices.Equal(sorted1(inner), sorted1(wantInner)) {
				t.Errorf("inner requests:\n%s\nwant\n%s", strings.Join(inner, "\n"), strings.Join(wantInner, "\n"))
			}
			f.checkThrottle(t)
		})
	}
}

// TestFanOutBatchRetry: inner requests Graph throttles are sent again in a
// batch of their own; the answer is whole.
func TestFanOutBatchRetry(t *testing.T) {
	f := newFanFixture(t)
	var ids []string
	for _, m := range f.Tenant.Users[0].Messages[200:230] {
		ids = append(ids, m.ID)
	}
	q := "SELECT id, subject, received_date_time FROM messages WHERE id IN (" + quoteList(ids) + ")"
	want := sorted(f.want(t, "SELECT id, subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND id IN ("+quoteList(ids)+")"))
	f.Server.ResetRequests()
	f.Server.FailNext(2, 429, "0.05")
	rows, err := f.conns["Batch"].QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, "rows", sorted(got), want)
	_, posts := f.seen()
	var sizes []int
	throttled, retried := 0, 0
	for _, p := range posts {
		sizes = append(sizes, len(p))
		for _, s := range p {
			if strings.HasSuffix(s, " -> 429") {
				throttled++
			}
		}
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{2, 10, 20}) || throttled != 2 {
		t.Fatalf("batch sizes %v with %d inner 429s; want 20 and 10, then the 2 throttled again", sizes, throttled)
	}
	for _, p := range posts {
		if len(p) == 2 {
			for _, s := range p {
				if strings.Contains(s, " -> ") {
					t.Errorf("retried %s", s)
				}
				retried++
			}
		}
	}
	reqs, _ := driver.Requests(f.conns["Batch"])
	waited := false
	for _, r := range reqs {
		if len(r.Inner) == 2 && r.Wait >= 50*time.Millisecond {
			waited = true
		}
	}
	if !waited || retried != 2 {
		t.Errorf("the retry did not wait for Retry-After (0.05 s): %+v", reqs)
	}
}

// TestFanOutDedupe: a nested loop re-runs the same inner scan for each
// outer row; Graph sees it once per statement.
func TestFanOutDedupe(t *testing.T) {
	f := newFanFixture(t)
	since := "2025-06-10"
	q := "SELECT m.id, u.display_name FROM messages m CROSS JOIN users u WHERE m.received_date_time >= '" + since + "'"
	want := sorted(f.want(t, "SELECT m.id, u.display_name FROM messages m CROSS JOIN users u WHERE m.user_id = 'me' AND m.folder_id IS NULL AND m.received_date_time >= '"+since+"'"))
	outer := len(want) / len(f.Tenant.Users)
	if outer < 3 {
		t.Fatalf("%d messages since %s: the case proves little", outer, since)
	}
	wantReqs := []string{
		"GET /v1.0/me/messages?$count=true&$filter=receivedDateTime ge " + since + "T00:00:00Z&$select=id,receivedDateTime&$top=1000",
		"GET /v1.0/users?$select=id,displayName&$top=999",
	}
	for _, mode := range fanModes {
		t.Run(mode, func(t *testing.T) {
			for stmt := range 2 { // the cache lives for one statement
				got := f.run(t, mode, q)
				diffRows(t, "rows", sorted(got), want)
				lines, _ := f.seen()
				if !slices.Equal(lines, wantReqs) {
					t.Errorf("statement %d: requests:\n%s\nwant\n%s", stmt+1, strings.Join(lines, "\n"), strings.Join(wantReqs, "\n"))
				}
			}
			var users, sent, cached int
			for _, s := range f.scans(t, mode) {
				if s.Table == "users" {
					users++
					sent += s.Requests
					cached += s.Cached
				}
			}
			if users != outer || sent != 1 || cached != outer-1 {
				t.Errorf("%d users scans with %d requests and %d cached; want %d, 1, %d", users, sent, cached, outer, outer-1)
			}
		})
	}
}

// fetchGoroutines returns the stacks of goroutines still fetching for a
// scan or sending requests.
func fetchGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "vtab/outlook.(*fanout)") || strings.Contains(g, "internal/graph.(*Client)") {
			out = append(out, g)
		}
	}
	return out
}

// checkFetchesStopped checks, right after the rows were closed, that no
// fetch is still waiting (on Graph, a slot, or an earlier unit), then
// waits until the fetches are gone. When Close returns, every fetch has
// called wg.Done, but its goroutine may not have returned yet: under
// -race, a snapshot often catches it at the last line of
// (*fanout).run, "runnable". Such a goroutine runs no more of our code, so
// only a waiting one is a fetch that outlived the statement; the rest must
// be gone within a (generous) deadline.
func checkFetchesStopped(t *testing.T, what string) {
	t.Helper()
	for _, g := range fetchGoroutines() {
		if !goroutineRunnable(g) {
			t.Errorf("a fetch outlived %s:\n%s", what, g)
			return
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		g := fetchGoroutines()
		if len(g) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d fetches outlived %s:\n%s", len(g), what, g[0])
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// goroutineRunnable reports whether a goroutine's stack (from
// runtime.Stack) says it is running or ready to run, not waiting.
func goroutineRunnable(stack string) bool {
	head, _, _ := strings.Cut(stack, "\n")
	return strings.Contains(head, "[running]") || strings.Contains(head, "[runnable]")
}

// TestFanOutStops: closing the rows early, or cancelling the statement,
// stops every fetch before Close returns.
func TestFanOutStops(t *testing.T) {
	f := newFanFixture(t)
	f.Server.SetLatency(40 * time.Millisecond)
	var ids []string
	for _, m := range f.Tenant.Users[0].Messages[300:360] {
		ids = append(ids, m.ID)
	}
	var upns []string
	for _, u := range f.Tenant.Users {
		upns = append(upns, u.UserPrincipalName)
	}
	for _, mode := range []string{"Concurrent", "Batch"} {
		for _, tc := range []struct{ name, q string }{
			{"mailboxes", "SELECT id FROM messages WHERE user_id IN (" + quoteList(upns) + ")"},
			{"ids", "SELECT id FROM messages WHERE id IN (" + quoteList(ids) + ")"},
		} {
			t.Run(mode+"/"+tc.name+"/close", func(t *testing.T) {
				rows, err := f.conns[mode].QueryContext(context.Background(), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if !rows.Next() {
					t.Fatalf("no row: %v", rows.Err())
				}
				if err := rows.Close(); err != nil {
					t.Fatal(err)
				}
				checkFetchesStopped(t, "Close")
			})
			t.Run(mode+"/"+tc.name+"/cancel", func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				rows, err := f.conns[mode].QueryContext(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				rows.Next()
				cancel()
				for rows.Next() {
				}
				rows.Close()
				checkFetchesStopped(t, "the cancelled statement")
			})
		}
	}
}

// BenchmarkFanOut compares FanOut=Sequential, Concurrent and Batch with
// 20 ms per Graph request: wall time, and HTTP requests per query.
func BenchmarkFanOut(b *testing.B) {
	f := newFanFixture(b)
	f.Server.SetLatency(20 * time.Millisecond)
	var upns, ids []string
	for _, u := range f.Tenant.Users[1:] {
		upns = append(upns, u.UserPrincipalName)
	}
	for _, m := range f.Tenant.Users[0].Messages[400:430] {
		ids = append(ids, m.ID)
	}
	queries := []struct{ name, q string }{
		{"mailboxes5", "SELECT user_id, id, subject FROM messages WHERE user_id IN (" + quoteList(upns) + ")"},
		{"attachments45", "SELECT message_id, id, name, size FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE has_attachments = 1 LIMIT 45)"},
		{"ids30", "SELECT id, subject FROM messages WHERE id IN (" + quoteList(ids) + ")"},
	}
	for _, qq := range queries {
		for _, mode := range fanModes {
			b.Run(qq.name+"/"+mode, func(b *testing.B) {
				conn := f.conns[mode]
				var reqs, gets int
				for b.Loop() {
					f.Server.ResetRequests()
					st, err := driverScan(context.Background(), conn, qq.q)
					if err != nil || st.rows == 0 {
						b.Fatalf("%d rows, %v", st.rows, err)
					}
					for _, r := range f.Server.Requests() {
						reqs++
						gets += max(len(r.Inner), 1)
					}
				}
				b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
				b.ReportMetric(float64(gets)/float64(b.N), "gets/op")
			})
		}
	}
}

// TestFanOutNoBatch: a Graph-compatible server that does not serve $batch
// gets one GET per request, and no more batches.
func TestFanOutNoBatch(t *testing.T) {
	f := newFanFixture(t)
	var posts atomic.Int32
	target, _ := url.Parse(f.Server.URL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/$batch") {
			posts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"ResourceNotFound","message":"Resource could not be discovered."}}`)
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	cs := strings.Replace(f.ConnString(), "BaseUrl="+f.Server.GraphURL(), "BaseUrl="+proxy.URL+"/v1.0", 1)
	db, err := sql.Open(driver.Name, cs)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	for _, m := range f.Tenant.Users[0].Messages[500:530] {
		ids = append(ids, m.ID)
	}
	q := "SELECT id, subject FROM messages WHERE id IN (" + quoteList(ids) + ")"
	want := sorted(f.want(t, "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND id IN ("+quoteList(ids)+")"))
	for stmt := range 2 {
		f.Server.ResetRequests()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		diffRows(t, "rows", sorted(got), want)
		lines, _ := f.seen()
		if len(lines) != 30 || !strings.HasPrefix(lines[0], "GET ") {
			t.Errorf("statement %d: %d requests reached Graph: %v", stmt+1, len(lines), lines)
		}
		if n := posts.Load(); n != 1 {
			t.Errorf("statement %d: %d batches refused in all, want 1", stmt+1, n)
		}
	}
}
