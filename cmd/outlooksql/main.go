// Command outlooksql queries Outlook / Office 365 mail with SQL.
//
//	outlooksql demo                              # a tour on the embedded demo tenant
//	outlooksql demo --serve                      # serve it, for the loadable extension
//	outlooksql query -c "<connection string>" "SELECT subject FROM messages LIMIT 5"
//	outlooksql query --demo -f json "SELECT * FROM users"
//	outlooksql explain --demo "SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 10"
//	outlooksql shell -p work                     # an interactive SQL shell on a named connection
//	outlooksql tables | schema [table] | profiles
package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/profile"
)

const usage = `outlooksql: query Outlook / Office 365 mail with SQL (Microsoft Graph as SQLite tables)

Usage:
  outlooksql demo                         run a short tour on the embedded demo tenant
  outlooksql demo --serve                 serve the demo tenant and print its connection string
                                          (for the loadable extension), until Ctrl-C
  outlooksql query   [flags] [SQL]        run SQL (from the argument, or stdin) and print the rows
  outlooksql explain [flags] [SQL]        run SQL and list the Graph requests it made; a write
                                          is a dry run: its reads run, and the changes it would
                                          send are listed, not sent
  outlooksql shell   [flags] [FILE.db]    an interactive SQL shell (statements end with ";"; .help),
                                          on the database file FILE.db (created if missing) or
                                          in memory; the mail tables are also live.messages, …
  outlooksql login   [flags]              sign in and write the token file (RefreshTokenFilePath)
  outlooksql whoami  [flags]              show who is signed in: user, tenant, granted scopes, expiry
  outlooksql logout  [flags]              forget the stored tokens (remove the token file)
  outlooksql sync    [flags] --db FILE    copy the mail tables into a SQLite file, and on each later
                                          run apply only what changed (delta queries)
  outlooksql tables                       list the tables
  outlooksql schema  [table]              show the columns of the tables
  outlooksql profiles                     list the named connections of the profiles file
  outlooksql attachments save --dir DIR [flags] "WHERE …"
                                          save matching attachments as files (never replacing
                                          one); outlooksql attachments --help
  outlooksql version                      print the version (also --version)

Every command prints this usage with -h or --help.

Flags of query, explain and shell:
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --demo                    use the embedded demo tenant (no Microsoft account needed)
  -f, --format FORMAT       table, csv, json, jsonl or markdown (default table); or
                            sqlite3's box, column, line, list or insert
  --timeout DURATION        stop a statement that runs longer: seconds (5, 0.5) or a
                            duration (30s, 2m); default 0: no limit of its own
  --no-pager                never page a result taller than the terminal (through $PAGER,
                            else less -FRX); in the shell, .pager on|off
  --yes                     (shell) send changes of more than one item without asking;
                            the shell asks only when stdin is a terminal, query never asks
  -bail                     (shell) stop a script at its first error
  --file FILE               (query, explain) run the statements of a script, stopping at
                            the first error
  -o, --output FILE         (query, explain) write the rows to FILE instead of stdout
  --no-header               (query, explain) no column names (csv, list, column, insert)

Flags of login (and -c, -p for whoami and logout; --demo for whoami):
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --device-code             sign in on another device (the default when no browser can
                            open: an SSH session, or no DISPLAY/WAYLAND_DISPLAY on Linux)
  --browser                 sign in in a browser even where none seems to be available
  --no-browser              print the sign-in address instead of opening a browser
  --write                   also ask for Mail.ReadWrite and Mail.Send (UPDATE, INSERT,
                            DELETE and sending); without it login suggests read-only scope

Flags of sync (and -c, -p):
  --db FILE                 the database file (created if missing)
  --demo                    sync the embedded demo tenant, a new one at each run (a file
                            synced before is read again in full)
  --tables LIST             comma-separated: messages,mail_folders,users (the default), and
                            attachments (metadata); messages brings mail_folders
  --mailbox ID              a mailbox to sync: me, a user id or userPrincipalName (repeatable;
                            default the connection's UserId)
  --all-users               sync every user's mailbox; needs AuthType=ApplicationCredentials
  --body                    also copy body, body_content_type, unique_body and
                            internet_message_headers (and index body for search)
  --wait                    wait for another sync of the same file instead of refusing
  --every DURATION          sync again every DURATION (15m, 1h) until Ctrl-C, which keeps
                            every folder committed so far

The connection is -c if given, else -p's profile, else $OUTLOOKSQL_CONNECTION,
else the profile named "default". The connection string's keys are listed in
README.md.
`

func main() {
	ctx := context.Background()
	removeDemoOnSignal()
	if len(os.Args) < 2 || os.Args[1] != "shell" {
		// The shell handles Ctrl-C itself: it cancels the running query only.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
	}
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		awaitSignalEnd() // an error caused by SIGTERM removing the demo: end by the signal
		if ctx.Err() != nil {
			err = errInterrupt // Ctrl-C: whatever the statement said of it
		}
		fmt.Fprintln(os.Stderr, "outlooksql:", clip.Message(err.Error()))
		os.Exit(exitCode(err))
	}
}

// errInterrupt is the error of a command stopped by Ctrl-C (SIGINT).
var errInterrupt = errors.New("interrupted")

// exitCode is 130 (128 + SIGINT, as shells report an interrupted command)
// for a command stopped by Ctrl-C, else 1.
func exitCode(err error) int {
	if errors.Is(err, errInterrupt) {
		return 130
	}
	return 1
}

// helpIsNoError turns errHelp (the usage was printed) into success.
func helpIsNoError(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// errUsage reports a command line that could not be understood.
var errUsage = errors.New("see 'outlooksql help'")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "tables", "schema", "profiles":
		if isHelp(args[1:]) { // they take no flags, but answer --help as every command does
			fmt.Fprint(stdout, commandUsage(args[0]))
			return nil
		}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version":
		return runVersion(args[1:], stdout)
	case "query":
		return runQuery(ctx, args[1:], stdin, stdout, stderr, false)
	case "explain":
		return runQuery(ctx, args[1:], stdin, stdout, stderr, true)
	case "shell":
		return runShell(ctx, args[1:], stdin, stdout, stderr)
	case "login":
		return runLogin(ctx, args[1:], stdin, stdout, stderr)
	case "whoami":
		return runWhoami(ctx, args[1:], stdout)
	case "logout":
		return runLogout(ctx, args[1:], stdout)
	case "sync":
		return runSync(ctx, args[1:], stdout, stderr)
	case "tables":
		if len(args) > 1 {
			return fmt.Errorf("tables takes no arguments (got %q; for a table's columns: outlooksql schema %s): %w", args[1], args[1], errUsage)
		}
		return runTables(stdout)
	case "profiles":
		return runProfiles(args[1:], stdout)
	case "schema":
		return runSchema(args[1:], stdout)
	case "demo":
		return runDemo(ctx, args[1:], stdout)
	case "attachments":
		return runAttachments(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

// queryFlags are the flags of query, explain and shell.
type queryFlags struct {
	conn    string
	profile string
	demo    bool
	format  string
	timeout time.Duration // of each statement; 0 is no limit
	yes     bool          // shell: do not ask before a flush of several changes
	file    string        // shell: the SQLite database file; "" is in memory
	bail    bool          // shell: stop at the first error
	noPager bool          // --no-pager: never page a tall result
	query   queryFileFlags
}

func parseQueryFlags(name string, args []string, stdout io.Writer) (*queryFlags, []string, error) {
	fs := newFlagSet(name, commandUsage(name), stdout)
	q := &queryFlags{}
	fs.StringVarP(&q.conn, "connection", "c", "", "connection string")
	fs.StringVarP(&q.profile, "profile", "p", "", "profile name")
	fs.BoolVar(&q.demo, "demo", false, "use the embedded demo tenant")
	fs.StringVarP(&q.format, "format", "f", "table", "output format")
	fs.BoolVar(&q.noPager, "no-pager", false, "never page a result taller than the terminal")
	fs.Var((*secondsValue)(&q.timeout), "timeout", "the longest a statement may run, in seconds or as a duration (0: no limit)")
	if name == "shell" {
		fs.BoolVar(&q.yes, "yes", false, "send changes of more than one item without asking")
		fs.BoolVar(&q.bail, "bail", false, "stop at the first error")
	} else {
		q.query.define(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if q.demo && (q.conn != "" || q.profile != "") {
		other := "-c/--connection"
		if q.conn == "" {
			other = "-p/--profile"
		}
		return nil, nil, fmt.Errorf("--demo and %s both name a connection: give one of them: %w", other, errUsage)
	}
	if q.timeout < 0 {
		return nil, nil, fmt.Errorf("--timeout %s: seconds or a duration such as 30s or 2m, or 0 for no limit: %w", q.timeout, errUsage)
	}
	return q, fs.Args(), nil
}

// open returns a database for the flags: the demo tenant, or the
// connection connString picks. closeFn releases what it started.
func (q *queryFlags) open() (db *sql.DB, closeFn func(), err error) {
	if q.demo {
		env, err := demo.Start(fakegraph.Demo())
		if err != nil {
			return nil, nil, err
		}
		db, err := openDBFile(demoChoice(env), q.file)
		if err != nil {
			env.Close()
			return nil, nil, err
		}
		return db, func() { db.Close(); env.Close() }, nil
	}
	choice, err := connString(q.conn, q.profile, true)
	if err != nil {
		return nil, nil, err
	}
	db, err = openDBFile(choice, q.file)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

// connString picks the connection string: -c, else -p's profile, else
// $OUTLOOKSQL_CONNECTION, else the profile "default".
func connString(conn, name string, demoToo bool) (profile.Choice, error) {
	c, err := profile.Resolve(conn, name, os.LookupEnv)
	if errors.Is(err, profile.ErrNoConnection) {
		where := "the profiles file"
		if p, perr := profile.Path(os.LookupEnv); perr == nil {
			where = p
		}
		msg := fmt.Sprintf("no connection: give -c \"<connection string>\" or -p PROFILE, set %s, or add a [%s] profile to %s", profile.EnvConnection, profile.Default, where)
		if demoToo {
			msg += "; or use --demo"
		}
		var nc *profile.NoConnectionError
		if errors.As(err, &nc) {
			// After the hint, briefly: the problems are in profiles not used.
			msg += fmt.Sprintf("\n(%s also has problems in other profiles; \"outlooksql profiles\" lists them)", nc.Path)
		}
		return c, errors.New(msg)
	}
	return c, err
}

// parseChoice parses the chosen connection string; errors say where it came
// from.
func parseChoice(c profile.Choice) (*driver.Config, error) {
	cfg, err := driver.ParseConfig(c.ConnString)
	if err != nil {
		if c.From == "-c" {
			return nil, fmt.Errorf("connection string: %w", err)
		}
		return nil, fmt.Errorf("connection string of %s: %w", c.From, err)
	}
	return cfg, nil
}

// openDB opens the database of the chosen connection; errors say where the
// connection string came from.
func openDB(c profile.Choice) (*sql.DB, error) { return openDBFile(c, "") }

// openDBFile is openDB on the SQLite database file (in memory when "").
func openDBFile(c profile.Choice, file string) (*sql.DB, error) {
	cfg, err := parseChoice(c)
	if err != nil {
		return nil, err
	}
	cn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	cn.SetFile(file)
	return sql.OpenDB(cn), nil
}

// chooseConfig returns the connection a command that opens no database
// (whoami, sync) runs on: the demo tenant, started here (closeDemo stops
// it), or the -c/-p/OUTLOOKSQL_CONNECTION choice, parsed.
func chooseConfig(useDemo bool, conn, name string) (choice profile.Choice, cfg *driver.Config, closeDemo func(), err error) {
	closeDemo = func() {}
	if useDemo {
		env, err := demo.Start(fakegraph.Demo())
		if err != nil {
			return choice, nil, closeDemo, err
		}
		closeDemo = func() { env.Close() }
		choice = demoChoice(env)
	} else if choice, err = connString(conn, name, true); err != nil {
		return choice, nil, closeDemo, err
	}
	if cfg, err = parseChoice(choice); err != nil {
		closeDemo()
		return choice, nil, func() {}, err
	}
	return choice, cfg, closeDemo, nil
}

// demoChoice is the connection to a running demo tenant.
func demoChoice(env *demo.Env) profile.Choice {
	return profile.Choice{ConnString: env.ConnString(), From: "--demo"}
}

func runQuery(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, explain bool) error {
	name := "query"
	if explain {
		name = "explain"
	}
	q, rest, err := parseQueryFlags(name, args, stdout)
	if err != nil {
		return helpIsNoError(err)
	}
	if q.query.file != "" {
		if len(rest) > 0 {
			return fmt.Errorf("--file and SQL arguments both give SQL: give one of them: %w", errUsage)
		}
		return runScript(ctx, q, explain, stdout, stderr)
	}
	query := strings.Join(rest, " ")
	if strings.TrimSpace(query) == "" {
		if isTerminal(stdin) {
			// Reading a terminal to its end would wait silently.
			fmt.Fprintf(stderr, "%s: type the SQL statement, then Ctrl-D on a line of its own (or give it as an argument: outlooksql %s \"SELECT …\"; or --file FILE)\n", name, name)
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return fmt.Errorf("read SQL from stdin: %w", err)
		}
		query = string(b)
	}
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("no SQL given: pass it as an argument or on stdin")
	}
	for _, a := range rest {
		if strings.HasPrefix(a, "-") && len(rest) > 1 {
			return fmt.Errorf("%q after the SQL: flags go before the SQL, e.g. outlooksql %s -f json \"SELECT …\"", a, name)
		}
	}
	stmts, tail := splitStatements(query)
	if rest, _ := skipBlank(tail); rest != "" { // SQLite ignores a trailing open comment
		stmts = append(stmts, tail)
	}
	if len(stmts) == 0 {
		return fmt.Errorf("no SQL statement given, only comments")
	}
	if len(stmts) != 1 {
		return fmt.Errorf("%s runs one statement and got %d: use \"outlooksql %s --file script.sql\" for scripts", name, len(stmts), name)
	}
	query = stmts[0]
	db, closeDB, err := q.open()
	if err != nil {
		return q.loginHint(err)
	}
	defer closeDB()
	conn, err := db.Conn(ctx)
	if err != nil {
		return q.loginHint(err)
	}
	defer conn.Close()
	out, done, err := q.query.openOutput(stdout)
	if err != nil {
		return err
	}
	// query never asks before a write: it is one statement the caller
	// wrote out in full (explain shows what it would send).
	err = execute(ctx, conn, query, printOpts{format: q.format, explain: explain, timeout: q.timeout, pager: !q.noPager, extra: formatOptions{NoHeader: q.query.noHeader}}, out, stderr)
	if derr := done(); err == nil {
		err = derr
	}
	return q.loginHint(err)
}

// loginHint makes the sign-in advice in err name the connection the
// command used: "outlooksql login" alone would sign in another one.
func (q *queryFlags) loginHint(err error) error {
	const plain = `"outlooksql login"`
	if err == nil || !strings.Contains(err.Error(), plain) {
		return err
	}
	var cmd string
	switch {
	case q.profile != "":
		cmd = fmt.Sprintf(`"outlooksql login -p %s"`, q.profile)
	case q.conn != "":
		cmd = `"outlooksql login -c '<the same connection string>'"`
	default:
		return err
	}
	return errors.New(strings.Replace(err.Error(), plain, cmd, 1))
}

// printOpts says what execute prints besides the rows.
type printOpts struct {
	format  string        // one of formats
	explain bool          // the scans and Graph requests, after the rows; writes are a dry run
	timer   bool          // the elapsed time, after the rows
	timeout time.Duration // --timeout: the statement is cancelled after it; 0 is no limit
	pager   bool          // on a terminal, a result taller than it goes through $PAGER (or less -FRX)
	extra   formatOptions // the shell's .headers, .nullvalue and .mode insert TABLE; query's --no-header
	// confirm, if set, is asked before a flush of more than one change;
	// an error cancels the flush (see driver.SetConfirm).
	confirm func(driver.Pending) error
}

// timeoutError is the error of a statement stopped by --timeout.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("statement timed out after %s (--timeout): give a longer --timeout, or --timeout 0 for no limit", formatDuration(e.d))
}

// execute runs one statement on conn and prints its rows, then its warnings
// (stderr) and, as asked, the Graph requests it made and the time it took.
// On a terminal, table output is cut to the terminal's width and a
// progress line is kept on stderr while the statement runs.
// With po.timeout, the statement runs under a deadline: when it passes,
// the statement and its Graph requests are cancelled and the error says so.
func execute(ctx context.Context, conn *sql.Conn, query string, po printOpts, stdout, stderr io.Writer) error {
	if err := checkFormat(po.format); err != nil {
		return err
	}
	if po.timeout <= 0 {
		return executeRows(ctx, conn, query, po, stdout, stderr)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, po.timeout, &timeoutError{po.timeout})
	defer cancel()
	err := executeRows(tctx, conn, query, po, stdout, stderr)
	var te *timeoutError
	if err != nil && ctx.Err() == nil && errors.As(context.Cause(tctx), &te) {
		return te
	}
	return err
}

func executeRows(ctx context.Context, conn *sql.Conn, query string, po printOpts, stdout, stderr io.Writer) error {
	watch, _ := driver.Watch(conn)
	start := time.Now()
	// SQLite runs the first step of a query in QueryContext, which may
	// already fetch pages: the progress line starts before it.
	prog := startProgress(watch, stderr)
	defer prog.stop()
	if po.explain {
		// explain runs the reads and lists the writes: nothing is sent.
		if err := driver.SetDryRun(conn, true); err != nil {
			return err
		}
		defer driver.SetDryRun(conn, false)
	}
	if po.confirm != nil {
		err := driver.SetConfirm(conn, func(p driver.Pending) error {
			resume := prog.pause() // the question gets the terminal's line
			defer resume()
			return po.confirm(p)
		})
		if err != nil {
			return err
		}
		defer driver.SetConfirm(conn, nil)
	}
	asJSON := po.explain && po.format == "json" // one JSON object: the rows inside the plan
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		prog.stop()
		if po.explain { // the requests it made before it failed
			if asJSON {
				writeJSONPlan(stdout, buildJSONPlan(conn, nil, isWrite(query), err))
			} else {
				printExplain(conn, stdout, isWrite(query))
			}
		}
		return err
	}
	opts := outputOptions(po.format, stdout)
	realStdout := stdout
	opts.NoHeader, opts.Null, opts.Table = po.extra.NoHeader, po.extra.Null, po.extra.Table
	var rowsJSON bytes.Buffer
	rowsOut := prog.writer(stdout)
	if asJSON {
		rowsOut = &rowsJSON
	}
	// On a terminal, a result taller than it goes through the pager, with
	// what explain and .timer print after it.
	var paged bytes.Buffer
	usePager := po.pager && !asJSON && pageable(po.format) && isTerminal(stdout)
	if usePager {
		rowsOut = &paged
		stdout = &paged
	}
	_, werr := writeRows(rowsOut, po.format, rows, opts)
	cerr := rows.Close()
	prog.stop()
	if asJSON {
		stmtErr := cerr
		if werr != nil {
			stmtErr = werr
		}
		raw := rowsJSON.Bytes()
		if stmtErr != nil {
			raw = nil // a partial array is no JSON
		}
		if ws, _ := driver.Warnings(conn); len(ws) > 0 {
			for _, w := range ws {
				fmt.Fprintln(stderr, "warning:", w)
			}
		}
		if err := writeJSONPlan(stdout, buildJSONPlan(conn, raw, isWrite(query), stmtErr)); err != nil && stmtErr == nil {
			stmtErr = err
		}
		return stmtErr
	}
	elapsed := time.Since(start)
	if ws, _ := driver.Warnings(conn); len(ws) > 0 {
		for _, w := range ws {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if po.explain {
		printExplain(conn, stdout, isWrite(query))
	}
	if po.timer {
		reqs, _ := driver.Requests(conn)
		fmt.Fprintf(stdout, "Run Time: %.3f s, %d Graph %s\n", elapsed.Seconds(), len(reqs), plural(int64(len(reqs)), "request"))
	}
	if usePager {
		if err := pageOutput(paged.Bytes(), realStdout); err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		return werr
	}
	return cerr
}

// maxBody is how much of a request body explain shows.
const maxBody = 300

// clipBody shortens a request body for explain, on one line.
func clipBody(b string) string {
	b = strings.Join(strings.Fields(b), " ") // Graph's JSON is compact: this only folds stray newlines
	if len(b) <= maxBody {
		return b
	}
	cut := maxBody
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:cut], len(b))
}

// isWrite reports whether stmt may change mail when it runs: an INSERT,
// UPDATE, DELETE or REPLACE (also after a WITH), or the COMMIT (or END)
// that flushes a transaction's changes.
func isWrite(stmt string) bool {
	rest, _ := skipBlank(stmt)
	first := strings.ToUpper(firstWord(rest))
	switch first {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "COMMIT", "END":
		return true
	case "WITH":
		words := strings.FieldsFunc(strings.ToUpper(stmt), func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r == '_') })
		for _, w := range words {
			switch w {
			case "INSERT", "UPDATE", "DELETE", "REPLACE":
				return true
			}
		}
	}
	return false
}

// firstWord returns the letters at the start of s.
func firstWord(s string) string {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	return s[:i]
}

func listOrNone[T fmt.Stringer](xs []T) string {
	if len(xs) == 0 {
		return "(none)"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return strings.Join(parts, " AND ")
}
