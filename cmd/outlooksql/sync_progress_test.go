package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/syncdb"
)

func TestSyncLine(t *testing.T) {
	for _, tc := range []struct {
		p       syncdb.Progress
		elapsed time.Duration
		want    string
	}{
		{syncdb.Progress{Mailbox: "alice@contoso.com", FoldersDone: 3, FoldersTotal: 12, Done: 4500, Messages: 20000, Waits: 2, Waited: 3100 * time.Millisecond},
			5 * time.Second, "alice@contoso.com: 3/12 folders, 4,500/20,000 messages (22%), 900 msg/s, ETA 18s, 2 waits (3.1 s throttled)"},
		// Under a second: no rate yet.
		{syncdb.Progress{Mailbox: "me", FoldersTotal: 1, Done: 0, Messages: 1},
			500 * time.Millisecond, "me: 0/1 folder, 0/1 message (0%)"},
		// Under a second to go: rounded up.
		{syncdb.Progress{Mailbox: "me", FoldersDone: 26, FoldersTotal: 30, Done: 725, Messages: 900},
			time.Second + 173*time.Millisecond, "me: 26/30 folders, 725/900 messages (80%), 618 msg/s, ETA 1s"},
		// Done: no ETA.
		{syncdb.Progress{Mailbox: "me", FoldersDone: 2, FoldersTotal: 2, Done: 7200, Messages: 7200, Waits: 1, Waited: time.Second},
			2 * time.Second, "me: 2/2 folders, 7,200/7,200 messages (100%), 3,600 msg/s, 1 wait (1.0 s throttled)"},
		// A long way to go.
		{syncdb.Progress{Mailbox: "bob", FoldersTotal: 40, Done: 10, Messages: 100000},
			10 * time.Second, "bob: 0/40 folders, 10/100,000 messages (0%), 1 msg/s, ETA 27h46m"},
	} {
		if got := syncLine(tc.p, tc.elapsed); got != tc.want {
			t.Errorf("syncLine(%+v, %s)\n got %q\nwant %q", tc.p, tc.elapsed, got, tc.want)
		}
	}
}

// TestSyncProgressRedraw: the lines are redrawn in place, mailboxes that
// finish leave, the rest are counted, and stop erases everything.
func TestSyncProgressRedraw(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(0, 0)
	p := &syncProgress{w: &out, now: func() time.Time { return now }, boxes: map[string]*boxLine{}}
	p.update(syncdb.Progress{Mailbox: "a", FoldersTotal: 2, Messages: 10})
	p.update(syncdb.Progress{Mailbox: "b", FoldersTotal: 1, Messages: 5})
	p.draw(p.render())
	p.update(syncdb.Progress{Mailbox: "a", FoldersDone: 2, FoldersTotal: 2, Done: 10, Messages: 10, Finished: true})
	p.update(syncdb.Progress{Mailbox: "b", FoldersDone: 1, FoldersTotal: 1, Done: 5, Messages: 5})
	p.draw(p.render())
	p.draw(nil)
	want := "\ra: 0/2 folders, 0/10 messages (0%)\x1b[K\nb: 0/1 folder, 0/5 messages (0%)\x1b[K\x1b[J" +
		"\r\x1b[1Ab: 1/1 folder, 5/5 messages (100%)\x1b[K\n1 mailbox done\x1b[K\x1b[J" +
		"\r\x1b[1A\x1b[J"
	if got := out.String(); got != want {
		t.Errorf("frames\n got %q\nwant %q", got, want)
	}
}

// TestSyncProgressOnTerminal: on a terminal the mailbox's line shows
// while it syncs, and is erased before the summary.
func TestSyncProgressOnTerminal(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo(), fakegraph.WithLatency(150*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	path := filepath.Join(t.TempDir(), "mail.db")
	p := startPTY(t, nil, "sync", "-c", env.ConnString(), "--db", path, "--tables", "messages,mail_folders")
	p.expect("me: ", 60*time.Second)
	shown := p.expect(" messages (", 10*time.Second)
	if !regexp.MustCompile(`^\d+/\d+ folders, [\d,]+/900 messages \($`).MatchString(shown) {
		t.Errorf("the progress line reads %q, want N folders, done/900 messages", shown)
	}
	p.expect("synced 1 mailbox, ", 60*time.Second)
	p.mu.Lock()
	raw := p.out.String()
	p.mu.Unlock()
	if !regexp.MustCompile(`\x1b\[J(\r?\n)?synced 1 mailbox, `).MatchString(raw) {
		t.Errorf("the progress lines were not erased before the summary:\n%q", raw[max(0, len(raw)-400):])
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("sync on a terminal: %v", err)
	}
}

// TestSyncRedirectedShowsOnlySummary: without a terminal, stdout has the
// summary line alone and stderr nothing.
func TestSyncRedirectedShowsOnlySummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.db")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"sync", "--demo", "--db", path}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^synced 1 mailbox, \d+ folders: 900 added, 0 changed, 0 moved, 0 deleted; 6 users; \d+ Graph requests in [\d.]+m?s\n$`)
	if !want.MatchString(out.String()) || errOut.String() != "" {
		t.Errorf("stdout %q (want %s), stderr %q (want nothing)", out.String(), want, errOut.String())
	}
}

func TestSyncAllUsers(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	path := filepath.Join(t.TempDir(), "mail.db")
	conn := env.AppConnString(env.Tenant.Users[1].UserPrincipalName)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"sync", "-c", conn, "--all-users", "--db", path}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var withMailbox []string
	var none string
	for _, u := range env.Tenant.Users {
		if u.NoMailbox {
			none = u.UserPrincipalName
		} else {
			withMailbox = append(withMailbox, u.ID)
		}
	}
	slices.Sort(withMailbox)
	want := regexp.MustCompile(`^synced 5 mailboxes, \d+ folders: 2800 added, 0 changed, 0 moved, 0 deleted; 6 users; \d+ Graph requests in [\d.]+m?s; ` +
		`skipped 1 user without a mailbox \(` + regexp.QuoteMeta(none) + `\)\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("summary %q, want %s", out.String(), want)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"SELECT DISTINCT user_id FROM messages ORDER BY 1", "SELECT DISTINCT user_id FROM mail_folders ORDER BY 1"} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			got = append(got, s)
		}
		rows.Close()
		if !reflect.DeepEqual(got, withMailbox) {
			t.Errorf("%s = %v, want every user with a mailbox %v", q, got, withMailbox)
		}
	}
}

func TestSyncAllUsersRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"sync", "--demo", "--all-users", "--db", filepath.Join(dir, "a.db")},
			[]string{"sync --all-users needs app-only access, AuthType=ApplicationCredentials", "this connection has AuthType=UserCredentials", "--mailbox"}},
		{[]string{"sync", "--demo", "--all-users", "--mailbox", "x@contoso.com", "--db", filepath.Join(dir, "a.db")},
			[]string{"--all-users and --mailbox both say which mailboxes"}},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, strings.NewReader(""), &out, &errOut)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: err = %v, want %q", tc.args, err, w)
			}
		}
		if out.String() != "" {
			t.Errorf("%v: stdout %q", tc.args, out.String())
		}
	}
}
