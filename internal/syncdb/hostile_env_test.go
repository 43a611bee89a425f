package syncdb_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/internal/syncdb"
)

// TestHostileFailuresMidRound injects, at several points of a first sync
// and of a later one, throttling (429/503 with Retry-After), a 500 and a
// dropped connection: the client retries them, and the file still equals
// the virtual tables row for row.
func TestHostileFailuresMidRound(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inject  func(s *fakegraph.Server)
		retried bool
	}{
		{"429", func(s *fakegraph.Server) { s.FailNext(2, 429, "0.01") }, true},
		{"503", func(s *fakegraph.Server) { s.FailNext(1, 503, "0.01") }, true},
		{"500", func(s *fakegraph.Server) { s.FailNext(1, 500, "") }, false},
		// Go's transport resends a GET whose reused connection closed
		// before an answer, but not one on a new connection, which then
		// fails the run ("no answer from Graph"; the default RetryMode
		// does not retry it): either way the next run is exact.
		{"dropped", func(s *fakegraph.Server) { s.DropNext(1) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 7, Users: 1, MessagesPerUser: 60})
			e := newDiffEnv(t, tenant, fakegraph.WithPageCap(7))
			path := filepath.Join(t.TempDir(), "mail.db")
			o := e.options(path)
			// The client the CLI builds: the connection string's default
			// retry policy (429 and 503 retried, after Retry-After).
			cfg, err := config.Parse(e.AppConnString(e.users[0]))
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := connect.Tokens(cfg)
			if err != nil {
				t.Fatal(err)
			}
			o.Client = graph.New(graph.Options{
				BaseURL:    cfg.BaseURL,
				Tokens:     tokens,
				HTTPClient: &http.Client{Transport: hookTransport{e: e, next: http.DefaultTransport}, Timeout: time.Minute},
				Retry: graph.Retry{Mode: graph.RetryWhenStatusCodeMatch, StatusCodes: cfg.RetryStatusCodes, MaxRetries: cfg.RetryCountMax,
					Multiply: cfg.RetryMultiplyWaitTime, Wait: cfg.RetryWaitTime},
			})
			var n atomic.Int64
			e.setHook(func(r *http.Request) {
				if k := n.Add(1); k == 3 || k == 9 || k == 17 {
					tc.inject(e.Server)
				}
			})
			// The default policy (RetryWhenStatusCodeMatch) waits out 429
			// and 503; a 500 fails the run, which names it, and the next
			// run finishes the job exactly.
			sync := func(when string) {
				t.Helper()
				retries := o.Client.Stats().Retries
				_, err := syncdb.Run(context.Background(), o)
				if (tc.name == "429" || tc.name == "503") && o.Client.Stats().Retries == retries {
					t.Errorf("%s: no request was retried: the failures were not injected", when)
				}
				switch {
				case tc.name == "dropped" && err != nil && !strings.Contains(err.Error(), "no answer from Graph"):
					t.Fatalf("%s: %v; want no error, or no answer from Graph", when, err)
				case tc.name == "dropped":
				case tc.retried && err != nil:
					t.Fatalf("%s: %v", when, err)
				case !tc.retried && err == nil:
					t.Fatalf("%s: no error; want the injected failure reported", when)
				}
				if err != nil {
					e.setHook(nil)
					runSync(t, o, when+", again")
				}
				e.compare(t, path, false, when)
			}
			sync("first sync with " + tc.name)
			m := newMutator(7)
			e.Server.Update(func(tn *fakegraph.Tenant) { m.round(tn, 20) })
			n.Store(0)
			e.setHook(func(r *http.Request) {
				if k := n.Add(1); k == 2 || k == 5 || k == 9 {
					tc.inject(e.Server)
				}
			})
			sync("second sync with " + tc.name)
		})
	}
}

// TestHostileMailboxWithoutMailbox names a user without Exchange Online
// with --mailbox: the run fails naming the user, and still syncs the
// others.
func TestHostileMailboxWithoutMailbox(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 10})
	none := "0b7e3c55-9d8a-4c1e-8f2b-6a4d9e1c3f70"
	tenant.Users = append(tenant.Users, &fakegraph.User{ID: none, DisplayName: "Build Service",
		UserPrincipalName: "build.service@contoso.onmicrosoft.com", BusinessPhones: []string{}, NoMailbox: true})
	e := newDiffEnv(t, tenant)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := e.options(path)
	o.Mailboxes = append([]string{none}, e.users...)
	s, err := syncdb.Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "mailbox "+none) || !strings.Contains(err.Error(), "MailboxNotEnabledForRESTAPI") {
		t.Fatalf("err = %v, want the mailbox named with Graph's code", err)
	}
	// The summary and the run's record count only the mailbox synced.
	if s == nil || s.Mailboxes != 1 || !strings.HasPrefix(s.String(), "synced 1 mailbox, ") {
		t.Fatalf("summary %v, want the other mailbox alone counted", s)
	}
	if got := e.fileCount(t, path, "SELECT count(*) FROM _outlooksql_runs WHERE mailboxes = '[\""+e.users[0]+"\"]'"); got != 1 {
		t.Errorf("the run's record does not name the synced mailbox alone")
	}
	e.compare(t, path, false, "beside a user without a mailbox")
	o.SkipNoMailbox = true
	s = runSync(t, o, "skipping")
	if len(s.NoMailbox) != 1 || s.NoMailbox[0] != none || !strings.Contains(s.String(), "skipped 1 user without a mailbox ("+none+")") {
		t.Errorf("summary %s", s)
	}
}

// TestHostileOddMailboxNames syncs a mailbox named by a userPrincipalName
// with a quote, a plus and accents, and one that is empty (every folder
// holds 0 messages): rows are filed under the owner's id, and the file
// equals the virtual tables.
func TestHostileOddMailboxNames(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 2, MessagesPerUser: 0})
	upn := "o'brien+ünï@contoso.com"
	tenant.Users[0].UserPrincipalName = upn
	e := newDiffEnv(t, tenant)
	e.Server.Update(func(tn *fakegraph.Tenant) { newMutator(11).round(tn, 10) })
	path := filepath.Join(t.TempDir(), "mail.db")
	o := e.options(path)
	o.Mailboxes = []string{upn, e.users[1]}
	s := runSync(t, o, "odd names")
	if s.Mailboxes != 2 {
		t.Errorf("summary %s", s)
	}
	e.compare(t, path, false, "odd names")
	if n := e.fileCount(t, path, "SELECT count(DISTINCT user_id) FROM mail_folders WHERE user_id IN ('"+e.users[0]+"', '"+e.users[1]+"')"); n != 2 {
		t.Errorf("folders are filed under %d owner ids, want 2", n)
	}
	runSync(t, o, "again")
	e.compare(t, path, false, "odd names, again")
}

// TestHostileSameMailboxTwice names one mailbox twice, once by id and once
// by userPrincipalName: it is synced once, its messages counted once.
func TestHostileSameMailboxTwice(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: 40})
	e := newDiffEnv(t, tenant)
	path := filepath.Join(t.TempDir(), "mail.db")
	o := e.options(path)
	upn := tenant.Users[0].UserPrincipalName
	o.Mailboxes = []string{e.users[0], upn, e.users[0]}
	s := runSync(t, o, "one mailbox named thrice")
	if s.Mailboxes != 1 || s.Added != 40 {
		t.Errorf("summary %s, want 1 mailbox, 40 added", s)
	}
	e.compare(t, path, false, "one mailbox named thrice")
}
