package driver_test

// Batched nested loops (connection key Lookahead): a join's inner scan that
// takes its key from the current row of another scan fetches the inner
// requests of the next rows ahead, 20 to a $batch, and serves the next
// xFilter calls from them. Each test runs the same SQL with Lookahead=On
// and Off against the fake tenant, compares the rows with a plain SQLite
// copy, and pins the requests the fake saw.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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

var (
	laOnce   sync.Once
	laTenant *fakegraph.Tenant
)

// laTenantData is 20 users with 160 messages each: one page per mailbox.
func laTenantData() *fakegraph.Tenant {
	laOnce.Do(func() {
		laTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 23, Users: 20, MessagesPerUser: 160})
	})
	return laTenant
}

// laFixture is the fake tenant, a connection with Lookahead=On and one with
// Lookahead=Off, and the plain copy.
type laFixture struct {
	*demo.Env
	conns map[string]*sql.Conn
	plain *sql.DB
}

func newLAFixture(tb testing.TB, extra []string, opts ...fakegraph.Option) *laFixture {
	tb.Helper()
	tenant := laTenantData()
	de, err := demo.Start(tenant, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(de.Close)
	f := &laFixture{Env: de, conns: map[string]*sql.Conn{}}
	for _, mode := range []string{"On", "Off"} {
		db, err := sql.Open(driver.Name, de.ConnString(append([]string{"Lookahead=" + mode}, extra...)...))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		conn, err := db.Conn(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { conn.Close() })
		f.conns[mode] = conn
	}
	if _, ok := tb.(*testing.B); ok {
		return f
	}
	f.plain, err = sql.Open("sqlite3", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	f.plain.SetMaxOpenConns(1)
	tb.Cleanup(func() { f.plain.Close() })
	if err := plaincopy.Load(f.plain, tenant, de.User); err != nil {
		tb.Fatal(err)
	}
	return f
}

// run runs q on the mode's connection after clearing the fake's log.
func (f *laFixture) run(tb testing.TB, mode, q string) [][]string {
	tb.Helper()
	f.Server.ResetRequests()
	rows, err := f.conns[mode].QueryContext(context.Background(), q)
	if err != nil {
		tb.Fatalf("Lookahead=%s: %s: %v", mode, q, err)
	}
	out, err := readRows(rows)
	if err != nil {
		tb.Fatalf("Lookahead=%s: %s: %v", mode, q, err)
	}
	return out
}

// want returns the plain copy's rows for q, which must have some.
func (f *laFixture) want(tb testing.TB, q string) [][]string {
	tb.Helper()
	rows, err := plainRows(context.Background(), f.plain, q, nil)
	if err != nil {
		tb.Fatalf("plain %s: %v", q, err)
	}
	if len(rows) == 0 {
		tb.Fatalf("plain %s: no rows: the case proves nothing", q)
	}
	return rows
}

// laSeen counts what reached the fake: HTTP requests, GETs on their own,
// $batch POSTs, and the GETs inside them.
type laSeen struct {
	requests, gets, posts, inner int
	lines                        []string
}

func (f *laFixture) seen() laSeen {
	var s laSeen
	for _, r := range f.Server.Requests() {
		s.requests++
		s.lines = append(s.lines, describe(r.Method, r.Path, r.Query))
		switch r.Method {
		case "GET":
			s.gets++
		case "POST":
			s.posts++
			s.inner += len(r.Inner)
		}
	}
	return s
}

func (f *laFixture) lookaheads(tb testing.TB, mode string) []driver.Lookahead {
	tb.Helper()
	l, err := driver.Lookaheads(f.conns[mode])
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// meMessages is the number of messages in the signed-in user's mailbox.
func (f *laFixture) meMessages() int { return len(f.Tenant.Users[0].Messages) }

// TestLookaheadAttachmentsJoin: the attachments of each of 160 messages, by
// a join SQLite runs as a nested loop with messages outside. Without
// lookahead that is one GET per message, in turn; with it, the first page
// of messages and then the attachments 20 to a $batch: 1 + 8 batches, and
// one more for the window's start (5 keys, then 20 at a time).
func TestLookaheadAttachmentsJoin(t *testing.T) {
	f := newLAFixture(t, nil)
	n := f.meMessages()
	for _, tc := range []struct {
		name, sql, plain string
	}{
		{"correlated subquery",
			"SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m",
			"SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.user_id = 'me' AND a.message_id = m.id) FROM messages m WHERE m.user_id = 'me' AND m.folder_id IS NULL"},
		{"join with messages outside",
			"SELECT m.id, a.id, a.name FROM messages m CROSS JOIN attachments a ON a.message_id = m.id",
			"SELECT m.id, a.id, a.name FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL"},
		{"left join",
			"SELECT m.id, a.name FROM messages m LEFT JOIN attachments a ON a.message_id = m.id",
			"SELECT m.id, a.name FROM messages m LEFT JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := sorted(f.want(t, tc.plain))
			off := f.run(t, "Off", tc.sql)
			offSeen := f.seen()
			on := f.run(t, "On", tc.sql)
			onSeen := f.seen()
			diffRows(t, "Lookahead=Off", sorted(off), want)
			diffRows(t, "Lookahead=On", sorted(on), want)
			if offSeen.requests != 1+n || offSeen.posts != 0 {
				t.Errorf("Lookahead=Off: %d requests (%d POSTs), want 1 + %d GETs", offSeen.requests, offSeen.posts, n)
			}
			if onSeen.requests != 1+9 || onSeen.gets != 1 || onSeen.posts != 9 || onSeen.inner != n {
				t.Errorf("Lookahead=On: %d requests: %d GETs, %d $batch POSTs holding %d GETs; want the page of messages and 9 batches holding %d GETs:\n%s",
					onSeen.requests, onSeen.gets, onSeen.posts, onSeen.inner, n, strings.Join(onSeen.lines, "\n"))
			}
			las := f.lookaheads(t, "On")
			wantLA := []driver.Lookahead{{Table: "attachments", Column: "message_id", From: "messages.id", Prefetched: n, Served: n, Requests: 9}}
			if got := fmt.Sprintf("%+v", las); got != fmt.Sprintf("%+v", wantLA) {
				t.Errorf("Lookaheads:\n got %s\nwant %s", got, fmt.Sprintf("%+v", wantLA))
			}
			if got := f.lookaheads(t, "Off"); len(got) != 0 {
				t.Errorf("Lookahead=Off: lookaheads %+v", got)
			}
		})
	}
}

// TestLookaheadExpandOuter: SQLite may put attachments outside (one
// messages?$expand=attachments listing) and read each message by id inside:
// the lookahead finds the keys in the listing's messages that have
// attachments, and batches the GETs by id.
func TestLookaheadExpandOuter(t *testing.T) {
	f := newLAFixture(t, nil)
	q := "SELECT m.id, m.subject, a.id FROM messages m JOIN attachments a ON a.message_id = m.id"
	want := sorted(f.want(t, "SELECT m.id, m.subject, a.id FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL"))
	withAtt := 0
	for _, m := range f.Tenant.Users[0].Messages {
		if len(m.Attachments) > 0 {
			withAtt++
		}
	}
	off := f.run(t, "Off", q)
	offSeen := f.seen()
	on := f.run(t, "On", q)
	onSeen := f.seen()
	diffRows(t, "Lookahead=Off", sorted(off), want)
	diffRows(t, "Lookahead=On", sorted(on), want)
	listings := 0
	for _, l := range offSeen.lines {
		if strings.Contains(l, "$expand=attachments") {
			listings++
		}
	}
	if offSeen.posts != 0 || offSeen.gets != listings+withAtt {
		t.Fatalf("Lookahead=Off: %d GETs, %d POSTs; want the listing and %d GETs by id (is the plan still attachments outside?):\n%s",
			offSeen.gets, offSeen.posts, withAtt, strings.Join(offSeen.lines, "\n"))
	}
	// The listing's pages, and on each the messages with attachments in
	// batches of 5 (the window's start) and then up to 20.
	if onSeen.gets != listings || onSeen.inner != withAtt || onSeen.posts > listings*(1+(withAtt+19)/20) {
		t.Errorf("Lookahead=On: %d GETs, %d POSTs holding %d GETs; want the %d pages of the listing and %d GETs by id in batches:\n%s",
			onSeen.gets, onSeen.posts, onSeen.inner, listings, withAtt, strings.Join(onSeen.lines, "\n"))
	}
	t.Logf("Lookahead=Off: %d requests; On: %d", offSeen.requests, onSeen.requests)
	las := f.lookaheads(t, "On")
	if len(las) != 1 || las[0].From != "attachments.message_id" || las[0].Table != "messages" || las[0].Column != "id" ||
		las[0].Served != withAtt || las[0].Dropped != 0 {
		t.Errorf("Lookaheads: %+v", las)
	}
}

// TestLookaheadUsersMessages: users × messages over 20 mailboxes reads the
// mailboxes concurrently (one GET each: $batch holds one mailbox), where
// without lookahead it reads them one after another.
func TestLookaheadUsersMessages(t *testing.T) {
	f := newLAFixture(t, nil, fakegraph.WithLatency(30*time.Millisecond))
	q := "SELECT u.id, m.id, m.subject FROM users u JOIN messages m ON m.user_id = u.id"
	want := sorted(f.want(t, "SELECT u.id, m.id, m.subject FROM users u JOIN messages m ON m.user_id = u.id AND m.folder_id IS NULL"))
	users := len(f.Tenant.Users)
	for _, mode := range []string{"Off", "On"} {
		got := f.run(t, mode, q)
		s := f.seen()
		peak, _ := f.Server.Peak()
		diffRows(t, "Lookahead="+mode, sorted(got), want)
		if s.requests != 1+users || s.posts != 0 {
			t.Errorf("Lookahead=%s: %d requests (%d POSTs), want the users page and %d GETs", mode, s.requests, s.posts, users)
		}
		switch {
		case mode == "Off" && peak != 1:
			t.Errorf("Lookahead=Off: %d requests at once, want 1 (the mailboxes in turn)", peak)
		case mode == "On" && peak < 2:
			t.Errorf("Lookahead=On: at most %d request at once: the mailboxes were not read concurrently", peak)
		}
	}
	las := f.lookaheads(t, "On")
	if len(las) != 1 || las[0].From != "users.id" || las[0].Column != "user_id" || las[0].Prefetched != users ||
		las[0].Served != users || las[0].Requests != users {
		t.Errorf("Lookaheads: %+v", las)
	}
}

// TestLookaheadPlainOuter: keys from a plain SQLite table are not any
// cursor's rows: no lookahead, the same rows and requests as without it.
func TestLookaheadPlainOuter(t *testing.T) {
	f := newLAFixture(t, nil)
	ctx := context.Background()
	msgs := f.Tenant.Users[0].Messages[:30]
	for _, mode := range []string{"On", "Off"} {
		c := f.conns[mode]
		if _, err := c.ExecContext(ctx, "CREATE TEMP TABLE keys(id TEXT)"); err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, err := c.ExecContext(ctx, "INSERT INTO keys VALUES (?)", m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := "SELECT k.id, a.id, a.name FROM keys k CROSS JOIN attachments a ON a.message_id = k.id"
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	want := sorted(f.want(t, "SELECT message_id, id, name FROM attachments WHERE user_id = 'me' AND message_id IN ("+quoteList(ids)+")"))
	var lines [2][]string
	for i, mode := range []string{"Off", "On"} {
		got := f.run(t, mode, q)
		s := f.seen()
		diffRows(t, "Lookahead="+mode, sorted(got), want)
		if s.gets != len(msgs) || s.posts != 0 {
			t.Errorf("Lookahead=%s: %d GETs, %d POSTs; want a GET per key", mode, s.gets, s.posts)
		}
		lines[i] = s.lines
	}
	if strings.Join(lines[0], "\n") != strings.Join(lines[1], "\n") {
		t.Errorf("the requests differ:\nOff:\n%s\nOn:\n%s", strings.Join(lines[0], "\n"), strings.Join(lines[1], "\n"))
	}
	if las := f.lookaheads(t, "On"); len(las) != 0 {
		t.Errorf("Lookaheads: %+v, want none", las)
	}
}

// TestLookaheadSkippedKeys: a WHERE on the outer table that SQLite checks
// itself drops about half the outer rows, so half the keys fetched ahead
// are not used. The rows stay exact and the waste bounded: the window does
// not grow while guesses are dropped, and every key is fetched at most once.
func TestLookaheadSkippedKeys(t *testing.T) {
	f := newLAFixture(t, nil)
	// unicode() of the id's last letter but one: a local predicate.
	q := "SELECT m.id, a.id FROM messages m CROSS JOIN attachments a ON a.message_id = m.id WHERE unicode(substr(m.id, -2, 1)) % 2 = 0"
	plain := "SELECT m.id, a.id FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL AND unicode(substr(m.id, -2, 1)) % 2 = 0"
	want := sorted(f.want(t, plain))
	kept := 0
	for _, m := range f.Tenant.Users[0].Messages {
		if c := m.ID[len(m.ID)-2]; int(c)%2 == 0 {
			kept++
		}
	}
	n := f.meMessages()
	got := f.run(t, "On", q)
	s := f.seen()
	diffRows(t, "Lookahead=On", sorted(got), want)
	las := f.lookaheads(t, "On")
	if len(las) != 1 {
		t.Fatalf("Lookaheads: %+v", las)
	}
	l := las[0]
	if s.inner != l.Prefetched || l.Prefetched > n || l.Prefetched-l.Served != l.Dropped {
		t.Errorf("%d GETs in batches for %d keys fetched ahead (%d served, %d dropped) of %d messages: a key fetched twice, or a count wrong", s.inner, l.Prefetched, l.Served, l.Dropped, n)
	}
	// A quarter of the guesses are used: the window still grows (past a
	// batch only once a few answers settled, so it grows more slowly
	// than it could), and the batches cost about what the whole page
	// would, plus a few part-filled ones.
	if s.requests > 1+(n+19)/20+4 || l.Served < kept-5 {
		t.Errorf("%d requests (%d served ahead, %d GETs alone) for %d outer rows kept of %d, want at most %d", s.requests, l.Served, s.gets-1, kept, n, 1+(n+19)/20+4)
	}
	t.Logf("%d of %d outer rows kept: %d requests, %+v", kept, n, s.requests, l)
}

// TestLookaheadLimit: a LIMIT bounds the speculative work. On the outer
// scan (a correlated subquery over messages … LIMIT 5) it is the outer
// scan's, and nothing past it is fetched; on a join SQLite does not pass it
// to the tables, and what is fetched past it is at most the window.
func TestLookaheadLimit(t *testing.T) {
	f := newLAFixture(t, nil)
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m LIMIT 5"
	got := f.run(t, "On", q)
	s := f.seen()
	if len(got) != 5 {
		t.Errorf("%d rows, want 5", len(got))
	}
	if s.inner+s.gets-1 != 5 {
		t.Errorf("LIMIT 5: %d GETs of attachments (%d in batches), want 5:\n%s", s.inner+s.gets-1, s.inner, strings.Join(s.lines, "\n"))
	}

	q = "SELECT m.id, a.name FROM messages m CROSS JOIN attachments a ON a.message_id = m.id LIMIT 3"
	got = f.run(t, "On", q)
	s = f.seen()
	if len(got) != 3 {
		t.Errorf("%d rows, want 3", len(got))
	}
	// The outer rows read until 3 joined rows, plus what the window asked
	// for past them: 5 keys at the start, 20 after the first answer is
	// used, 20 more (whole batches at 40) after the second. Counted as the
	// keys asked for: what reaches Graph depends on whether the statement's
	// end cancels the batches in flight in time (a flake on a loaded
	// machine when counted at the fake).
	scans, err := driver.Scans(f.conns["On"])
	if err != nil || len(scans) == 0 || scans[0].Table != "messages" {
		t.Fatalf("scans %+v, %v", scans, err)
	}
	read := int(scans[0].Rows)
	las := f.lookaheads(t, "On")
	if len(las) != 1 {
		t.Fatalf("lookaheads %+v", las)
	}
	if fetched, asked := s.inner+s.gets-1, las[0].Prefetched; fetched > asked || asked > read+40 || asked >= f.meMessages() {
		t.Errorf("join LIMIT 3 read %d outer rows, asked for the attachments of %d messages and fetched %d, want at most %d", read, asked, fetched, read+40)
	}
}

// TestLookaheadMaxRequests: the lookahead counts against MaxRequests and
// keeps to half of what is left; a join that needs 161 requests without it
// fits in 30 with it.
func TestLookaheadMaxRequests(t *testing.T) {
	f := newLAFixture(t, []string{"MaxRequests=30"})
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m"
	want := sorted(f.want(t, "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.user_id = 'me' AND a.message_id = m.id) FROM messages m WHERE m.user_id = 'me' AND m.folder_id IS NULL"))
	got := f.run(t, "On", q)
	diffRows(t, "Lookahead=On", sorted(got), want)
	if s := f.seen(); s.requests > 30 {
		t.Errorf("%d requests, over MaxRequests", s.requests)
	}
	rows, err := f.conns["Off"].QueryContext(context.Background(), q)
	if err == nil {
		_, err = readRows(rows)
	}
	if err == nil || !strings.Contains(err.Error(), "limit of 30 requests") {
		t.Errorf("Lookahead=Off: %v, want the MaxRequests error", err)
	}
}

// TestLookaheadFailedBatch: a prefetch that fails in a way Graph may not
// repeat (a 503 for the whole $batch) is not served: each scan sends its
// own request, and the rows are exact.
func TestLookaheadFailedBatch(t *testing.T) {
	f := newLAFixture(t, nil)
	var failed atomic.Int32
	target, _ := url.Parse(f.Server.URL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/$batch") && failed.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			io.WriteString(w, `{"error":{"code":"ServiceUnavailable","message":"Service unavailable."}}`)
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	cs := strings.Replace(f.ConnString("RetryMode=None"), "BaseUrl="+f.Server.GraphURL(), "BaseUrl="+proxy.URL+"/v1.0", 1)
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
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m"
	want := sorted(f.want(t, "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.user_id = 'me' AND a.message_id = m.id) FROM messages m WHERE m.user_id = 'me' AND m.folder_id IS NULL"))
	f.Server.ResetRequests()
	rows, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, "rows", sorted(got), want)
	las, _ := driver.Lookaheads(conn)
	if len(las) != 1 || las[0].Dropped != 5 || las[0].Served != f.meMessages()-5 {
		t.Errorf("Lookaheads: %+v, want the first batch's 5 dropped and the rest served", las)
	}
	// The first batch's 5 messages were each read by their scan.
	if s := f.seen(); s.gets != 1+5 {
		t.Errorf("%d GETs reached Graph, want the page of messages and the 5 whose batch failed:\n%s", s.gets, strings.Join(s.lines, "\n"))
	}
}

// TestLookaheadNoMailbox: a 404 fetched ahead (a user without a mailbox
// Graph can read) is what Graph answers every time: it is served, and the
// join counts that user as empty, as without lookahead.
func TestLookaheadNoMailbox(t *testing.T) {
	tenant := diffTenantData() // its last user has no mailbox
	q := "SELECT u.user_principal_name, count(m.id) FROM users u LEFT JOIN messages m ON m.user_id = u.id GROUP BY 1 ORDER BY 1"
	var rows [2][][]string
	for i, mode := range []string{"Off", "On"} {
		e := newEnv(t, tenant, []string{"Lookahead=" + mode})
		rows[i] = e.query(t, q)
		ws, err := driver.Warnings(e.conn)
		if err != nil || len(ws) != 1 || !strings.Contains(ws[0], "MailboxNotEnabledForRESTAPI") {
			t.Errorf("Lookahead=%s: warnings %q, %v; want the user without a mailbox", mode, ws, err)
		}
		if mode == "On" {
			las, _ := driver.Lookaheads(e.conn)
			if len(las) != 1 || las[0].Served != len(tenant.Users) || las[0].Dropped != 0 {
				t.Errorf("Lookaheads: %+v, want all %d mailboxes served ahead, the 404 too", las, len(tenant.Users))
			}
		}
	}
	diffRows(t, "Lookahead=On vs Off", rows[1], rows[0])
	empty := 0
	for _, r := range rows[1] {
		if strings.Contains(r[0], "scanner@") && r[1] == "0" {
			empty++
		}
	}
	if len(rows[1]) != len(tenant.Users) || empty != 1 {
		t.Errorf("rows %v: want one per user, the one without a mailbox with 0 messages", rows[1])
	}
}

// TestLookaheadEndsWithStatement: a join cut short by LIMIT leaves no fetch
// of its own running once its rows are closed: the statement's request log
// is complete then, and nothing is added to it afterwards.
func TestLookaheadEndsWithStatement(t *testing.T) {
	f := newLAFixture(t, nil, fakegraph.WithLatency(20*time.Millisecond))
	q := "SELECT m.id, a.name FROM messages m CROSS JOIN attachments a ON a.message_id = m.id LIMIT 3"
	f.run(t, "On", q)
	las := f.lookaheads(t, "On")
	if len(las) != 1 || las[0].Prefetched <= las[0].Served {
		t.Fatalf("Lookaheads %+v: nothing was fetched past the LIMIT, the case proves nothing", las)
	}
	reqs, err := driver.Requests(f.conns["On"])
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // longer than a batch of 20 takes
	later, err := driver.Requests(f.conns["On"])
	if err != nil {
		t.Fatal(err)
	}
	if len(later) != len(reqs) {
		t.Errorf("%d requests finished after the statement ended", len(later)-len(reqs))
	}
}
