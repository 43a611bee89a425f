package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/syncdb"
)

// syncFlags are the flags of sync.
type syncFlags struct {
	conn, profile string
	demo          bool
	db            string
	tables        string
	mailboxes     []string
	body          bool
	wait          bool
	every         time.Duration
	allUsers      bool
}

// runSync copies the mail tables into a SQLite file and keeps them
// current (SCHEMA.md, "Syncing into a database file").
func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sync", commandUsage("sync"), stdout)
	f := &syncFlags{}
	fs.StringVarP(&f.conn, "connection", "c", "", "connection string")
	fs.StringVarP(&f.profile, "profile", "p", "", "profile name")
	fs.BoolVar(&f.demo, "demo", false, "use the embedded demo tenant")
	fs.StringVar(&f.db, "db", "", "the database file")
	fs.StringVar(&f.tables, "tables", strings.Join(syncdb.DefaultTables, ","), "tables to sync")
	fs.StringArrayVar(&f.mailboxes, "mailbox", nil, "a mailbox to sync (repeatable)")
	fs.BoolVar(&f.allUsers, "all-users", false, "sync every user's mailbox (needs AuthType=ApplicationCredentials)")
	fs.BoolVar(&f.body, "body", false, "copy message bodies")
	fs.BoolVar(&f.wait, "wait", false, "wait for another sync of the file")
	fs.DurationVar(&f.every, "every", 0, "sync again every DURATION (e.g. 15m) until interrupted")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sync takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	if f.db == "" {
		return fmt.Errorf("sync: give the database file with --db FILE: %w", errUsage)
	}
	if f.every < 0 || f.every > 0 && f.every < time.Second {
		return fmt.Errorf("sync: --every %s: give a duration of at least 1s, e.g. 15m: %w", f.every, errUsage)
	}
	if err := syncdb.CheckTables(strings.Split(f.tables, ",")); err != nil {
		return fmt.Errorf("sync: %w", err) // before --every: no later run could fix it
	}
	if f.demo && (f.conn != "" || f.profile != "") {
		return fmt.Errorf("--demo and -c/-p both name a connection: give one of them: %w", errUsage)
	}
	if f.allUsers && len(f.mailboxes) > 0 {
		return fmt.Errorf("sync: --all-users and --mailbox both say which mailboxes: give one of them: %w", errUsage)
	}
	_, cfg, closeDemo, err := chooseConfig(f.demo, f.conn, f.profile)
	if err != nil {
		return err
	}
	defer closeDemo()
	if f.allUsers && cfg.AuthType != config.ApplicationCredentials {
		return fmt.Errorf("sync --all-users needs app-only access, AuthType=ApplicationCredentials (this connection has AuthType=%s, "+
			"which reads only the signed-in user's mailbox and those shared with them): use an app-only connection, or name the mailboxes with --mailbox", cfg.AuthType)
	}
	sess, err := connect.New(cfg)
	if err != nil {
		return err
	}
	mailboxes := f.mailboxes
	if len(mailboxes) == 0 {
		mailboxes = []string{cfg.UserID}
	}
	q := &queryFlags{conn: f.conn, profile: f.profile}
	opts := syncdb.Options{
		Client:          sess.Client,
		Path:            f.db,
		Tables:          strings.Split(f.tables, ","),
		Mailboxes:       mailboxes,
		Body:            f.body,
		BodyContentType: cfg.BodyContentType,
		Wait:            f.wait,
		SkipNoMailbox:   f.allUsers,
	}
	for {
		s, err := syncOnce(ctx, opts, f.allUsers, stderr)
		if s != nil {
			fmt.Fprintln(stdout, s)
		}
		if f.every == 0 {
			return q.loginHint(err)
		}
		if ctx.Err() != nil {
			// Ctrl-C: every folder committed so far is kept.
			fmt.Fprintln(stderr, "sync: interrupted; every folder committed so far is kept, and the next sync resumes from there")
			return nil
		}
		if err != nil {
			fmt.Fprintf(stderr, "sync: %v (trying again in %s)\n", q.loginHint(err), f.every)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.every):
		}
	}
}

// syncOnce runs one sync, with --all-users listing the users first (again
// at each run of --every: users come and go), and the progress lines on
// stderr when it is a terminal.
func syncOnce(ctx context.Context, opts syncdb.Options, allUsers bool, stderr io.Writer) (*syncdb.Summary, error) {
	if allUsers {
		users, err := syncdb.Users(ctx, opts.Client)
		if err != nil {
			return nil, fmt.Errorf("sync --all-users: %w", err)
		}
		if len(users) == 0 {
			return nil, errors.New("sync --all-users: Graph lists no users in the tenant")
		}
		opts.Mailboxes = users
	}
	p := startSyncProgress(stderr)
	opts.Progress = p.report()
	defer p.stop()
	return syncdb.Run(ctx, opts)
}
