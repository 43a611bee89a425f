package syncdb_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/syncdb"
)

// diffSeeds are the seeds TestSyncDifferential runs: fixed ones, or the
// one OUTLOOKSQL_SYNCDIFF_SEED names.
func diffSeeds(t *testing.T) []int64 {
	if s := os.Getenv("OUTLOOKSQL_SYNCDIFF_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("OUTLOOKSQL_SYNCDIFF_SEED=%q: want an integer", s)
		}
		return []int64{n}
	}
	return []int64{1, 2}
}

// TestSyncDifferential syncs a generated tenant, changes it at random
// round after round, and after every sync compares the file with what the
// virtual tables return at that moment, row for row: users whole,
// mail_folders per mailbox, messages folder by folder. It also kills
// syncs mid-way (the next run must be exact), changes the tenant while a
// sync runs (the next run must be exact), and expires delta tokens (410).
//
// Rerun a failing seed with
// OUTLOOKSQL_SYNCDIFF_SEED=N go test ./internal/syncdb -run TestSyncDifferential -v
func TestSyncDifferential(t *testing.T) {
	for _, seed := range diffSeeds(t) {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) {
			t.Logf("seed %d: rerun with OUTLOOKSQL_SYNCDIFF_SEED=%d", seed, seed)
			differential(t, seed)
		})
	}
}

func differential(t *testing.T, seed int64) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: seed, Users: 2, MessagesPerUser: 150})
	e := newDiffEnv(t, tenant, fakegraph.WithPageCap(7))
	m := newMutator(seed)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := e.options(path)
	check := func(when string) {
		t.Helper()
		e.compare(t, path, o.Body, when)
	}

	// A first sync killed after a few of its requests, then run again.
	killAfter(t, e, o, 6+int(seed%5), "first sync")
	runSync(t, o, "first sync, resumed")
	check("first sync, resumed after a kill")

	var total syncdb.Summary
	for round := 1; round <= 6; round++ {
		when := "round " + strconv.Itoa(round)
		e.Server.Update(func(tn *fakegraph.Tenant) { m.round(tn, 25) })
		switch round {
		case 2:
			// Killed mid-way, after its folder round and a few messages rounds.
			killAfter(t, e, o, 4+int(seed%3), when)
		case 3:
			// The tenant changes while the sync runs: the sync may see
			// some changes, not others; the next one sees them all.
			// (No folder is deleted meanwhile: TestSyncFolderDeletedDuringSync.)
			var n atomic.Int64
			e.setHook(func(r *http.Request) {
				if k := n.Add(1); k == 5 || k == 40 {
					e.Server.Update(func(tn *fakegraph.Tenant) { m.keepFolders = true; m.round(tn, 15); m.keepFolders = false })
				}
			})
			s := runSync(t, o, when+", changes during the sync")
			e.setHook(nil)
			t.Logf("%s, changes during the sync: %s", when, s)
		case 4:
			// 410 Gone for a few folders and the folder tree of one mailbox.
			for _, f := range mailFolders(tenant.Users[0])[:3] {
				e.Server.ResetDelta(e.users[0], f.ID)
			}
			e.Server.ResetDelta(e.users[1], "")
		case 5:
			// Every token expired.
			e.Server.ExpireDeltaTokens()
		}
		s := runSync(t, o, when)
		t.Logf("%s: %s", when, s)
		total.Added += s.Added
		total.Changed += s.Changed
		total.Moved += s.Moved
		total.Deleted += s.Deleted
		check(when + " (" + strings.Join(m.log, ", ") + ")")
		m.log = nil
	}

	// A run with no changes changes nothing and costs one request per
	// folder, plus each mailbox's /me lookup and folder delta, plus users.
	// The rounds exercised every kind of change.
	if total.Added == 0 || total.Changed == 0 || total.Moved == 0 || total.Deleted == 0 {
		t.Errorf("the rounds counted %d added, %d changed, %d moved, %d deleted: want some of each",
			total.Added, total.Changed, total.Moved, total.Deleted)
	}
	s := runSync(t, o, "no-change run")
	if s.Added+s.Changed+s.Moved+s.Deleted != 0 {
		t.Errorf("a run without changes counted %s", s)
	}
	folders := e.fileCount(t, path, "SELECT count(*) FROM mail_folders")
	if want := int64(folders + 2*len(e.users) + 1); s.Requests != want {
		t.Errorf("a run without changes sent %d requests, want %d: one per folder (%d), /{mailbox} and mailFolders/delta per mailbox (%d), /users (1)",
			s.Requests, want, folders, len(e.users))
	}
	check("no-change run")
}

// killAfter runs a sync whose context is cancelled when it sends its
// n-th request, and checks that it failed for that reason.
func killAfter(t *testing.T, e *diffEnv, o syncdb.Options, n int, when string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sent atomic.Int64
	e.setHook(func(*http.Request) {
		if sent.Add(1) == int64(n) {
			cancel()
		}
	})
	defer e.setHook(nil)
	_, err := syncdb.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%s: a sync cancelled at its request %d returned %v, want context.Canceled", when, n, err)
	}
}

// TestSyncFolderDeletedDuringSync deletes a folder after the folder tree
// was read and before the folder's messages are: its messages/delta then
// answers 404 ErrorItemNotFound, as Graph does. The folder is simply gone:
// the run must not fail for it, and the next run is exact.
func TestSyncFolderDeletedDuringSync(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 60})
	e := newDiffEnv(t, tenant, fakegraph.WithPageCap(7))
	path := filepath.Join(t.TempDir(), "mail.db")
	o := e.options(path)
	runSync(t, o, "first sync")
	// The folder synced last (last in path order: a leaf).
	db := openFile(t, path)
	var victim string
	err := db.QueryRow("SELECT id FROM mail_folders ORDER BY path DESC, id DESC LIMIT 1").Scan(&victim)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var once atomic.Bool
	e.setHook(func(r *http.Request) {
		if strings.Contains(r.URL.Path, "/messages/delta") && once.CompareAndSwap(false, true) {
			e.Server.Update(func(tn *fakegraph.Tenant) {
				u := tn.Users[0]
				u.Folders = slices.DeleteFunc(u.Folders, func(f *fakegraph.Folder) bool { return f.ID == victim })
				u.Messages = slices.DeleteFunc(u.Messages, func(m *fakegraph.Message) bool { return m.ParentFolderID == victim })
			})
		}
	})
	_, err = syncdb.Run(context.Background(), o)
	e.setHook(nil)
	if !once.Load() {
		t.Fatal("the sync sent no messages/delta request")
	}
	if err != nil {
		t.Errorf("a folder deleted during the sync failed the run: %v", err)
	}
	runSync(t, o, "the run after")
	e.compare(t, path, false, "the run after")
}
