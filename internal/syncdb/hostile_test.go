package syncdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// Hostile inputs: what a user's machine, file or tenant may throw at sync.

func TestHostileDBPathIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("these are my notes, not a database, and they are long enough to have a header\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "adir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"a directory", sub, sub},
		{"a text file", notDB, notDB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mailbox(t)
			before, _ := os.ReadFile(notDB)
			_, err := Run(context.Background(), syncOpts(f, tc.path))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an error naming %s", err, tc.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("sync sent %v before finding the file unusable", got)
			}
			if after, _ := os.ReadFile(notDB); string(after) != string(before) {
				t.Errorf("sync changed a file that is not a database")
			}
		})
	}
}

func TestHostileOwnMessagesTableIsLeftAlone(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mine.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE messages(id INTEGER PRIMARY KEY, note TEXT); INSERT INTO messages(note) VALUES('mine')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Run(context.Background(), syncOpts(f, path))
	if err == nil || !strings.Contains(err.Error(), "already has a table messages with other columns (id, note)") {
		t.Fatalf("err = %v", err)
	}
	if got := query(t, path, "SELECT name FROM sqlite_master ORDER BY name"); !reflect.DeepEqual(got, [][]string{{"messages"}}) {
		t.Errorf("a refused sync left %v in the user's file", got)
	}
	if got := query(t, path, "SELECT id, note FROM messages"); !reflect.DeepEqual(got, [][]string{{"1", "mine"}}) {
		t.Errorf("the user's rows: %v", got)
	}
	if got := query(t, path, "PRAGMA journal_mode"); got[0][0] != "delete" {
		t.Errorf("a refused sync left the user's file in journal mode %s", got[0][0])
	}
}

func TestHostileReaderHoldingAReadTransaction(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	db := openRO(t, path)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var before int
	if err := tx.QueryRow("SELECT count(*) FROM messages").Scan(&before); err != nil {
		t.Fatal(err)
	}
	f.put("e", "inbox", "new while a report reads", false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Run(ctx, o); err != nil {
		t.Fatalf("a sync beside an open read transaction: %v", err)
	}
	var during int
	if err := tx.QueryRow("SELECT count(*) FROM messages").Scan(&during); err != nil {
		t.Fatal(err)
	}
	if during != before {
		t.Errorf("the reader's snapshot changed under it: %d rows, then %d", before, during)
	}
	tx.Rollback()
	checkMessages(t, f, path, "after the reader let go")
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestHostileFolderParentCycleTerminates(t *testing.T) {
	// Graph should never send it; if it does, paths must still be computed.
	f := newFakeDelta(t)
	f.folder("a", "A", "b")
	f.folder("b", "B", "a")
	f.folder("c", "C", "c") // its own parent
	f.put("m", "a", "in a cycle", false)
	path := filepath.Join(t.TempDir(), "mail.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Run(ctx, syncOpts(f, path)); err != nil {
		t.Fatal(err)
	}
	got := query(t, path, "SELECT id, path FROM mail_folders ORDER BY id")
	if want := [][]string{{"a", "B/A"}, {"b", "A/B"}, {"c", "C"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	// Deleting a folder of the cycle ends too, and takes both.
	f.deleteFolder("a")
	if _, err := Run(ctx, syncOpts(f, path)); err != nil {
		t.Fatal(err)
	}
	if got := query(t, path, "SELECT id FROM mail_folders ORDER BY id"); !reflect.DeepEqual(got, [][]string{{"c"}}) {
		t.Errorf("after deleting a folder of a cycle: %v", got)
	}
}

// cycleServer serves /me, one folder, and a messages delta whose
// nextLinks go round in a circle of two pages.
func cycleServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var pages atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1.0/me":
			fmt.Fprint(w, `{"id":"user-1"}`)
		case strings.HasSuffix(r.URL.Path, "/mailFolders/delta"):
			fmt.Fprintf(w, `{"value":[{"id":"inbox","displayName":"Inbox","parentFolderId":"root","totalItemCount":1}],"@odata.deltaLink":"%s/v1.0/me/mailFolders/delta?$deltatoken=1"}`, srv.URL)
		case strings.Contains(r.URL.Path, "/messages/delta"):
			pages.Add(1)
			next := "2"
			if r.URL.Query().Get("$skiptoken") == "2" {
				next = "1"
			}
			fmt.Fprintf(w, `{"value":[{"id":"m%d","subject":"x","parentFolderId":"inbox"}],"@odata.nextLink":"%s/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=%s"}`,
				pages.Load(), srv.URL, next)
		default:
			http.Error(w, `{"error":{"code":"NotFound","message":"no"}}`, 404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &pages
}

func TestHostileNextLinkCycleStops(t *testing.T) {
	srv, pages := cycleServer(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := Options{Client: graph.New(graph.Options{BaseURL: srv.URL + "/v1.0"}), Path: path,
		Tables: []string{"messages", "mail_folders"}, PageSize: 2, Folders: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "loops") {
		t.Fatalf("err = %v (after %d pages), want the paging loop named", err, pages.Load())
	}
	if n := pages.Load(); n > 10 {
		t.Errorf("followed %d pages of a two-page cycle", n)
	}
	if got := query(t, path, "SELECT count(*) FROM messages"); got[0][0] != "0" {
		t.Errorf("a looping round committed %s messages", got[0][0])
	}
}

func TestHostileCancelDuringCommitKeepsIt(t *testing.T) {
	// Ctrl-C while a folder's transaction runs: the round was fetched
	// whole; its commit is finished, not thrown away (ISSUE: "Ctrl-C
	// finishes the current commit and exits cleanly").
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	db, err := open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := &run{o: o, db: db, removed: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = r.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("UPDATE messages SET subject = 'one' WHERE id = 'a'"); err != nil {
			return err
		}
		cancel()
		time.Sleep(50 * time.Millisecond) // database/sql's watcher would roll back now
		_, err := tx.Exec("UPDATE messages SET subject = 'two' WHERE id = 'b'")
		return err
	})
	if err != nil {
		t.Fatalf("a transaction interrupted by Ctrl-C: %v", err)
	}
	got := query(t, path, "SELECT id, subject FROM messages WHERE id IN ('a', 'b') ORDER BY id")
	if want := [][]string{{"a", "one"}, {"b", "two"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after Ctrl-C during a commit: %v, want %v", got, want)
	}
}

func TestHostileOddFolderNames(t *testing.T) {
	f := newFakeDelta(t)
	long := strings.Repeat("très long nom de dossier ✉ ", 40)
	f.folder("p", "Proj/ects 'quoted' \"dq\" %41", "root")
	f.folder("q", long, "p")
	f.folder("s1", "Same", "root")
	f.folder("s2", "Other", "root")
	f.put("m", "q", "ünïcødé ✓ 日本語", false)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	f.folder("s2", "Same", "root") // renamed to its sibling's name
	mustRun(t, o)
	got := query(t, path, "SELECT id, path FROM mail_folders ORDER BY id")
	want := [][]string{{"p", "Proj/ects 'quoted' \"dq\" %41"}, {"q", "Proj/ects 'quoted' \"dq\" %41/" + long}, {"s1", "Same"}, {"s2", "Same"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths %q, want %q", got, want)
	}
	checkMessages(t, f, path, "odd names")
	if got := query(t, path, "SELECT folder_path FROM messages_in_folders WHERE id = 'm'"); got[0][0] != want[1][1] {
		t.Errorf("messages_in_folders: %q", got)
	}
}

func TestHostileTablesTypos(t *testing.T) {
	for _, tc := range []struct {
		tables []string
		want   string
	}{
		{[]string{"mesages"}, `not "mesages"`},
		{[]string{"messages", "attachment"}, `not "attachment"`},
		{[]string{"attachments"}, "add messages to --tables"},
		{[]string{"MESSAGES", " mail_folders "}, ""},
	} {
		_, err := checkTables(tc.tables)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: err = %v, want %q", tc.tables, err, tc.want)
		}
	}
}

func TestHostileUsersNextLinkCycleStops(t *testing.T) {
	var pages atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n := pages.Add(1)
		next := "b"
		if r.URL.Query().Get("$skiptoken") == "b" {
			next = "a"
		}
		fmt.Fprintf(w, `{"value":[{"id":"u%d","userPrincipalName":"u%d@contoso.com"}],"@odata.nextLink":"%s/v1.0/users?$skiptoken=%s"}`, n, n, srv.URL, next)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Users(ctx, graph.New(graph.Options{BaseURL: srv.URL + "/v1.0"}))
	if err == nil || !strings.Contains(err.Error(), "loops") {
		t.Fatalf("err = %v (after %d pages), want the paging loop named", err, pages.Load())
	}
	if n := pages.Load(); n > 10 {
		t.Errorf("followed %d pages of a two-page cycle", n)
	}
}

func TestHostileWaitQueuesBehindAnotherSync(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	held := flock.New(path + ".sync-lock")
	if ok, err := held.TryLock(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	o := syncOpts(f, path)
	o.Wait = true
	// Ctrl-C while waiting: it says what it was waiting for, sends nothing.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "waiting for another sync of "+path) {
		t.Errorf("err = %v", err)
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("a waiting sync sent %v", got)
	}
	done := make(chan error, 1)
	go func() { _, err := Run(context.Background(), o); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("--wait did not wait: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	held.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkMessages(t, f, path, "after waiting")
}

// TestHostileOwnObjectsWithOurNames: a file whose user made objects with
// the names sync makes (a view messages, a table messages_fts or
// message_recipients, another _outlooksql_delta) is refused before any
// request and any change to the file, naming the object.
func TestHostileOwnObjectsWithOurNames(t *testing.T) {
	for _, tc := range []struct{ setup, want string }{
		{"CREATE VIEW messages AS SELECT 1 AS x", "the file already has a view messages"},
		{"CREATE TABLE messages_fts(a, b)", "the file already has a table messages_fts"},
		{"CREATE TABLE message_recipients(a)", "the file already has a table message_recipients"},
		{"CREATE VIEW mail_folders AS SELECT 1 AS id", "the file already has a view mail_folders"},
		{"CREATE TABLE _outlooksql_delta(a)", "the file already has a table _outlooksql_delta with other columns (a)"},
	} {
		t.Run(tc.setup, func(t *testing.T) {
			f := mailbox(t)
			path := filepath.Join(t.TempDir(), "mine.db")
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.setup); err != nil {
				t.Fatal(err)
			}
			db.Close()
			before := query(t, path, "SELECT type, name FROM sqlite_master ORDER BY name")
			_, err = Run(context.Background(), syncOpts(f, path))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "sync into a new file") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("sent %v", got)
			}
			if after := query(t, path, "SELECT type, name FROM sqlite_master ORDER BY name"); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused sync changed the file's objects: %v, then %v", before, after)
			}
		})
	}
}

// TestHostileTransient404KeepsTheFolder: a folder's messages/delta answers
// 404 once, though the folder exists (Graph's replicas lag at times). The
// run drops it as deleted, as it should assume; the next run must learn
// that it exists and copy it again, not lose it for good.
func TestHostileTransient404KeepsTheFolder(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	var once atomic.Bool
	serve := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "inbox") && strings.HasSuffix(r.URL.Path, "/messages/delta") && once.CompareAndSwap(false, true) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`)
			return
		}
		serve.ServeHTTP(w, r)
	})
	f.put("e", "inbox", "new", false)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !once.Load() {
		t.Fatal("the 404 was not sent")
	}
	// Meanwhile no message is left without its folder (Projects, under
	// Inbox, was synced after Inbox's 404 dropped both).
	if got := query(t, path, "SELECT id FROM messages WHERE parent_folder_id NOT IN (SELECT id FROM mail_folders) ORDER BY id"); len(got) != 0 {
		t.Errorf("after the 404, messages without a folder: %v", got)
	}
	mustRun(t, o)
	checkMessages(t, f, path, "the run after a transient 404")
	if got := query(t, path, "SELECT id, path FROM mail_folders ORDER BY id"); !reflect.DeepEqual(got, [][]string{{"archive", "Archive"}, {"inbox", "Inbox"}, {"projects", "Inbox/Projects"}}) {
		t.Errorf("folders %v", got)
	}
}

// TestHostileFolderDeletedWhileOnlyFoldersSync: a folder deleted while
// --tables names mail_folders alone takes its messages from the file too
// (synced by earlier runs): a later run with messages would never visit
// the folder again, and its messages would stay for good.
func TestHostileFolderDeletedWhileOnlyFoldersSync(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	f.deleteFolder("archive")
	f.remove("c", true)
	folders := o
	folders.Tables = []string{"mail_folders"}
	mustRun(t, folders)
	mustRun(t, o)
	checkMessages(t, f, path, "after a folder was deleted during a folders-only sync")
}

func TestHostileDBInAMissingDirectory(t *testing.T) {
	f := mailbox(t)
	dir := filepath.Join(t.TempDir(), "no such dir")
	path := filepath.Join(dir, "mail.db")
	_, err := Run(context.Background(), syncOpts(f, path))
	if err == nil || !strings.Contains(err.Error(), "--db "+path+": the directory "+dir+" does not exist: create it, or give --db a file in an existing directory") {
		t.Errorf("err = %v", err)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("sync made the directory: %v", serr)
	}
}
