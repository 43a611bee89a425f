package syncdb

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/graph"
)

// progressLog collects the events of Options.Progress.
type progressLog struct {
	mu     sync.Mutex
	events []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, p)
}

// check asserts that one mailbox's events only go forward, stay within
// their totals, and end Finished with every folder and message done.
func (l *progressLog) check(t *testing.T, when string, wantFolders int, wantMessages int64) Progress {
	t.Helper()
	if len(l.events) == 0 {
		t.Fatalf("%s: no progress events", when)
	}
	var prev Progress
	for i, p := range l.events {
		if p.Mailbox != "me" {
			t.Errorf("%s: event %d names mailbox %q, want me", when, i, p.Mailbox)
		}
		if p.FoldersDone < prev.FoldersDone || p.Done < prev.Done || p.Fetched < prev.Fetched || p.Waits < prev.Waits {
			t.Errorf("%s: event %d went back: %+v after %+v", when, i, p, prev)
		}
		if p.FoldersDone > p.FoldersTotal || p.Done > p.Messages {
			t.Errorf("%s: event %d beyond its totals: %+v", when, i, p)
		}
		if p.Finished != (i == len(l.events)-1) {
			t.Errorf("%s: event %d of %d has Finished %v", when, i, len(l.events), p.Finished)
		}
		prev = p
	}
	last := l.events[len(l.events)-1]
	if last.Err != nil || last.FoldersTotal != wantFolders || last.FoldersDone != wantFolders || last.Messages != wantMessages || last.Done != wantMessages {
		t.Errorf("%s: last event %+v, want %d of %d folders and %d of %d messages done", when, last, wantFolders, wantFolders, wantMessages, wantMessages)
	}
	return last
}

func TestProgressEvents(t *testing.T) {
	srv, _, o := tenantSync(t, 60, "messages", "mail_folders")
	o.PageSize = 7 // several pages per folder: an event each
	o.Client = graph.New(graph.Options{BaseURL: srv.GraphURL(), Tokens: staticToken(srv.IssueAccessToken(srv.Tenant().Users[0].UserPrincipalName)),
		MaxPerMailbox: 4, Retry: graph.Retry{Mode: graph.RetryWhenStatusCodeMatch, MaxRetries: 3}})
	log := &progressLog{}
	o.Progress = log.add
	srv.FailNext(1, 429, "0.05") // one throttling wait, counted for the mailbox
	s := mustRun(t, o)

	folders := query(t, o.Path, "SELECT count(*), sum(total_item_count) FROM mail_folders")
	nFolders, _ := strconv.Atoi(folders[0][0])
	nMessages, _ := strconv.ParseInt(folders[0][1], 10, 64)
	if nFolders != s.Folders || nMessages != s.Added || nMessages == 0 {
		t.Fatalf("the file has %d folders holding %d messages; the run synced %d folders and added %d", nFolders, nMessages, s.Folders, s.Added)
	}
	last := log.check(t, "first sync", nFolders, nMessages)
	if last.Fetched != nMessages {
		t.Errorf("first sync fetched %d messages, want %d", last.Fetched, nMessages)
	}
	if last.Waits != 1 || last.Waited < 50*time.Millisecond {
		t.Errorf("first sync: %d waits (%s), want 1 of at least 50ms", last.Waits, last.Waited)
	}
	// Pages of 7: an event per page, per folder and the folder tree.
	if len(log.events) < int(nMessages)/7+nFolders {
		t.Errorf("first sync: %d events, want at least one per page and folder", len(log.events))
	}

	// A sync with no change fetches nothing, yet ends with every folder
	// (and so every message) done.
	log = &progressLog{}
	o.Progress = log.add
	mustRun(t, o)
	if last := log.check(t, "no-change sync", nFolders, nMessages); last.Fetched != 0 || last.Waits != 0 {
		t.Errorf("no-change sync fetched %d messages with %d waits, want none", last.Fetched, last.Waits)
	}
}

// TestProgressNilIsQuiet: without Options.Progress nothing is watched.
func TestProgressNilIsQuiet(t *testing.T) {
	r := &run{}
	ctx := r.watch(context.Background(), "me")
	if watcherOf(ctx) != nil {
		t.Fatal("a run without Options.Progress watches its mailboxes")
	}
	pageFetched(ctx, 3) // no watcher: nothing to count, no panic
	watcherOf(ctx).folderDone("x")
	watcherOf(ctx).finish(nil)
}

// TestUsersListsEveryPage: Users follows @odata.nextLink.
func TestUsersListsEveryPage(t *testing.T) {
	srv := fakegraph.New(fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 5, MessagesPerUser: 1}), fakegraph.WithPageCap(2))
	t.Cleanup(srv.Close)
	c := graph.New(graph.Options{BaseURL: srv.GraphURL(), Tokens: staticToken(srv.IssueAppToken())})
	got, err := Users(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range srv.Tenant().Users {
		want = append(want, u.UserPrincipalName)
	}
	if len(got) != len(want) || len(want) < 3 {
		t.Fatalf("Users = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Users = %v, want %v", got, want)
			break
		}
	}
}
