//go:build cgo && !outlooksql_ext

package plan_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// fakeModule serves a table through the planner with canned rows, returned
// for every request whatever its filter, so that the rows SQLite keeps show
// what it re-checked; it records each Scan.
type fakeModule struct {
	t    *tables.Table
	rows []map[string]any
	log  *scanLog
}

type scanLog struct {
	mu    sync.Mutex
	scans []string // "table: URL; URL … [limit N]"
}

func (l *scanLog) add(s string) {
	l.mu.Lock()
	l.scans = append(l.scans, s)
	l.mu.Unlock()
}

func (l *scanLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.scans
	l.scans = nil
	return s
}

func (m *fakeModule) Schema() string                         { return m.t.Schema() }
func (m *fakeModule) Connect(*vtab.Conn) (vtab.Table, error) { return &fakeTable{m}, nil }

type fakeTable struct{ m *fakeModule }

func (t *fakeTable) BestIndex(info *vtab.IndexInfo) error {
	return plan.BestIndex(t.m.t, info, plan.Options{Pushdown: true})
}
func (t *fakeTable) Open(any) (vtab.Cursor, error) { return &fakeCursor{m: t.m}, nil }
func (t *fakeTable) Disconnect() error             { return nil }

type fakeCursor struct {
	m    *fakeModule
	rows []map[string]any
	echo []map[int]any
	i    int
}

func (c *fakeCursor) Filter(idxNum int, idxStr string, args []any) error {
	s, err := plan.Filter(c.m.t, idxNum, idxStr, args, plan.Defaults{UserID: "me"})
	if err != nil {
		return err
	}
	var urls []string
	c.rows, c.echo, c.i = nil, nil, 0
	for _, r := range s.Requests {
		urls = append(urls, r.URL)
		for _, row := range c.m.rows {
			c.rows = append(c.rows, row)
			c.echo = append(c.echo, r.Echo)
		}
	}
	entry := c.m.t.Name + ": " + strings.Join(urls, " ; ")
	if s.Limit > 0 {
		entry += fmt.Sprintf(" [limit %d]", s.Limit)
	}
	c.m.log.add(entry)
	return nil
}
func (c *fakeCursor) Next() error { c.i++; return nil }
func (c *fakeCursor) EOF() bool   { return c.i >= len(c.rows) }
func (c *fakeCursor) Column(ctx *vtab.Context, col int) error {
	if v, ok := c.echo[c.i][col]; ok {
		ctx.ResultValue(v)
		return nil
	}
	ctx.ResultValue(c.rows[c.i][c.m.t.Columns[col].Name])
	return nil
}
func (c *fakeCursor) Rowid() (int64, error) { return int64(c.i), nil }
func (c *fakeCursor) Close() error          { return nil }

var (
	registerOnce sync.Once
	log          = &scanLog{}
)

func openFake(t *testing.T) *sql.DB {
	t.Helper()
	registerOnce.Do(func() {
		mods := map[string]*fakeModule{
			"p_messages": {t: tables.Messages, rows: []map[string]any{
				{"id": "m1", "subject": "Budget", "received_date_time": "2024-03-02T10:00:00Z", "is_read": int64(0)},
				{"id": "m2", "subject": "budget", "received_date_time": "2024-03-05T10:00:00Z", "is_read": int64(1)}}},
			"p_users":       {t: tables.Users, rows: []map[string]any{{"id": "u1", "mail": "a@x.com"}, {"id": "u2", "mail": "b@x.com"}}},
			"p_attachments": {t: tables.AttachmentsTable, rows: []map[string]any{{"id": "a1", "name": "x.pdf"}}},
			"p_folders":     {t: tables.MailFolders},
		}
		for name, m := range mods {
			m.log = log
			if err := vtab.Register(name, m); err != nil {
				t.Fatal(err)
			}
		}
	})
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestThroughSQLite runs SQL on real SQLite: the plans must be accepted,
// and the requests must be what the unit tests promise for the constraints
// SQLite really passes.
func TestThroughSQLite(t *testing.T) {
	db := openFake(t)
	tests := []struct {
		q     string
		args  []any
		rows  []string
		scans []string
	}{
		{q: "SELECT id FROM p_messages LIMIT 10", rows: []string{"m1", "m2"},
			scans: []string{"messages: /me/messages?$select=id&$top=10 [limit 10]"}},
		{q: "SELECT id FROM p_messages ORDER BY received_date_time DESC LIMIT 1", rows: []string{"m1"},
			scans: []string{"messages: /me/messages?$orderby=receivedDateTime%20desc&$select=id,receivedDateTime&$top=1 [limit 1]"}},
		{q: "SELECT id FROM p_messages WHERE subject LIKE 'bud%'", rows: []string{"m1", "m2"},
			scans: []string{"messages: /me/messages?$filter=startswith(subject,'bud')&$select=id,subject&$top=1000&$count=true"}},
		{q: "SELECT id FROM p_messages WHERE subject = 'budget'", rows: []string{"m2"},
			scans: []string{"messages: /me/messages?$filter=subject%20eq%20'budget'&$select=id,subject&$top=1000&$count=true"}},
		{q: "SELECT id FROM p_messages WHERE received_date_time LIKE '2024-03%'", rows: []string{"m1", "m2"},
			scans: []string{"messages: /me/messages?$filter=receivedDateTime%20ge%202024-03-01T00:00:00Z%20and%20receivedDateTime%20lt%202024-04-01T00:00:00Z&$select=id,receivedDateTime&$top=1000&$count=true"}},
		{q: "SELECT id FROM p_messages WHERE importance IN ('high', 'low') LIMIT 5",
			scans: []string{"messages: /me/messages?$filter=(importance%20eq%20'high'%20or%20importance%20eq%20'low')&$select=id,importance&$top=5 [limit 5]"}},
		{q: "SELECT id, folder_id FROM p_messages('bob@x.com', 'inbox')", rows: []string{"m1|inbox", "m2|inbox"},
			scans: []string{"messages: /users/bob%40x.com/mailFolders/inbox/messages?$select=id&$top=1000&$count=true"}},
		{q: "SELECT id FROM p_messages WHERE is_read = 0 AND received_date_time >= '2024-01-01T00:00:00Z' ORDER BY received_date_time DESC LIMIT 5 OFFSET 10",
			rows:  []string{"m1", "m2"}, // the fake ignores $filter, $orderby and $skip: SQLite trusted them
			scans: []string{"messages: /me/messages?$filter=receivedDateTime%20ge%202024-01-01T00:00:00Z%20and%20isRead%20eq%20false&$orderby=receivedDateTime%20desc&$select=id,receivedDateTime,isRead&$skip=10&$top=5 [limit 5]"}},
		{q: "SELECT id FROM p_messages WHERE subject = ? LIMIT ?", args: []any{"Budget", 1}, rows: []string{"m1"},
			scans: []string{"messages: /me/messages?$filter=subject%20eq%20'Budget'&$select=id,subject&$top=100"}},
		{q: "SELECT m.id, u.mail FROM p_users u JOIN p_messages m ON m.user_id = u.id WHERE m.is_read = 1",
			rows: []string{"m1|a@x.com", "m2|a@x.com", "m1|b@x.com", "m2|b@x.com"}, // is_read = 1 trusted to Graph
			scans: []string{"users: /users?$select=id,mail&$top=999",
				"messages: /users/u1/messages?$filter=isRead%20eq%20true&$select=id,isRead&$top=1000&$count=true",
				"messages: /users/u2/messages?$filter=isRead%20eq%20true&$select=id,isRead&$top=1000&$count=true"}},
		{q: "SELECT m.id, a.name FROM p_messages m JOIN p_attachments a ON a.message_id = m.id WHERE m.subject = 'Budget'",
			rows: []string{"m1|x.pdf"},
			scans: []string{"messages: /me/messages?$filter=subject%20eq%20'Budget'&$select=id,subject&$top=1000&$count=true",
				"attachments: /me/messages/m1/attachments?$select=id,name&$top=1000"}},
		{q: "SELECT id FROM p_messages WHERE id IN (SELECT 'm2' UNION SELECT 'm9')",
			rows:  []string{"m2", "m2"}, // the fake answers each GET with both rows; SQLite checks id
			scans: []string{"messages: /me/messages/m2?$select=id ; /me/messages/m9?$select=id"}},
		{q: "SELECT count(*) FROM p_messages WHERE search = 'budget'", rows: []string{"2"},
			scans: []string{`messages: /me/messages?$search=%22budget%22&$select=id&$top=1000`}},
		// SQLite would run the OR as one scan per branch, planned again
		// without the IN (SELECT …): both branches would read /me.
		{q: "SELECT parent_folder_id, count(*) FROM p_messages WHERE user_id IN (SELECT id FROM p_users) AND (is_read = 0 OR subject = 'Budget') GROUP BY parent_folder_id",
			rows: []string{"<nil>|2"},
			scans: []string{"users: /users?$select=id&$top=999",
				"messages: /users/u1/messages?$select=id,subject,isRead,parentFolderId&$top=1000 ; /users/u2/messages?$select=id,subject,isRead,parentFolderId&$top=1000"}},
		{q: "SELECT mail FROM p_users WHERE mail LIKE '%@x.com' AND department IN ('a', 'b')",
			scans: []string{"users: /users?$filter=department%20in%20('a','b')%20and%20endswith(mail,'@x.com')&$select=id,mail,department&$top=999&$count=true"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			log.take()
			rows, err := db.Query(tt.q, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				var parts []string
				for _, v := range vals {
					parts = append(parts, fmt.Sprint(v))
				}
				got = append(got, strings.Join(parts, "|"))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows: got %q, want %q", got, tt.rows)
			}
			if scans := log.take(); !reflect.DeepEqual(scans, tt.scans) {
				t.Errorf("scans:\n got %q\nwant %q", scans, tt.scans)
			}
		})
	}
}
