package syncdb_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/internal/syncdb"
)

// diffEnv is a fake tenant served on loopback, a Graph client for the
// sync engine whose requests pass through hook, and the outlook driver
// on the same fake (app-only, so every user's mailbox is readable).
type diffEnv struct {
	*demo.Env
	client *graph.Client
	live   *sql.DB
	users  []string // user ids, in directory order

	mu   sync.Mutex
	hook func(*http.Request) // called before each request of the engine
	sent atomic.Int64        // engine requests sent
}

// hookTransport lets a test see, count and react to the engine's requests.
type hookTransport struct {
	e    *diffEnv
	next http.RoundTripper
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.e.sent.Add(1)
	h.e.mu.Lock()
	f := h.e.hook
	h.e.mu.Unlock()
	if f != nil {
		f(r)
	}
	return h.next.RoundTrip(r)
}

// setHook sets (nil: clears) the function called before each engine request.
func (e *diffEnv) setHook(f func(*http.Request)) {
	e.mu.Lock()
	e.hook = f
	e.mu.Unlock()
}

// newDiffEnv serves tenant and builds the engine's client and the driver.
func newDiffEnv(t testing.TB, tenant *fakegraph.Tenant, opts ...fakegraph.Option) *diffEnv {
	t.Helper()
	de, err := demo.Start(tenant, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Close)
	e := &diffEnv{Env: de}
	for _, u := range tenant.Users {
		if !u.NoMailbox {
			e.users = append(e.users, u.ID)
		}
	}
	conn := de.AppConnString(e.users[0])
	cfg, err := config.Parse(conn)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := connect.Tokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = graph.New(graph.Options{
		BaseURL:       cfg.BaseURL,
		Tokens:        tokens,
		HTTPClient:    &http.Client{Transport: hookTransport{e: e, next: http.DefaultTransport}, Timeout: time.Minute},
		MaxPerMailbox: 4,
	})
	e.live, err = sql.Open(driver.Name, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.live.Close() })
	return e
}

// options are the sync options of every mailbox of the tenant.
func (e *diffEnv) options(path string) syncdb.Options {
	return syncdb.Options{Client: e.client, Path: path, Mailboxes: e.users, PageSize: 5, Folders: 4}
}

// openFile opens a synced file for reading.
func openFile(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// rowsOf runs q and returns every row, each value in canonical text.
func rowsOf(db *sql.DB, q string, args ...any) ([][]string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = canonValue(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	return out, nil
}

// canonValue writes a SQL value so that equal values of equal types have
// equal text.
func canonValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case []byte:
		return fmt.Sprintf("x'%x'", v)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return "time(" + v.UTC().Format(time.RFC3339Nano) + ")"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// --- random changes to the tenant ---

// mutator makes random changes to a tenant, as Graph would show them:
// every changed message gets a new changeKey and a later
// lastModifiedDateTime.
type mutator struct {
	rng   *rand.Rand
	clock time.Time
	n     int
	log   []string // what was done, for failure messages
	// keepFolders makes no folder deletions (see TestSyncFolderDeletedDuringSync).
	keepFolders bool
}

func newMutator(seed int64) *mutator {
	return &mutator{rng: rand.New(rand.NewPCG(uint64(seed), 0x5ee0)), clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// newID is a fresh id in Exchange's form (URL-safe base64 of 32 bytes).
func (m *mutator) newID(kind string) string {
	m.n++
	b := make([]byte, 32)
	copy(b, fmt.Sprintf("%s-%08d-", kind, m.n))
	for i := 16; i < len(b); i++ {
		b[i] = byte(m.rng.IntN(256))
	}
	return base64.URLEncoding.EncodeToString(b)
}

// touch marks msg changed.
func (m *mutator) touch(msg *fakegraph.Message) {
	m.clock = m.clock.Add(time.Second)
	m.n++
	msg.LastModifiedDateTime = m.clock
	msg.ChangeKey = fmt.Sprintf("CQAAAB%08d", m.n)
}

// mailFolders are u's folders that hold mail (not search folders).
func mailFolders(u *fakegraph.User) []*fakegraph.Folder {
	var out []*fakegraph.Folder
	for _, f := range u.Folders {
		if !f.SearchFolder {
			out = append(out, f)
		}
	}
	return out
}

// subtree is the ids of f and every folder under it.
func subtree(u *fakegraph.User, id string) map[string]bool {
	in := map[string]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, f := range u.Folders {
			if !in[f.ID] && in[f.ParentFolderID] {
				in[f.ID], changed = true, true
			}
		}
	}
	return in
}

// round makes n random changes to the tenant's mailboxes.
func (m *mutator) round(t *fakegraph.Tenant, n int) {
	for range n {
		u := t.Users[m.rng.IntN(len(t.Users))]
		if u.NoMailbox {
			continue
		}
		m.change(u)
	}
}

// change makes one random change to u's mailbox.
func (m *mutator) change(u *fakegraph.User) {
	folders := mailFolders(u)
	pick := func() *fakegraph.Folder { return folders[m.rng.IntN(len(folders))] }
	var userFolders []*fakegraph.Folder // folders a user may rename, move, delete
	for _, f := range folders {
		if f.WellKnownName == "" {
			userFolders = append(userFolders, f)
		}
	}
	msgIn := func() *fakegraph.Message {
		if len(u.Messages) == 0 {
			return nil
		}
		return u.Messages[m.rng.IntN(len(u.Messages))]
	}
	switch k := m.rng.IntN(100); {
	case k < 25: // new mail
		f := pick()
		var msg fakegraph.Message
		if src := msgIn(); src != nil {
			msg = *src
			msg.ToRecipients = slices.Clone(src.ToRecipients)
			msg.Categories = slices.Clone(src.Categories)
		}
		msg.ID = m.newID("msg")
		msg.ParentFolderID = f.ID
		msg.Subject = fmt.Sprintf("new mail %d", m.n)
		msg.InternetMessageID = fmt.Sprintf("<new-%d@contoso.com>", m.n)
		msg.Attachments = nil
		msg.WebLink = ""
		msg.ReceivedDateTime, msg.CreatedDateTime, msg.SentDateTime = m.clock, m.clock, m.clock
		m.touch(&msg)
		u.Messages = append(u.Messages, &msg)
		m.log = append(m.log, "new mail in "+f.DisplayName)
	case k < 40: // read flag
		if msg := msgIn(); msg != nil {
			msg.IsRead = !msg.IsRead
			m.touch(msg)
			m.log = append(m.log, "read flag")
		}
	case k < 50: // flag and categories
		if msg := msgIn(); msg != nil {
			msg.Flag.Status = []string{"notFlagged", "flagged", "complete"}[m.rng.IntN(3)]
			msg.Categories = [][]string{nil, {"Red category"}, {"Blue category", "Project X"}}[m.rng.IntN(3)]
			m.touch(msg)
			m.log = append(m.log, "flag/categories")
		}
	case k < 65: // move
		if msg := msgIn(); msg != nil {
			to := pick()
			if to.ID != msg.ParentFolderID {
				msg.ParentFolderID = to.ID
				m.touch(msg)
				m.log = append(m.log, "move to "+to.DisplayName)
			}
		}
	case k < 77: // delete
		if len(u.Messages) > 0 {
			i := m.rng.IntN(len(u.Messages))
			u.Messages = slices.Delete(u.Messages, i, i+1)
			m.log = append(m.log, "delete")
		}
	case k < 83: // folder created, with some mail moved in
		parent := u.RootFolderID
		if m.rng.IntN(2) == 0 {
			parent = pick().ID
		}
		f := &fakegraph.Folder{ID: m.newID("fld"), DisplayName: fmt.Sprintf("Folder %d", m.n), ParentFolderID: parent}
		u.Folders = append(u.Folders, f)
		for range m.rng.IntN(4) {
			if msg := msgIn(); msg != nil {
				msg.ParentFolderID = f.ID
				m.touch(msg)
			}
		}
		m.log = append(m.log, "folder created: "+f.DisplayName)
	case k < 89: // folder renamed
		if len(userFolders) > 0 {
			f := userFolders[m.rng.IntN(len(userFolders))]
			f.DisplayName = fmt.Sprintf("%s renamed %d", f.DisplayName, m.n)
			m.n++
			m.log = append(m.log, "folder renamed: "+f.DisplayName)
		}
	case k < 95: // folder moved under another (not under itself)
		if len(userFolders) > 0 {
			f := userFolders[m.rng.IntN(len(userFolders))]
			below := subtree(u, f.ID)
			to := pick()
			if m.rng.IntN(3) == 0 {
				to = &fakegraph.Folder{ID: u.RootFolderID}
			}
			if !below[to.ID] && to.ID != f.ParentFolderID {
				f.ParentFolderID = to.ID
				m.log = append(m.log, "folder moved: "+f.DisplayName)
			}
		}
	default: // folder deleted with its subfolders and their mail
		if len(userFolders) > 0 && !m.keepFolders {
			f := userFolders[m.rng.IntN(len(userFolders))]
			gone := subtree(u, f.ID)
			u.Folders = slices.DeleteFunc(u.Folders, func(x *fakegraph.Folder) bool { return gone[x.ID] })
			u.Messages = slices.DeleteFunc(u.Messages, func(x *fakegraph.Message) bool { return gone[x.ParentFolderID] })
			m.log = append(m.log, "folder deleted: "+f.DisplayName)
		}
	}
}

// --- the comparison ---

// compare checks that the file at path holds exactly what the virtual
// tables return now: users whole, mail_folders whole per mailbox (path
// included), messages folder by folder. body says whether the file has
// the bodies.
func (e *diffEnv) compare(t testing.TB, path string, body bool, when string) {
	t.Helper()
	file := openFile(t, path)
	defer file.Close()
	var problems []string
	fail := func(format string, args ...any) {
		if len(problems) < 12 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	both := func(what, fq, lq string, args ...any) ([][]string, bool) {
		got, err := rowsOf(file, fq, args...)
		if err != nil {
			fail("%s: file: %v", what, err)
			return nil, false
		}
		want, err := rowsOf(e.live, lq, args...)
		if err != nil {
			fail("%s: live: %v", what, err)
			return nil, false
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			fail("%s: %s", what, rowsDiff(got, want))
			return want, false
		}
		return want, true
	}

	userCols := columnsOf(t, file, "users", nil)
	both("users", "SELECT "+userCols+" FROM users ORDER BY id", "SELECT "+userCols+" FROM users ORDER BY id")

	folderCols := columnsOf(t, file, "mail_folders", []string{"user_id"})
	skip := []string{"user_id"}
	if !body {
		skip = append(skip, "body", "body_content_type", "unique_body", "internet_message_headers")
	}
	msgCols := columnsOf(t, file, "messages", skip)
	total := 0
	for _, u := range e.users {
		folders, _ := both("mail_folders of "+u, "SELECT "+folderCols+" FROM mail_folders WHERE user_id = ? ORDER BY id",
			"SELECT "+folderCols+" FROM mail_folders WHERE user_id = ? ORDER BY id", u)
		for _, f := range folders {
			id, err := strconv.Unquote(f[0])
			if err != nil {
				t.Fatalf("mail_folders: id %s", f[0])
			}
			want, ok := both("messages of folder "+f[slices.Index(strings.Split(folderCols, ", "), "path")],
				"SELECT "+msgCols+" FROM messages WHERE user_id = ? AND parent_folder_id = ? ORDER BY id",
				"SELECT "+msgCols+" FROM messages WHERE user_id = ? AND folder_id = ? ORDER BY id", u, id)
			if ok {
				total += len(want)
			}
		}
	}
	// No message outside those folders, and one FTS entry per message.
	if len(problems) == 0 {
		n, err := rowsOf(file, "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM messages_fts)")
		if err != nil {
			fail("count: %v", err)
		} else if n[0][0] != strconv.Itoa(total) || n[0][1] != n[0][0] {
			fail("the file has %s messages and %s messages_fts rows; the folders hold %d", n[0][0], n[0][1], total)
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%s: the file differs from the virtual tables:\n%s", when, strings.Join(problems, "\n"))
	}
}

// columnsOf is the file table's column names, less skip, comma-separated.
func columnsOf(t testing.TB, db *sql.DB, table string, skip []string) string {
	t.Helper()
	rows, err := rowsOf(db, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("the file has no table %s", table)
	}
	var names []string
	for _, r := range rows {
		n, _ := strconv.Unquote(r[0])
		if !slices.Contains(skip, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// rowsDiff describes how got differs from want, rows keyed by their
// first column.
func rowsDiff(got, want [][]string) string {
	g, w := map[string][]string{}, map[string][]string{}
	for _, r := range got {
		g[r[0]] = r
	}
	for _, r := range want {
		w[r[0]] = r
	}
	var out []string
	for _, r := range want {
		if x, ok := g[r[0]]; !ok {
			out = append(out, "missing "+strings.Join(r, "|"))
		} else if !slices.Equal(x, r) {
			for i := range r {
				if x[i] != r[i] {
					out = append(out, fmt.Sprintf("row %s column %d: file %s, live %s", r[0], i, x[i], r[i]))
				}
			}
		}
	}
	for _, r := range got {
		if _, ok := w[r[0]]; !ok {
			out = append(out, "extra "+strings.Join(r, "|"))
		}
	}
	if len(got) != len(g) {
		out = append(out, fmt.Sprintf("the file has %d rows for %d keys (duplicates)", len(got), len(g)))
	}
	if len(out) > 6 {
		out = append(out[:6], fmt.Sprintf("… %d more", len(out)-6))
	}
	return fmt.Sprintf("%d rows in the file, %d live: %s", len(got), len(want), strings.Join(out, "; "))
}

// runSync syncs and fails the test on an error.
func runSync(t testing.TB, o syncdb.Options, when string) *syncdb.Summary {
	t.Helper()
	s, err := syncdb.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: sync: %v", when, err)
	}
	return s
}

// fileCount runs a count query on the file.
func (e *diffEnv) fileCount(t testing.TB, path, q string) int {
	t.Helper()
	db := openFile(t, path)
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
