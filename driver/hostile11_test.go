package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	plaincopy "github.com/outlooksql/outlooksql/internal/oracle"
)

// driverGoroutines returns the stacks of the goroutines running the
// driver's code (vtab, internal/graph), the fake's and net/http's aside.
func driverGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.tRunner") || strings.Contains(g, "fakegraph") {
			continue
		}
		if strings.Contains(g, "outlooksql/vtab") || strings.Contains(g, "outlooksql/internal/graph") {
			out = append(out, g)
		}
	}
	return out
}

// settledGoroutines waits until no goroutine runs the driver's code, and
// returns those still running.
func settledGoroutines() []string {
	gs := driverGoroutines()
	for i := 0; i < 300 && len(gs) > 0; i++ {
		time.Sleep(10 * time.Millisecond)
		gs = driverGoroutines()
	}
	return gs
}

// TestHostile11Cancel: a join cancelled mid-way (its context) with
// prefetches in flight: no goroutine is left, no request arrives after.
func TestHostile11Cancel(t *testing.T) {
	f := newLAFixture(t, []string{"ParallelScans=1"}, fakegraph.WithLatency(40*time.Millisecond))
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) c FROM messages m"
	for _, after := range []int{1, 7, 30} {
		ctx, cancel := context.WithCancel(context.Background())
		rows, err := f.conns["On"].QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if n++; n == after {
				if len(driverGoroutines()) == 0 {
					t.Fatal("no goroutine of the driver while a statement runs: the check proves nothing")
				}
				cancel()
			}
		}
		err = rows.Err()
		rows.Close()
		cancel()
		if err == nil {
			t.Errorf("after %d rows: no error after cancel", after)
		}
		seen := len(f.Server.Requests())
		if gs := settledGoroutines(); len(gs) > 0 {
			t.Fatalf("after %d rows: %d goroutines of the driver left:\n%s", after, len(gs), strings.Join(gs, "\n\n"))
		}
		time.Sleep(150 * time.Millisecond)
		if later := len(f.Server.Requests()); later != seen {
			t.Errorf("after %d rows: %d requests arrived after the statement ended", after, later-seen)
		}
		f.Server.ResetRequests()
	}
}

// TestHostile11Update: an UPDATE whose WHERE is a correlated subquery on
// attachments (a nested loop inside a write) changes exactly the messages
// with attachments, and looks nothing ahead (Lookahead is off in writes).
func TestHostile11Update(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 99, Users: 2, MessagesPerUser: 120})
	want := 0
	for _, m := range tenant.Users[0].Messages {
		if len(m.Attachments) > 0 {
			want++
		}
	}
	if want == 0 {
		t.Fatal("no case")
	}
	e := newEnv(t, tenant, []string{"Lookahead=On"})
	res, err := e.conn.ExecContext(context.Background(), "UPDATE messages SET importance = 'high' WHERE EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = messages.id)")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	las, _ := driver.Lookaheads(e.conn)
	t.Logf("affected %d want %d; lookaheads %+v", n, want, las)
	if int(n) != want || want < 10 {
		t.Errorf("affected %d, want %d (at least 10 for the case to prove anything)", n, want)
	}
	if len(las) != 0 {
		t.Errorf("lookaheads %+v inside a write: want none", las)
	}
	got := e.query(t, "SELECT count(*) FROM messages m WHERE m.importance = 'high' AND EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)")
	if len(got) != 1 || got[0][0] != strconv.Itoa(want) {
		t.Errorf("after the UPDATE, %v messages with attachments are high, want %d", got, want)
	}
}

// TestHostile11BatchAnswers: the $batch answers of a lookahead are
// mangled by a proxy in the ways Graph (or a middlebox) may: an inner 429
// with Retry-After, an inner 503, an answer missing its id, a body that is
// not JSON, a batch without "responses". The rows stay exact: answers
// that are not Graph's final word are not served, and the scans ask again.
func TestHostile11BatchAnswers(t *testing.T) {
	f := newLAFixture(t, []string{"ParallelScans=1"})
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) c FROM messages m"
	want := sorted(f.run(t, "Off", q))
	target, _ := url.Parse(f.Server.URL)
	for _, mode := range []string{"inner429", "inner503", "missing", "notjson", "noresponses", "wrongids"} {
		t.Run(mode, func(t *testing.T) {
			var batches atomic.Int32
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !(r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/$batch")) || batches.Add(1) != 2 {
					quietProxy(target).ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				quietProxy(target).ServeHTTP(rec, r)
				body := rec.Body.String()
				var doc struct {
					Responses []map[string]any `json:"responses"`
				}
				if err := json.Unmarshal([]byte(body), &doc); err != nil || len(doc.Responses) < 3 {
					t.Errorf("batch answer %q: %v", body, err)
				}
				rs := doc.Responses
				switch mode {
				case "inner429":
					rs[2] = map[string]any{"id": rs[2]["id"], "status": 429, "headers": map[string]any{"Retry-After": "0"},
						"body": map[string]any{"error": map[string]any{"code": "TooManyRequests", "message": "slow down"}}}
				case "inner503":
					rs[2] = map[string]any{"id": rs[2]["id"], "status": 503,
						"body": map[string]any{"error": map[string]any{"code": "ServiceUnavailable", "message": "busy"}}}
				case "missing":
					doc.Responses = append(rs[:1:1], rs[2:]...)
				case "wrongids":
					for i := range rs {
						rs[i]["id"] = fmt.Sprintf("x%d", i)
					}
				}
				b, _ := json.Marshal(doc)
				body = string(b)
				switch mode {
				case "notjson":
					body = body[:len(body)/2]
				case "noresponses":
					body = `{"value":[]}`
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rec.Code)
				io.WriteString(w, body)
			}))
			defer proxy.Close()
			cs := strings.Replace(f.ConnString("Lookahead=On", "ParallelScans=1", "RetryWaitTime=0.01"), "BaseUrl="+f.Server.GraphURL(), "BaseUrl="+proxy.URL+"/v1.0", 1)
			db, err := sql.Open(driver.Name, cs)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			rows, err := conn.QueryContext(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readRows(rows)
			if err != nil {
				t.Fatalf("%v", err)
			}
			diffRows(t, mode, sorted(got), want)
			las, _ := driver.Lookaheads(conn)
			if len(las) != 1 || las[0].Served+las[0].Dropped != las[0].Prefetched || las[0].Served < 100 {
				t.Errorf("%s: lookaheads %+v: want one, every key served or dropped, most served", mode, las)
			}
		})
	}
}

// TestHostile11OddValues: values the row path must hand to SQLite exactly:
// text past the 64 KB result buffer, at its edge, escaped and astral
// characters, quotes and backslashes, empty strings, attachment bytes past
// 64 KB; read through a listing (the walked members), a GET by id, and a
// join looked ahead, compared with a plain SQLite copy.
func TestHostile11OddValues(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 31, Users: 1, MessagesPerUser: 40})
	subjects := []string{
		strings.Repeat("é", 40000),               // 80,000 bytes
		strings.Repeat("a", 64<<10),              // exactly the buffer
		strings.Repeat("b", 64<<10+1),            // one past it
		"Caf\u00e9 🎸 \U0001F600 \"q\" \\ back\\", // astral, quotes, backslashes
		"", "<script>&amp;</script>", "tab\there", // Go's JSON escapes <, >, &
		"\u2028\u2029 line separators",
	}
	for i, s := range subjects {
		tenant.Users[0].Messages[i].Subject = s
	}
	var big []byte
	for i := range 100_000 {
		big = append(big, byte(i*7))
	}
	for _, m := range tenant.Users[0].Messages {
		for _, a := range m.Attachments {
			if a.Kind == "file" {
				a.Content, a.Size = big, len(big)
				goto done
			}
		}
	}
done:
	e := newEnv(t, tenant, []string{"Lookahead=On"})
	plain, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.SetMaxOpenConns(1)
	if err := plaincopy.Load(plain, tenant, e.User); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ q, plain string }{
		{"SELECT id, subject, length(subject) FROM messages", "SELECT id, subject, length(subject) FROM messages WHERE user_id = 'me' AND folder_id IS NULL"},
		{"SELECT m2.id, m2.subject FROM messages m1 JOIN messages m2 ON m2.id = m1.id", "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL"},
		{"SELECT a.id, hex(a.content), length(a.content) FROM messages m CROSS JOIN attachments a ON a.message_id = m.id WHERE a.size > 50000",
			"SELECT a.id, hex(a.content), length(a.content) FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL AND a.size > 50000"},
	} {
		got := sorted(e.query(t, c.q))
		want, err := plainRows(context.Background(), plain, c.plain, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%s: no rows: proves nothing", c.plain)
		}
		diffRows(t, c.q, got, sorted(want))
	}
}

// TestHostile11MaxRequestsBoundary: a statement that fits MaxRequests
// exactly without lookahead must fit it with lookahead on, even when most
// of its guesses are wrong: the speculative requests must not make a query
// fail that would have worked.
func TestHostile11MaxRequestsBoundary(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 41, Users: 1, MessagesPerUser: 400})
	for _, c := range []struct{ name, q, off string }{
		{"lookahead, most guesses wrong",
			"SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m WHERE unicode(substr(m.id, -3, 1)) % 5 = 0",
			"Lookahead=Off"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := newEnv(t, tenant, []string{c.off}, fakegraph.WithPageCap(40))
			want := sorted(base.query(t, c.q))
			n := len(base.Server.Requests())
			e := newEnv(t, tenant, []string{"MaxRequests=" + strconv.Itoa(n), "ParallelScanMinPages=2"}, fakegraph.WithPageCap(40))
			rows, err := e.conn.QueryContext(context.Background(), c.q)
			if err == nil {
				var got [][]string
				got, err = readRows(rows)
				if err == nil {
					diffRows(t, c.name, sorted(got), want)
				}
			}
			if err != nil {
				t.Errorf("%s needs %d requests; with MaxRequests=%d and the default keys: %v (sent %d)", c.off, n, n, err, len(e.Server.Requests()))
			}
		})
	}
}

// TestHostile11BodyPages504: pages carrying bodies that Graph answers with
// 504 when too large: on the very first page, on partitioned chains, under
// a LIMIT, and when even one message is too large (the statement fails,
// naming the 504, after halving down to $top=1).
func TestHostile11BodyPages504(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 43, Users: 1, MessagesPerUser: 600})
	ref := newEnv(t, tenant, []string{"ParallelScans=1"})
	for _, c := range []struct {
		name, q string
		extra   []string
	}{
		{"sequential", "SELECT id, subject, body FROM messages", []string{"ParallelScans=1"}},
		{"partitioned", "SELECT id, subject, body FROM messages", []string{"ParallelScanMinPages=2"}},
		{"partitioned newest first", "SELECT id, subject, body FROM messages ORDER BY received_date_time DESC, id", []string{"ParallelScanMinPages=2"}},
		{"limit", "SELECT id, subject, body FROM messages ORDER BY received_date_time DESC LIMIT 333", nil},
		{"join", "SELECT m.id, m.body, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m", []string{"ParallelScanMinPages=2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := ref.query(t, c.q)
			e := newEnv(t, tenant, c.extra, fakegraph.WithMaxPageBytes(60_000))
			got := e.query(t, c.q)
			if !strings.Contains(c.q, "ORDER BY") {
				got, want = sorted(got), sorted(want)
			}
			diffRows(t, c.name, got, want)
			n504, tops := 0, map[string]bool{}
			for _, r := range e.Server.Requests() {
				for _, r := range append([]fakegraph.Request{r}, r.Inner...) {
					if r.Status == 504 {
						n504++
					}
					tops[r.Query.Get("$top")] = true
				}
			}
			if n504 == 0 {
				t.Errorf("no 504: the case proves nothing (tops %v)", tops)
			}
		})
	}
	t.Run("one message too large", func(t *testing.T) {
		e := newEnv(t, tenant, []string{"ParallelScans=1", "RetryMode=None"}, fakegraph.WithMaxPageBytes(100))
		err := e.queryErr("SELECT id, body FROM messages")
		if err == nil || !strings.Contains(err.Error(), "504") || !strings.Contains(err.Error(), "select fewer or smaller columns") {
			t.Fatalf("err %v, want the 504 and what to do", err)
		}
		var tops []string
		for _, r := range e.Server.Requests() {
			tops = append(tops, r.Query.Get("$top"))
		}
		if want := "500 250 125 62 31 15 7 3 1"; strings.Join(tops, " ") != want {
			t.Errorf("$top of the requests: %v, want %s", tops, want)
		}
	})
}

// TestHostile11PartitionedEndsWithStatement: a partitioned listing (the
// outer side of a join) cut short by a LIMIT, by an error in the middle,
// by a cancelled context or by rows closed early: once the rows are closed
// no goroutine of the driver is left and no request arrives (counted as
// they arrive, by a proxy: the fake logs a request when it answers it).
func TestHostile11PartitionedEndsWithStatement(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 47, Users: 1, MessagesPerUser: 500})
	de := newEnv(t, tenant, nil, fakegraph.WithPageCap(25), fakegraph.WithLatency(15*time.Millisecond))
	var arrived atomic.Int64
	target, _ := url.Parse(de.Server.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // cancelled requests
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	rp.ModifyResponse = func(resp *http.Response) error { // nextLinks through the proxy
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		b = []byte(strings.ReplaceAll(string(b), de.Server.URL, proxy.URL))
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	cs := strings.Replace(de.ConnString("ParallelScanMinPages=2"), "BaseUrl="+de.Server.GraphURL(), "BaseUrl="+proxy.URL+"/v1.0", 1)
	db, err := sql.Open(driver.Name, cs)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range []struct {
		name, q string
		stop    func(n int, cancel func()) bool // true: stop reading
	}{
		{"limit", "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m LIMIT 30", nil},
		{"error", "SELECT m.id, CASE WHEN m.rowid % 97 = 0 THEN json_extract('x', '$') END FROM messages m", nil},
		{"cancel", "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m",
			func(n int, cancel func()) bool {
				if n == 40 {
					cancel()
				}
				return false
			}},
		{"closed early", "SELECT m.id, m.subject FROM messages m", func(n int, _ func()) bool { return n == 60 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rows, err := conn.QueryContext(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
				if c.stop != nil && c.stop(n, cancel) {
					break
				}
			}
			rows.Close()
			if gs := settledGoroutines(); len(gs) > 0 {
				t.Fatalf("%d goroutines of the driver left:\n%s", len(gs), strings.Join(gs, "\n\n"))
			}
			// No goroutine of the driver is left, so nothing can send a
			// request any more; one sent just before the close may still
			// reach the proxy late on a loaded machine. Let those land,
			// then nothing more may come.
			time.Sleep(100 * time.Millisecond)
			seen := arrived.Load()
			time.Sleep(200 * time.Millisecond)
			if later := arrived.Load(); later != seen {
				t.Errorf("%d requests arrived after the rows were closed", later-seen)
			}
		})
	}
}

// TestHostile11SortedLimit: ORDER BY on a column SQLite sorts itself, with
// a LIMIT: SQLite reads every outer row before the LIMIT applies, so the
// LIMIT does not bound the lookahead (it used to stop after LIMIT rows,
// and the rest of the inner scans went one GET at a time).
func TestHostile11SortedLimit(t *testing.T) {
	f := newLAFixture(t, []string{"ParallelScans=1"})
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m ORDER BY m.subject, m.id LIMIT 7"
	off := f.run(t, "Off", q)
	offSeen := f.seen()
	on := f.run(t, "On", q)
	s := f.seen()
	diffRows(t, "Lookahead=On", on, off)
	if len(on) != 7 {
		t.Fatalf("%d rows", len(on))
	}
	// The batches hold about the whole page, plus a few part-filled ones
	// while the window grows (past a batch it grows only once a few
	// answers settled).
	if s.gets != 1 || s.requests > 1+(f.meMessages()+19)/20+3 {
		t.Errorf("Lookahead=On: %d requests (%d GETs, %d $batch POSTs), Off: %d; want the listing and batches only:\n%s",
			s.requests, s.gets, s.posts, offSeen.requests, strings.Join(s.lines, "\n"))
	}
}

// TestHostile11OddKeys: mailbox keys with quotes, %, +, # and accents,
// fetched ahead concurrently, give the rows of one GET at a time.
func TestHostile11OddKeys(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 51, Users: 4, MessagesPerUser: 30})
	tenant.Users[1].UserPrincipalName = "o'neil+x%41é@contoso.onmicrosoft.com"
	tenant.Users[2].UserPrincipalName = "Zoë.Ü#1@contoso.onmicrosoft.com"
	q := "SELECT u.user_principal_name, m.id, m.subject FROM users u JOIN messages m ON m.user_id = u.user_principal_name"
	var rows [2][][]string
	for i, mode := range []string{"Off", "On"} {
		e := newEnv(t, tenant, []string{"Lookahead=" + mode})
		rows[i] = sorted(e.query(t, q))
		for _, r := range e.Server.Requests() {
			if r.Status != 200 {
				t.Errorf("Lookahead=%s: %s %s: %d", mode, r.Method, r.Path, r.Status)
			}
		}
	}
	if len(rows[0]) != 120 {
		t.Errorf("%d rows, want 120", len(rows[0]))
	}
	diffRows(t, "On vs Off", rows[1], rows[0])
}

// TestHostile11OddIDs: message ids holding characters a URL path or a
// $batch's relative URL must escape, read by id 20 to a $batch, give the
// rows of one GET at a time, and every request is answered 200.
func TestHostile11OddIDs(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 52, Users: 1, MessagesPerUser: 30})
	odd := []string{"+", "=", "%", "%25", "'", "é", " ", "?", "#", "&", "\"", "%2F", "/", "\\"}
	for i, m := range tenant.Users[0].Messages {
		m.ID = m.ID[:10] + odd[i%len(odd)] + m.ID[10:]
	}
	q := "SELECT m1.id, m2.subject, (SELECT count(*) FROM attachments a WHERE a.message_id = m1.id) FROM messages m1 JOIN messages m2 ON m2.id = m1.id"
	var rows [2][][]string
	for i, mode := range []string{"Off", "On"} {
		e := newEnv(t, tenant, []string{"Lookahead=" + mode})
		rows[i] = sorted(e.query(t, q))
		for _, r := range e.Server.Requests() {
			for _, r := range append([]fakegraph.Request{r}, r.Inner...) {
				if r.Status != 200 {
					t.Errorf("Lookahead=%s: %s %s: %d", mode, r.Method, r.Path, r.Status)
				}
			}
		}
		if mode == "On" && len(e.Server.Requests()) > 10 {
			t.Errorf("Lookahead=On: %d requests, want the listing and batches", len(e.Server.Requests()))
		}
	}
	if len(rows[0]) != 30 {
		t.Errorf("%d rows, want 30", len(rows[0]))
	}
	diffRows(t, "On vs Off", rows[1], rows[0])
}

// quietProxy is a reverse proxy to target that does not log the requests
// its client cancels.
func quietProxy(target *url.URL) *httputil.ReverseProxy {
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	return rp
}
