package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	plaincopy "github.com/outlooksql/outlooksql/internal/oracle"
)

// suiteQuery is one typical query of the pushdown suite.
type suiteQuery struct {
	name string
	sql  string // over the virtual tables
	// min is the fewest Graph requests any client could answer the query
	// with: for each collection it must read, the rows it needs over the
	// largest page Graph allows (at least one request). count is a query
	// over the plain copy (scoped like the virtual tables' defaults).
	min func(count func(q string) int) int
}

// pages is the fewest requests that read n rows with pages of size.
func pages(n, size int) int {
	if n <= size {
		return 1
	}
	return (n + size - 1) / size
}

// suiteTenant is the tenant of the suite: 3 mailboxes of 3,000 messages
// (three pages of 1,000), generated once.
var (
	suiteOnce   sync.Once
	suiteTenant *fakegraph.Tenant
)

func suite(t testing.TB) (*fakegraph.Tenant, []suiteQuery) {
	suiteOnce.Do(func() {
		suiteTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 21, Users: 3, MessagesPerUser: 3000})
	})
	tn := suiteTenant
	me := tn.Users[0]
	var withAtt, anyID, sender, dept string
	for _, u := range tn.Users {
		if u.Department != nil && dept == "" {
			dept = *u.Department
		}
	}
	for _, m := range me.Messages {
		if anyID == "" {
			anyID = m.ID
		}
		if withAtt == "" && len(m.Attachments) > 0 {
			withAtt = m.ID
		}
		if sender == "" && m.From != nil {
			sender = m.From.Address
		}
	}
	others := "'" + tn.Users[1].UserPrincipalName + "', '" + tn.Users[2].UserPrincipalName + "'"
	const msgTop, userTop = 1000, 999
	one := func(func(string) int) int { return 1 }
	scoped := func(where string) func(count func(string) int) int {
		return func(count func(string) int) int {
			return pages(count("SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND ("+where+")"), msgTop)
		}
	}
	return tn, []suiteQuery{
		{"latest 10", `SELECT received_date_time, from_address, subject FROM messages ORDER BY received_date_time DESC LIMIT 10`, one},
		{"latest 10 in the inbox", `SELECT received_date_time, subject FROM messages WHERE folder_id = 'inbox' ORDER BY received_date_time DESC LIMIT 10`, one},
		{"latest 10 from a sender", `SELECT subject FROM messages WHERE from_address = '` + sender + `' ORDER BY received_date_time DESC LIMIT 10`, one},
		{"page 3 of the latest", `SELECT subject FROM messages ORDER BY received_date_time DESC LIMIT 10 OFFSET 20`, one},
		{"count unread", `SELECT count(*) FROM messages WHERE is_read = 0`, scoped("is_read = 0")},
		{"unread high importance", `SELECT subject FROM messages WHERE is_read = 0 AND importance = 'high'`, scoped("is_read = 0 AND importance = 'high'")},
		{"flagged", `SELECT subject, received_date_time FROM messages WHERE flag_status = 'flagged'`, scoped("flag_status = 'flagged'")},
		{"subject contains", `SELECT subject FROM messages WHERE subject LIKE '%budget%'`, scoped("subject LIKE '%budget%'")},
		{"subject starts with", `SELECT subject FROM messages WHERE subject LIKE 'Re:%'`, scoped("subject LIKE 'Re:%'")},
		{"one month", `SELECT subject FROM messages WHERE received_date_time >= '2025-03-01T00:00:00Z' AND received_date_time < '2025-04-01T00:00:00Z'`,
			scoped("received_date_time >= '2025-03-01T00:00:00Z' AND received_date_time < '2025-04-01T00:00:00Z'")},
		{"importance IN list", `SELECT subject FROM messages WHERE importance IN ('high', 'low')`, scoped("importance IN ('high', 'low')")},
		{"with attachments, latest 5", `SELECT subject FROM messages WHERE has_attachments = 1 ORDER BY received_date_time DESC LIMIT 5`, one},
		{"one message by id", `SELECT subject, from_address FROM messages WHERE id = '` + anyID + `'`, one},
		{"one body by id", `SELECT body FROM messages WHERE id = '` + anyID + `'`, one},
		{"messages per sender", `SELECT from_address, count(*) FROM messages GROUP BY from_address`, scoped("1")},
		{"search", `SELECT subject FROM messages WHERE search = 'budget'`, one},
		{"search, unread only", `SELECT subject FROM messages WHERE search = 'budget' AND is_read = 0`, one},
		{"users of a department", `SELECT display_name, mail FROM users WHERE department = '` + dept + `'`, one},
		{"user by mail", `SELECT display_name FROM users WHERE mail = '` + *me.Mail + `'`, one},
		{"users by domain", `SELECT display_name FROM users WHERE mail LIKE '%@contoso.onmicrosoft.com'`, one},
		{"folder tree", `SELECT path, total_item_count FROM mail_folders`, func(count func(string) int) int {
			// the top level, then each folder that has children
			return 1 + count("SELECT count(*) FROM mail_folders WHERE user_id = 'me' AND child_folder_count > 0")
		}},
		{"attachments of a message", `SELECT name, size FROM attachments WHERE message_id = '` + withAtt + `'`, one},
		{"attachments of the latest message with some", `SELECT a.name FROM attachments a WHERE a.message_id = (SELECT id FROM messages WHERE has_attachments = 1 ORDER BY received_date_time DESC LIMIT 1)`,
			func(func(string) int) int { return 2 }},
		{"two other mailboxes, unread", `SELECT user_id, subject FROM messages WHERE user_id IN (` + others + `) AND is_read = 0`,
			func(count func(string) int) int {
				// one request per mailbox (a $batch could carry both first pages)
				n := 0
				for _, u := range tn.Users[1:3] {
					n += pages(count("SELECT count(*) FROM messages WHERE user_id = '"+u.UserPrincipalName+"' AND folder_id IS NULL AND is_read = 0"), msgTop)
				}
				return n
			}},
		{"unread per user (join)", `SELECT u.display_name, count(*) FROM users u JOIN messages m ON m.user_id = u.id WHERE m.is_read = 0 GROUP BY u.id`,
			func(count func(string) int) int {
				n := pages(count("SELECT count(*) FROM users"), userTop)
				for _, u := range tn.Users {
					n += pages(count("SELECT count(*) FROM messages WHERE user_id = '"+u.ID+"' AND folder_id IS NULL AND is_read = 0"), msgTop)
				}
				return n
			}},
	}
}

// suiteResult is what one query cost.
type suiteResult struct {
	rows     [][]string
	requests int
	bytes    int64
}

// runSuiteQuery runs q on e and returns its rows and the Graph requests and
// bytes it cost (a $batch counts as one request).
func runSuiteQuery(t testing.TB, e *env, q string) suiteResult {
	t.Helper()
	e.Server.ResetRequests()
	rows := e.query(t, q)
	st := e.Server.Stats()
	return suiteResult{rows: sorted(rows), requests: st.Requests, bytes: st.Bytes}
}

// TestPushdownSuite runs the suite of typical queries with pushdown and
// without (Pushdown=False: fetch everything, filter in SQLite): the answers
// must be equal, and with pushdown every query must take the fewest
// requests possible. The table it logs is the figure for the closing note.
func TestPushdownSuite(t *testing.T) {
	tn, queries := suite(t)
	// Partitioned scans trade requests (a count, probes) for time; the
	// fewest requests are those of a sequential scan.
	on := newEnv(t, tn, []string{"ParallelScans=1"})
	off := newEnv(t, tn, []string{"Pushdown=False"})
	plain, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	plain.SetMaxOpenConns(1)
	defer plain.Close()
	if err := plaincopy.Load(plain, tn, on.User); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := plain.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-46s %5s %9s %5s %11s %4s\n", "query", "req", "bytes", "req", "bytes", "min")
	fmt.Fprintf(&b, "%-46s %15s %17s\n", "", "(pushdown)", "(Pushdown=False)")
	var totOn, totOff, totMin int
	var bytesOn, bytesOff int64
	for _, q := range queries {
		a := runSuiteQuery(t, on, q.sql)
		z := runSuiteQuery(t, off, q.sql)
		m := q.min(count)
		totOn, totOff, totMin = totOn+a.requests, totOff+z.requests, totMin+m
		bytesOn, bytesOff = bytesOn+a.bytes, bytesOff+z.bytes
		fmt.Fprintf(&b, "%-46s %5d %9d %5d %11d %4d\n", q.name, a.requests, a.bytes, z.requests, z.bytes, m)
		if strings.Contains(q.sql, "LIMIT") && !strings.Contains(q.sql, "ORDER BY") {
			t.Errorf("%s: a LIMIT without ORDER BY has no single answer to compare", q.name)
		}
		if len(a.rows) == 0 && !strings.HasPrefix(q.name, "search") {
			t.Errorf("%s: no rows: the query proves little", q.name)
		}
		diffRows(t, q.name+" (pushdown vs Pushdown=False)", a.rows, z.rows)
		if a.requests != m {
			t.Errorf("%s: %d requests with pushdown, the fewest possible is %d", q.name, a.requests, m)
		}
		// Bytes are reported, not compared: an advanced query on users
		// carries @odata.count, a few bytes more than the plain listing.
		if a.requests > z.requests {
			t.Errorf("%s: pushdown made more requests (%d) than none (%d)", q.name, a.requests, z.requests)
		}
	}
	fmt.Fprintf(&b, "%-46s %5d %9d %5d %11d %4d\n", "total", totOn, bytesOn, totOff, bytesOff, totMin)
	t.Logf("%d queries:\n%s", len(queries), b.String())
	if len(queries) < 20 {
		t.Errorf("the suite has %d queries, want at least 20", len(queries))
	}
}

// BenchmarkPushdownSuite reports, for each query of the suite, the Graph
// requests and response bytes per query with pushdown and with
// Pushdown=False, measured in the same run.
func BenchmarkPushdownSuite(b *testing.B) {
	tn, queries := suite(b)
	envs := map[string]*env{"pushdown": newEnv(b, tn, nil), "no-pushdown": newEnv(b, tn, []string{"Pushdown=False"})}
	for _, q := range queries {
		for _, mode := range []string{"pushdown", "no-pushdown"} {
			e := envs[mode]
			b.Run(strings.ReplaceAll(q.name, " ", "_")+"/"+mode, func(b *testing.B) {
				var reqs int
				var bytes int64
				for b.Loop() {
					r := runSuiteQuery(b, e, q.sql)
					reqs, bytes = reqs+r.requests, bytes+r.bytes
				}
				b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
				b.ReportMetric(float64(bytes)/float64(b.N), "resp-bytes/op")
			})
		}
	}
}
