package syncdb

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gofrs/flock"
	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// mailbox builds a fake with Inbox (with a subfolder) and Archive.
func mailbox(t *testing.T) *fakeDelta {
	f := newFakeDelta(t)
	f.folder("inbox", "Inbox", "root")
	f.folder("projects", "Projects", "inbox")
	f.folder("archive", "Archive", "root")
	for i, s := range []string{"budget 2024", "lunch", "budget review", "holiday"} {
		f.put(string(rune('a'+i)), []string{"inbox", "inbox", "archive", "projects"}[i], s, i%2 == 0)
	}
	return f
}

func syncOpts(f *fakeDelta, path string) Options {
	return Options{Client: graph.New(graph.Options{BaseURL: f.srv.URL + "/v1.0"}), Path: path,
		Tables: []string{"messages", "mail_folders"}, PageSize: 2, Folders: 1}
}

func mustRun(t *testing.T, o Options) *Summary {
	t.Helper()
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkMessages(t *testing.T, f *fakeDelta, path, when string) {
	t.Helper()
	got := query(t, path, "SELECT id, subject, is_read, parent_folder_id FROM messages ORDER BY id")
	if want := f.state(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: messages = %v, want %v", when, got, want)
	}
	// messages_fts has one entry per message: no stale or doubled ones.
	n := query(t, path, "SELECT (SELECT count(*) FROM messages_fts), (SELECT count(*) FROM messages)")
	if n[0][0] != n[0][1] {
		t.Errorf("%s: messages_fts has %s rows, messages %s", when, n[0][0], n[0][1])
	}
}

type counts struct{ added, changed, moved, deleted int64 }

func countsOf(s *Summary) counts { return counts{s.Added, s.Changed, s.Moved, s.Deleted} }

func TestRoundsApplyAddsUpdatesRemovalsAndFolders(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	if got := countsOf(mustRun(t, o)); got != (counts{4, 0, 0, 0}) {
		t.Errorf("first run counts %+v", got)
	}
	checkMessages(t, f, path, "first run")
	paths := query(t, path, "SELECT id, path FROM mail_folders ORDER BY id")
	if want := [][]string{{"archive", "Archive"}, {"inbox", "Inbox"}, {"projects", "Inbox/Projects"}}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}

	f.put("e", "inbox", "new mail", false) // added
	f.put("b", "inbox", "lunch", true)     // read
	f.remove("c", false)                   // deleted
	f.put("a", "archive", "budget 2024", true)
	f.folder("inbox", "Inbox 2", "root") // renamed: Projects' path follows
	f.requests()
	if got := countsOf(mustRun(t, o)); got != (counts{1, 1, 1, 1}) {
		t.Errorf("second run counts %+v, want 1 added, 1 changed, 1 moved, 1 deleted", got)
	}
	checkMessages(t, f, path, "second run")
	paths = query(t, path, "SELECT id, path FROM mail_folders ORDER BY id")
	if want := [][]string{{"archive", "Archive"}, {"inbox", "Inbox 2"}, {"projects", "Inbox 2/Projects"}}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths after rename = %v, want %v", paths, want)
	}
	for _, r := range f.requests() {
		if strings.Contains(r, "/messages/delta") && !strings.Contains(r, "$deltatoken=") && !strings.Contains(r, "$skiptoken=") {
			t.Errorf("second run sent an initial round %s; want the saved delta links", r)
		}
	}

	// A no-change run: one request per folder, plus /me and the folder delta.
	s := mustRun(t, o)
	if got := countsOf(s); got != (counts{}) || s.Requests != 5 {
		t.Errorf("no-change run: %+v", s)
	}

	// A deleted folder takes its messages and its link.
	f.deleteFolder("projects")
	f.remove("d", true)
	mustRun(t, o)
	checkMessages(t, f, path, "after a folder was deleted")
	if got := query(t, path, "SELECT folder_id FROM _outlooksql_delta WHERE resource = 'messages' ORDER BY folder_id"); !reflect.DeepEqual(got, [][]string{{"archive"}, {"inbox"}}) {
		t.Errorf("delta links after the folder was deleted: %v", got)
	}
}

func TestMoveRaceNeverLosesAMessage(t *testing.T) {
	// Folders sync one at a time, in path order; the names decide whether
	// the removal from the source or the addition to the destination is
	// applied first.
	for _, tc := range []struct{ name, src, dst string }{
		{"addition first", "Zeta", "Alpha"},
		{"removal first", "Alpha", "Zeta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeDelta(t)
			f.folder("src", tc.src, "root")
			f.folder("dst", tc.dst, "root")
			f.put("m", "src", "quarterly budget", false)
			path := filepath.Join(t.TempDir(), "mail.db")
			o := syncOpts(f, path)
			mustRun(t, o)
			f.put("m", "dst", "quarterly budget", false)
			s := mustRun(t, o)
			if got := countsOf(s); got != (counts{moved: 1}) {
				t.Errorf("counts %+v, want one move", got)
			}
			checkMessages(t, f, path, "after the move")
		})
	}
}

func TestStaleRoundDoesNotUndoAMove(t *testing.T) {
	// A folder's round read before a move, applied after the destination's:
	// its older copy of the message must not pull it back.
	f := newFakeDelta(t)
	f.folder("src", "Src", "root")
	f.folder("dst", "Dst", "root")
	f.put("m", "src", "s", false)
	stale := f.msgJSON(f.msgs["m"], "")
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	f.put("m", "dst", "s", false)
	mustRun(t, o)
	r := &run{o: o, removed: map[string]bool{}, messages: schemaOf(messagesTable())}
	db, err := open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	a := &applier{r: r, tx: tx, ex: newPreparedTx(tx), userID: "user-1", folder: "src"}
	if err := a.apply(parse(stale)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, path, "SELECT parent_folder_id FROM messages WHERE id = 'm'"); !reflect.DeepEqual(got, [][]string{{"dst"}}) {
		t.Errorf("after a stale copy: parent_folder_id %v, want dst", got)
	}
}

func TestGoneResetsOnlyThatFolder(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	f.remove("a", true) // no delta event: only the reset's full round learns of it
	f.put("f", "inbox", "after reset", false)
	f.gone["inbox"] = true
	f.requests()
	s := mustRun(t, o)
	checkMessages(t, f, path, "after 410")
	if got := countsOf(s); got != (counts{added: 1, deleted: 1}) {
		t.Errorf("counts %+v, want 1 added, 1 deleted (b kept, unchanged)", got)
	}
	var followed, otherInitial bool
	for _, r := range f.requests() {
		if strings.Contains(r, "mailFolders/inbox/messages/delta?$select=") && strings.Contains(r, "&reset=1") {
			followed = true
		}
		if strings.Contains(r, "mailFolders/archive/messages/delta?") {
			otherInitial = true
		}
	}
	if !followed || otherInitial {
		t.Errorf("want the Location URL followed for inbox (%v) and archive left on its link (initial round: %v)", followed, otherInitial)
	}
}

func TestFailedRunResumesWithoutDuplicatesOrLosses(t *testing.T) {
	for _, fail := range []string{"all", "page2"} {
		t.Run(fail, func(t *testing.T) {
			f := mailbox(t)
			for i := range 5 {
				f.put("z"+string(rune('0'+i)), "inbox", "more", false)
			}
			path := filepath.Join(t.TempDir(), "mail.db")
			o := syncOpts(f, path)
			f.fail["inbox"] = fail
			_, err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), "folder inbox") || !strings.Contains(err.Error(), "500") {
				t.Fatalf("err = %v, want folder inbox's 500", err)
			}
			// The other folders committed; inbox has nothing of its round.
			got := query(t, path, "SELECT parent_folder_id, count(*) FROM messages GROUP BY 1 ORDER BY 1")
			if want := [][]string{{"archive", "1"}, {"projects", "1"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("after the failed run: %v, want %v", got, want)
			}
			links := query(t, path, "SELECT folder_id FROM _outlooksql_delta WHERE resource = 'messages' ORDER BY 1")
			if want := [][]string{{"archive"}, {"projects"}}; !reflect.DeepEqual(links, want) {
				t.Errorf("links after the failed run: %v, want %v", links, want)
			}
			if e := query(t, path, "SELECT error IS NOT NULL FROM _outlooksql_runs"); e[0][0] != "1" {
				t.Errorf("the failed run is not recorded as failed")
			}
			delete(f.fail, "inbox")
			f.put("b", "archive", "lunch", false) // a move out of the folder not yet copied
			s := mustRun(t, o)
			checkMessages(t, f, path, "after the re-run")
			if got := countsOf(s); got != (counts{added: 7}) {
				t.Errorf("re-run counts %+v, want 7 added (inbox's 6, b in archive)", got)
			}
		})
	}
}

func TestBodyToggleResyncs(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	mustRun(t, o)
	o.Body = true
	f.requests()
	if got := countsOf(mustRun(t, o)); got != (counts{}) {
		t.Errorf("turning --body on counts %+v, want no changes", got)
	}
	initial := 0
	for _, r := range f.requests() {
		if strings.Contains(r, "/messages/delta?$select=") {
			initial++
			if !strings.Contains(r, ",body,") {
				t.Errorf("%s: no body in $select", r)
			}
		}
	}
	if initial != 3 {
		t.Errorf("%d initial rounds after --body was turned on, want 3 (one per folder)", initial)
	}
	got := query(t, path, "SELECT id, body FROM messages WHERE id = 'a'")
	if want := [][]string{{"a", "the body of a"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("body: %v, want %v", got, want)
	}
	checkMessages(t, f, path, "with --body")
	o.Body = false
	mustRun(t, o)
	if got := query(t, path, "SELECT count(*) FROM messages WHERE body IS NOT NULL"); got[0][0] != "0" {
		t.Errorf("%s bodies left after --body was turned off", got[0][0])
	}
	checkMessages(t, f, path, "without --body again")
}

func TestSecondSyncRefusesWhileOneRuns(t *testing.T) {
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	held := flock.New(path + ".sync-lock")
	if ok, err := held.TryLock(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	_, err := Run(context.Background(), syncOpts(f, path))
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "another outlooksql sync is writing this file") || !strings.Contains(err.Error(), "--wait") {
		t.Errorf("err = %v", err)
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("a refused sync sent %v", got)
	}
	held.Unlock()
	mustRun(t, syncOpts(f, path))
}

func TestFileOpensInSQLite3AndFTSMatches(t *testing.T) {
	sqlite3, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("no sqlite3 command")
	}
	f := mailbox(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	o.Tables = append(o.Tables, "users")
	mustRun(t, o)
	out, err := exec.Command(sqlite3, path,
		"PRAGMA journal_mode;",
		"SELECT m.id, m.subject FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH 'budget' ORDER BY m.id;",
		"SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'bob';",
		"SELECT id, display_name, business_phones FROM users ORDER BY id;").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "wal\na|budget 2024\nc|budget review\n4\nuser-1|Ann|[]\nuser-2|Bob|[\"+1 555\"]\n"
	if string(out) != want {
		t.Errorf("sqlite3 printed\n%s\nwant\n%s", out, want)
	}
	// A whole-word scan of the same columns agrees with the index.
	scan := query(t, path, "SELECT id FROM messages WHERE ' ' || lower(subject || ' ' || body_preview) || ' ' LIKE '% budget %' ORDER BY id")
	if !slices.EqualFunc(scan, [][]string{{"a"}, {"c"}}, slices.Equal) {
		t.Errorf("scan %v", scan)
	}
}

func parse(s string) gjson.Result { return gjson.Parse(s) }

func messagesTable() *tables.Table { return tables.Messages }

func TestConcurrentFoldersAndMoves(t *testing.T) {
	f := mailbox(t)
	for i := range 30 {
		f.put("n"+string(rune('a'+i)), []string{"inbox", "archive", "projects"}[i%3], "bulk", false)
	}
	path := filepath.Join(t.TempDir(), "mail.db")
	o := syncOpts(f, path)
	o.Folders = 4
	mustRun(t, o)
	checkMessages(t, f, path, "first run, 4 folders at once")
	for i := range 30 {
		f.put("n"+string(rune('a'+i)), []string{"archive", "projects", "inbox"}[i%3], "bulk", i%2 == 0)
	}
	s := mustRun(t, o)
	checkMessages(t, f, path, "after 30 moves, 4 folders at once")
	if s.Moved != 30 || s.Added != 0 || s.Deleted != 0 {
		t.Errorf("counts %+v, want 30 moved", countsOf(s))
	}
}
