// Package syncdb copies mail tables from Microsoft Graph into an ordinary
// SQLite file and keeps them current with delta queries (SCHEMA.md,
// "Syncing into a database file"): folders from mailFolders/delta, each
// folder's messages from its own messages/delta, the delta links kept in
// the file next to the rows they produced, each folder's changes and its
// new link committed in one transaction.
package syncdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"
	_ "github.com/mattn/go-sqlite3" // the file is written through mattn's driver

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// The tables sync can copy, in the order they are synced.
const (
	TableMessages    = "messages"
	TableMailFolders = "mail_folders"
	TableUsers       = "users"
	TableAttachments = "attachments"
)

// DefaultTables are the tables synced when Options.Tables is empty.
var DefaultTables = []string{TableMessages, TableMailFolders, TableUsers}

// Default page sizes (Prefer: odata.maxpagesize) of a messages delta
// round: large pages cost fewer requests; bodies make pages heavy.
const (
	DefaultPageSize     = 500
	DefaultBodyPageSize = 100
)

// DefaultFolders is how many folders of one mailbox are synced at once:
// Graph allows 4 concurrent requests per mailbox.
const DefaultFolders = 4

// Options says what to sync, and where.
type Options struct {
	// Client reaches Graph (connect.Client builds it from a connection).
	Client *graph.Client
	// Path is the database file; it is created if missing.
	Path string
	// Tables are the tables to sync (TableMessages …); empty: DefaultTables.
	// messages implies mail_folders, whose tree names the folders.
	Tables []string
	// Mailboxes are "me", user ids or userPrincipalNames; empty: "me".
	Mailboxes []string
	// Body copies body, body_content_type, unique_body and
	// internet_message_headers, and indexes body in messages_fts.
	Body bool
	// BodyContentType is "html" or "text" (the connection's
	// BodyContentType), or "" for Graph's default.
	BodyContentType string
	// PageSize is the odata.maxpagesize of messages rounds; 0: the default.
	PageSize int
	// Folders is how many folders of a mailbox sync at once; 0: DefaultFolders.
	Folders int
	// Wait waits for another sync of the same file to finish; false
	// refuses at once with ErrBusy.
	Wait bool
	// Progress, if set, receives each mailbox's progress (see Progress).
	// It is called from several goroutines at once and must return quickly.
	Progress func(Progress)
	// SkipNoMailbox skips a mailbox Graph says does not exist
	// (MailboxNotEnabledForRESTAPI: a user without Exchange Online), as
	// Summary.NoMailbox, instead of failing the run: for --all-users.
	SkipNoMailbox bool
	// ParallelMailboxes is how many mailboxes sync at once; 0:
	// DefaultParallelMailboxes.
	ParallelMailboxes int
}

// DefaultParallelMailboxes is how many mailboxes sync at once by default:
// each runs up to Folders requests of its own.
const DefaultParallelMailboxes = 8

// ErrBusy is the error of a sync started while another syncs the same file.
var ErrBusy = errors.New("another outlooksql sync is writing this file")

// Summary counts what a run did.
type Summary struct {
	Mailboxes int
	Folders   int   // folders whose messages were synced
	Added     int64 // messages new to the file
	Changed   int64 // messages updated in place
	Moved     int64 // messages now in another folder
	Deleted   int64 // messages removed from the file
	Users     int64 // users rows written
	// UsersFullRead is true when Graph refused /users/delta (403: the
	// permission does not allow it) and /users was read whole instead.
	UsersFullRead bool
	Requests      int64 // Graph requests sent, retries included
	Elapsed       time.Duration
	// NoMailbox are the mailboxes skipped because their user has none
	// (Options.SkipNoMailbox), sorted.
	NoMailbox []string
}

// String is the one-line summary the sync command prints.
func (s *Summary) String() string {
	users := ""
	if s.UsersFullRead {
		users = " (read whole: Graph refused /users/delta, 403)"
	}
	return fmt.Sprintf("synced %d %s, %d %s: %d added, %d changed, %d moved, %d deleted; %d users%s; %d Graph %s in %s%s",
		s.Mailboxes, plural(s.Mailboxes, "mailbox", "mailboxes"), s.Folders, plural(s.Folders, "folder", "folders"),
		s.Added, s.Changed, s.Moved, s.Deleted, s.Users, users, s.Requests, plural(int(s.Requests), "request", "requests"),
		s.Elapsed.Round(time.Millisecond), noMailboxNote(s.NoMailbox))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// run is one sync of one file.
type run struct {
	o      Options
	db     *sql.DB
	write  sync.Mutex // one writing transaction at a time, across folders and mailboxes
	header map[string]string

	messages, folders, users, attachments *table

	folderCount                    atomic.Int64
	added, changed, moved, deleted atomic.Int64
	userRows                       atomic.Int64
	usersFullRead                  atomic.Bool
	removedMu                      sync.Mutex
	removed                        map[string]bool // user_id + "\x00" + id deleted this run: a later add is a move
	claimed                        map[string]bool // owner ids whose mailbox a goroutine syncs (removedMu)
}

// Run syncs the tables into the file o.Path and returns what it did. An
// error leaves every folder as of its last committed round; the next Run
// resumes from there.
func Run(ctx context.Context, o Options) (*Summary, error) {
	start := time.Now()
	if o.Client == nil {
		return nil, errors.New("syncdb: no Graph client")
	}
	if o.Path == "" {
		return nil, errors.New("no database file: give --db FILE")
	}
	want, err := checkTables(o.Tables)
	if err != nil {
		return nil, err
	}
	if len(o.Mailboxes) == 0 {
		o.Mailboxes = []string{"me"}
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
		if o.Body {
			o.PageSize = DefaultBodyPageSize
		}
	}
	if o.Folders <= 0 {
		o.Folders = DefaultFolders
	}
	unlock, err := lock(ctx, o.Path, o.Wait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := open(o.Path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	r := &run{o: o, db: db, removed: map[string]bool{}, claimed: map[string]bool{}}
	if want[TableMessages] || want[TableMailFolders] {
		r.folders = schemaOf(tables.MailFolders)
	}
	if want[TableMessages] {
		r.messages = schemaOf(tables.Messages)
	}
	if want[TableUsers] {
		r.users = schemaOf(tables.Users)
	}
	if want[TableAttachments] {
		r.attachments = schemaOf(tables.AttachmentsTable)
	}
	if err := r.init(); err != nil {
		return nil, err
	}
	hdr := tables.Messages.Header(tables.Settings{BodyContentType: o.BodyContentType})
	r.header = hdr
	before := o.Client.Stats().Requests
	runID, err := r.begin(start, want)
	if err != nil {
		return nil, err
	}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		ids  []string
		none []string // mailboxes skipped: no mailbox
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	if r.folders != nil {
		if o.ParallelMailboxes <= 0 {
			o.ParallelMailboxes = DefaultParallelMailboxes
		}
		slots := make(chan struct{}, o.ParallelMailboxes)
		for _, mb := range o.Mailboxes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case slots <- struct{}{}:
					defer func() { <-slots }()
				case <-ctx.Done():
					fail(ctx.Err())
					return
				}
				mctx := r.watch(ctx, mb)
				id, err := r.mailbox(mctx, mb)
				if o.SkipNoMailbox && graph.NoMailbox(err) {
					id, err = "", nil
					mu.Lock()
					none = append(none, mb)
					mu.Unlock()
				}
				watcherOf(mctx).finish(err)
				mu.Lock()
				if id != "" && err == nil { // synced: a failed mailbox is in the error, not the count
					ids = append(ids, id)
				}
				mu.Unlock()
				if err != nil {
					fail(err)
				}
			}()
		}
	}
	if r.users != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.syncUsers(ctx); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	s := &Summary{
		Mailboxes:     len(ids),
		Folders:       int(r.folderCount.Load()),
		Added:         r.added.Load(),
		Changed:       r.changed.Load(),
		Moved:         r.moved.Load(),
		Deleted:       r.deleted.Load(),
		Users:         r.userRows.Load(),
		UsersFullRead: r.usersFullRead.Load(),
		Requests:      o.Client.Stats().Requests - before,
		Elapsed:       time.Since(start),
		NoMailbox:     none,
	}
	slices.Sort(s.NoMailbox)
	err = errors.Join(errs...)
	slices.Sort(ids)
	if ferr := r.finish(runID, s, ids, err); ferr != nil && err == nil {
		err = ferr
	}
	return s, err
}

// CheckTables reports whether names (Options.Tables) can be synced: a
// usage error, which no later run could fix. Empty names (a stray comma)
// are ignored.
func CheckTables(names []string) error {
	_, err := checkTables(names)
	return err
}

// checkTables validates the table names.
func checkTables(names []string) (map[string]bool, error) {
	if len(names) == 0 {
		names = DefaultTables
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case "":
			continue // a stray comma
		case TableMessages, TableMailFolders, TableUsers, TableAttachments:
			want[n] = true
		default:
			return nil, fmt.Errorf("--tables: sync copies messages, mail_folders, users and attachments, not %q", n)
		}
	}
	if len(want) == 0 {
		return nil, errors.New("--tables names no table: give one or more of messages, mail_folders, users and attachments, separated by commas")
	}
	if want[TableAttachments] && !want[TableMessages] {
		return nil, errors.New("--tables: attachments are synced with their messages: add messages to --tables")
	}
	return want, nil
}

// lock takes the file's sync lock: a separate file, because closing any
// descriptor of the database itself would drop SQLite's own POSIX locks.
func lock(ctx context.Context, path string, wait bool) (func(), error) {
	fl := flock.New(path + ".sync-lock")
	var ok bool
	var err error
	if wait {
		ok, err = fl.TryLockContext(ctx, 250*time.Millisecond)
	} else {
		ok, err = fl.TryLock()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for another sync of %s: %w", path, ctx.Err())
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--db %s: the directory %s does not exist: create it, or give --db a file in an existing directory", path, filepath.Dir(path))
		}
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("--db %s: sync cannot write in the directory %s (it keeps %s.sync-lock beside the file, and SQLite its -wal and -shm files): give --db a file in a directory you can write", path, filepath.Dir(path), filepath.Base(path))
		}
		return nil, fmt.Errorf("lock %s.sync-lock: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w (it holds %s.sync-lock): wait for it to finish, or give --wait to queue behind it", path, ErrBusy, path)
	}
	return func() { fl.Unlock() }, nil
}

// open opens (creating) the file. It is put in WAL mode (useWAL) only
// once init found it fit: a refused file is left as it was.
func open(path string) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_busy_timeout=10000&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One connection: SQLite has one writer, and the run's writes are
	// serialised anyway; reads between them are quick.
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// useWAL puts the file in WAL mode (it stays so): readers are never
// blocked and never see half a commit.
func useWAL(db *sql.DB, path string) error {
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("open %s in WAL mode: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open %s: the file is in journal mode %s and could not be put in WAL mode", path, mode)
	}
	return nil
}

// init makes the tables the run writes, and the state tables.
func (r *run) init() error {
	var stmts []string
	for _, s := range []*table{r.folders, r.messages, r.users, r.attachments} {
		if s == nil {
			continue
		}
		if err := checkColumns(r.db, s.t.Name, s.names()); err != nil {
			return err
		}
		stmts = append(stmts, s.create()...)
	}
	// The other names sync makes: refused before anything is made when
	// the user's own objects hold them.
	for name, cols := range stateColumns {
		if err := checkColumns(r.db, name, cols); err != nil {
			return err
		}
	}
	if r.messages != nil {
		for name, kind := range map[string]string{"messages_fts": "fts4", "message_recipients": "view", "messages_in_folders": "view"} {
			if err := checkObject(r.db, name, kind); err != nil {
				return err
			}
		}
	}
	stmts = append(stmts, stateSchema...)
	if r.messages != nil {
		stmts = append(stmts, ftsSchema()...)
		stmts = append(stmts, reportViews...)
	}
	if r.attachments != nil {
		stmts = append(stmts, attachmentsTrigger)
	}
	if err := useWAL(r.db, r.o.Path); err != nil {
		return err
	}
	for _, q := range stmts {
		if _, err := r.db.Exec(q); err != nil {
			return fmt.Errorf("create the tables of %s: %w", r.o.Path, err)
		}
	}
	return nil
}

// begin records the run's start.
func (r *run) begin(start time.Time, want map[string]bool) (int64, error) {
	var names []string
	for _, n := range []string{TableMessages, TableMailFolders, TableUsers, TableAttachments} {
		if want[n] {
			names = append(names, n)
		}
	}
	res, err := r.db.Exec("INSERT INTO _outlooksql_runs(started_at, mailboxes, tables, body) VALUES(?, '[]', ?, ?)",
		stamp(start), strings.Join(names, ","), r.o.Body)
	if err != nil {
		return 0, fmt.Errorf("record the run: %w", err)
	}
	return res.LastInsertId()
}

// finish records the run's end and counts.
func (r *run) finish(id int64, s *Summary, ids []string, runErr error) error {
	mb, _ := json.Marshal(ids)
	var e any
	if runErr != nil {
		e = runErr.Error()
	}
	_, err := r.db.Exec(`UPDATE _outlooksql_runs SET finished_at = ?, mailboxes = ?, folders = ?, added = ?, changed = ?, moved = ?,
		deleted = ?, users = ?, requests = ?, error = ? WHERE run_id = ?`,
		stamp(time.Now()), string(mb), s.Folders, s.Added, s.Changed, s.Moved, s.Deleted, s.Users, s.Requests, e, id)
	if err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	return nil
}

// stamp is a time as the file stores it.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// tx runs f in one write transaction, alone among the run's writers.
//
// then, if given, runs after the commit while the write lock is still held:
// a count a later transaction depends on (a removal another folder's round
// will see as a move) is in place before that transaction starts.
func (r *run) tx(ctx context.Context, f func(tx *sql.Tx) error, then ...func()) error {
	r.write.Lock()
	defer r.write.Unlock()
	// Not cancelled with ctx: a round fetched whole is committed even when
	// Ctrl-C comes meanwhile (database/sql would roll it back).
	tx, err := r.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, g := range then {
		g()
	}
	return nil
}

// header returns the request headers of mail reads: immutable ids, the
// body format, and the page size when given.
func (r *run) mailHeader(pageSize int) map[string][]string {
	h := map[string][]string{}
	for k, v := range r.header {
		h[k] = []string{v}
	}
	if pageSize > 0 {
		h["Prefer"] = append(h["Prefer"], fmt.Sprintf("odata.maxpagesize=%d", pageSize))
	}
	return h
}
