package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peterh/liner"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

const shellHelp = `Statements end with ";" and may span lines. Commands (as in sqlite3):
  .tables [PATTERN]       list the database's own tables and views, then the mail tables
  .schema [PATTERN]       show the CREATE statements of the database's own objects, then
                          the mail tables' columns
  .databases              list the attached databases and their files (live: the mail tables)
  .mode [FORMAT]          show or set the output format: table, box, column, line, list, csv,
                          json, jsonl, markdown, insert [TABLE]
  .headers on|off         show the column names (csv, list, column, insert); default on
  .nullvalue STRING       how NULL is shown
  .once FILE              write the next statement's output to FILE
  .output [FILE]          write the output to FILE, or to stdout again without FILE
  .read FILE              run the statements and commands of FILE
  .import --csv FILE TABLE  read CSV rows into TABLE (created from the first row if new;
                          --skip N skips N lines first)
  .dump [PATTERN]         the database's own tables, with their rows, as SQL
  .bail on|off            stop at the first error
  .explain on|off         after each statement, list the Graph requests it made;
                          writes become dry runs: listed, not sent
  .timer on|off           after each statement, show how long it took
  .pager on|off           page a result taller than the terminal through $PAGER
                          (or less -FRX); default on (--no-pager: off)
  .help                   this text
  .quit, .exit, .q        leave (so does Ctrl-D)
Ctrl-C stops the running statement, or clears the line being typed.
`

const (
	prompt         = "outlooksql> "
	continuePrompt = "       ...> "
)

// errInterrupted is a line reader's answer to Ctrl-C at the prompt.
var errInterrupted = errors.New("interrupted")

// lineReader reads the shell's input a line at a time.
type lineReader interface {
	// readLine returns the next line without its end, io.EOF at the end
	// of input, or errInterrupted when the user pressed Ctrl-C.
	readLine(prompt string) (string, error)
	// remember adds a statement or command to the history.
	remember(entry string)
	// ask asks a person a question and returns the answer; errInterrupted
	// when they pressed Ctrl-C.
	ask(question string) (string, error)
	close()
}

// shell is one "outlooksql shell" session.
type shell struct {
	conn        *sql.Conn
	script      bool // query --file: it always stops at the first error
	out, errw   io.Writer
	format      string
	explain     bool
	timer       bool
	pager       bool // .pager: a result taller than the terminal goes through the pager
	interactive bool
	timeout     time.Duration // --timeout of each statement
	dot         dotState      // what the sqlite3-style dot-commands set
	// ask, when set, asks a person before a flush of several changes
	// (stdin is a terminal, and no --yes).
	ask func(question string) (string, error)

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement
}

// runShell is "outlooksql shell": statements from a terminal, with line
// editing and history, or from stdin without prompts, like sqlite3.
func runShell(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	q, rest, err := parseQueryFlags("shell", args, stdout)
	if err != nil {
		return helpIsNoError(err)
	}
	if len(rest) > 1 {
		return fmt.Errorf("shell takes one database file (got %q and %q); pipe statements to it instead: %w", rest[0], rest[1], errUsage)
	}
	if len(rest) == 1 {
		if err := checkDBFile(rest[0]); err != nil {
			return err
		}
		q.file = rest[0]
	}
	if err := checkFormat(q.format); err != nil {
		return err
	}
	db, closeDB, err := q.open()
	if err != nil {
		return q.loginHint(err)
	}
	defer closeDB()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := attachLive(ctx, conn); err != nil {
		return err
	}
	hidden, err := shadowed(ctx, conn)
	if err != nil {
		return fmt.Errorf("open %s: %w", q.file, err)
	}
	if err := driver.EnableFileFunctions(conn); err != nil { // readfile, writefile
		return err
	}

	sh := &shell{conn: conn, out: stdout, errw: stderr, format: q.format, timeout: q.timeout, pager: !q.noPager}
	sh.dot.stdout, sh.dot.bail = stdout, q.bail
	defer sh.closeOnce()
	defer sh.closeOutput()
	sh.interactive = stdin == os.Stdin && isTerminal(os.Stdin) && isTerminal(stdout)
	notice := stderr
	if sh.interactive {
		notice = stdout
	}
	var lr lineReader
	if sh.interactive {
		// Ctrl-C while a statement runs stops that statement; at the
		// prompt the terminal delivers it to the line editor instead.
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt)
		defer signal.Stop(sigs)
		go func() {
			for range sigs {
				sh.interrupt()
			}
		}()
		lr = newTerminalReader(stderr)
		fmt.Fprintf(stdout, "outlooksql shell: statements end with \";\"; .help lists the commands, .quit or Ctrl-D leaves.\n")
		if len(hidden) > 0 {
			fmt.Fprint(notice, shadowNotice(q.file, hidden))
		}
	} else {
		if len(hidden) > 0 {
			fmt.Fprint(notice, shadowNotice(q.file, hidden))
		}
		// Without a terminal, Ctrl-C stops the statement and the shell;
		// a second one ends the process.
		if stdin == os.Stdin {
			var stop context.CancelFunc
			ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
			defer stop()
			context.AfterFunc(ctx, stop)
		}
		lr = &plainReader{r: bufio.NewReader(stdin), errw: stderr}
	}
	defer lr.close()
	if !q.yes && stdin == os.Stdin && isTerminal(os.Stdin) {
		sh.ask = lr.ask // a person types: piped scripts do not ask
	}
	return sh.loop(ctx, lr)
}

// loop reads and runs statements and commands until the input ends or
// .quit. Without a terminal, it fails when any statement failed.
func (sh *shell) loop(ctx context.Context, lr lineReader) error {
	var pending []string         // lines of the statement being typed
	lineNo, pendingStart := 0, 0 // the input's line numbers: the last read, and pending's first
	failed, done := 0, 0         // statements and commands
	runAll := func(text string) {
		stmts, _ := splitStatements(text)
		lines := statementLines(text, stmts, pendingStart)
		for i, st := range stmts {
			if ctx.Err() != nil {
				return
			}
			done++
			if ok, cancelled := sh.run(ctx, st, lines[i]); !ok {
				failed++
				if cancelled || sh.bails() {
					return // Ctrl-C (or .bail on in a script) stops the rest of the line too
				}
			}
		}
	}
	for ctx.Err() == nil && !(sh.bails() && failed > 0) {
		p := prompt
		if len(pending) > 0 {
			p = continuePrompt
		}
		line, err := lr.readLine(p)
		if errors.Is(err, errInterrupted) {
			pending = nil
			continue
		}
		if err == io.EOF {
			if sh.interactive {
				fmt.Fprintln(sh.out) // end the prompt's line
			}
			if text := strings.Join(pending, "\n"); len(pending) > 0 {
				// Like sqlite3, run a last statement that lacks its ";".
				rememberAll(lr, historyEntries(pending))
				if _, rest := splitStatements(text + "\n;"); blank(rest) {
					runAll(text + "\n;")
				} else {
					fmt.Fprintln(sh.errw, sh.errorPrefix(pendingStart+leadingBlankLines(text))+
						"incomplete statement at the end of the input (missing ';', an open quote or comment, or a trigger without END;)")
					done++
					failed++
				}
			}
			break
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		lineNo++
		if len(pending) == 0 && strings.HasPrefix(strings.TrimSpace(line), ".") {
			lr.remember(strings.TrimSpace(line))
			done++
			quit, err := sh.command(ctx, strings.TrimSpace(line))
			if err != nil {
				fmt.Fprintln(sh.errw, "error:", clip.Message(err.Error()))
				failed++
			}
			if quit {
				break
			}
			continue
		}
		if len(pending) == 0 {
			pendingStart = lineNo
		}
		pending = append(pending, line)
		text := strings.Join(pending, "\n")
		stmts, rest := splitStatements(text)
		if len(stmts) == 0 && !blank(rest) {
			continue // the statement goes on
		}
		if !blank(text) {
			rememberAll(lr, historyEntries(pending))
		}
		pending = nil
		runAll(text)
		if !blank(rest) {
			rest = strings.TrimLeft(rest, " \t\n")
			pending = []string{rest}
			pendingStart = lineNo - strings.Count(rest, "\n")
		}
	}
	if ctx.Err() != nil && !sh.interactive {
		return errInterrupt
	}
	if failed > 0 && sh.bails() {
		if sh.script {
			return fmt.Errorf("stopped at the first error (query --file always does)")
		}
		return fmt.Errorf("stopped at the first error (-bail or .bail on)")
	}
	if failed > 0 && !sh.interactive {
		return fmt.Errorf("%d of %d statements and commands failed", failed, done)
	}
	return nil
}

// run runs one statement and reports whether it succeeded, and whether it
// was cancelled. A Ctrl-C (interrupt) while it runs cancels its context,
// which stops its Graph requests, and the shell goes on.
func (sh *shell) run(ctx context.Context, stmt string, line int) (ok, cancelled bool) {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sh.mu.Lock()
	sh.cancel = cancel
	sh.mu.Unlock()
	po := printOpts{format: sh.format, explain: sh.explain, timer: sh.timer, timeout: sh.timeout, pager: sh.pager, extra: sh.dot.formatOptions()}
	if sh.ask != nil {
		po.confirm = sh.confirm
	}
	out, done := sh.writer()
	err := execute(qctx, sh.conn, stmt, po, out, sh.errw)
	done()
	sh.mu.Lock()
	sh.cancel = nil
	sh.mu.Unlock()
	switch {
	case err == nil:
		return true, false
	case qctx.Err() != nil:
		fmt.Fprintln(sh.errw, "cancelled: the statement was stopped (Ctrl-C)")
		return false, true
	default:
		fmt.Fprintln(sh.errw, sh.errorPrefix(line)+clip.Message(err.Error()))
		return false, false
	}
}

// errNotConfirmed is the answer to the question before a flush that was
// not yes: the statement fails with it, and nothing is sent.
var errNotConfirmed = errors.New("the changes were not confirmed")

// maxSummary is how much of a flush's summary the question shows.
const maxSummary = 120

// confirm asks whether to send p's changes: "Send 12 changes (UPDATE 12 ×
// messages)? [y/N] ". Only y or yes sends.
func (sh *shell) confirm(p driver.Pending) error {
	summary := p.Summary
	if len(summary) > maxSummary {
		summary = cut(summary, maxSummary)
	}
	answer, err := sh.ask(fmt.Sprintf("Send %d changes (%s)? [y/N] ", p.Changes, summary))
	if err != nil && !errors.Is(err, errInterrupted) && err != io.EOF {
		return fmt.Errorf("%w: %w", errNotConfirmed, err)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		if err == nil {
			return nil
		}
	}
	return errNotConfirmed
}

// errorPrefix starts the message of an error in the statement that starts
// on the input's line: with the line number when reading a script, as
// sqlite3 does ("error near line 14: "), else "error: ".
func (sh *shell) errorPrefix(line int) string {
	if sh.interactive || line <= 0 {
		return "error: "
	}
	return fmt.Sprintf("error near line %d: ", line)
}

// statementLines returns the input line each of stmts starts on (its first
// line that is not blank or a comment): stmts are splitStatements(text),
// and text starts on line first.
func statementLines(text string, stmts []string, first int) []int {
	lines := make([]int, len(stmts))
	at := 0
	for i, st := range stmts {
		pos := at + max(strings.Index(text[at:], st), 0)
		lines[i] = first + strings.Count(text[:pos], "\n") + leadingBlankLines(st)
		at = pos + len(st)
	}
	return lines
}

// leadingBlankLines counts the lines of white space and comments before
// text's first token.
func leadingBlankLines(text string) int {
	n := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\n':
			n++
		case c == ' ' || c == '\t' || c == '\r':
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return n
			}
			i += j - 1 // the '\n' is counted next
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return n
			}
			n += strings.Count(text[i:i+2+j], "\n")
			i += j + 3
		default:
			return n
		}
	}
	return n
}

// interrupt cancels the running statement, if any.
func (sh *shell) interrupt() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cancel != nil {
		sh.cancel()
	}
}

// command runs a dot-command; quit is true for .quit.
func (sh *shell) command(ctx context.Context, line string) (quit bool, err error) {
	if ok, err := sh.dotCommand(ctx, line); ok {
		return false, err
	}
	f := strings.Fields(line)
	name, args := f[0], f[1:]
	switch name {
	case ".quit", ".exit", ".q":
		return true, nil
	case ".help":
		fmt.Fprint(sh.out, shellHelp)
	case ".explain":
		return false, onOff(name, args, &sh.explain)
	case ".timer":
		return false, onOff(name, args, &sh.timer)
	case ".pager":
		return false, onOff(name, args, &sh.pager)
	default:
		return false, fmt.Errorf("unknown command %s: .help lists the commands", name)
	}
	return false, nil
}

func onOff(name string, args []string, v *bool) error {
	if len(args) == 1 {
		switch strings.ToLower(args[0]) {
		case "on", "1", "yes", "true":
			*v = true
			return nil
		case "off", "0", "no", "false":
			*v = false
			return nil
		}
	}
	return fmt.Errorf("write %s on or %s off", name, name)
}

// historyEntries is what the history keeps of a statement typed on
// several lines: one line, so that one Up brings all of it back; but when a
// line has a -- comment, which would comment out the rest, each line on
// its own (as sqlite3 does). History entries are single lines.
func historyEntries(lines []string) []string {
	var out []string
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			out = append(out, t)
		}
	}
	if slices.ContainsFunc(out, func(l string) bool { return strings.Contains(l, "--") }) {
		return out
	}
	return []string{strings.Join(out, " ")}
}

func rememberAll(lr lineReader, entries []string) {
	for _, e := range entries {
		lr.remember(e)
	}
}

// splitStatements cuts text at each ";" that ends a statement, skipping
// those inside quotes ('…', "…", `…`, […]) and comments (-- …, /* … */),
// and those that SQLite's sqlite3_complete says do not end one (the ";"s
// of a CREATE TRIGGER's BEGIN … END).
// It returns the complete statements (without their ";", blank ones
// dropped) and the text after the last ";".
func splitStatements(text string) (stmts []string, rest string) {
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\'', '"', '`', '[':
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			j := strings.IndexByte(text[i+1:], end)
			if j < 0 {
				return stmts, text[start:]
			}
			i += j + 1 // a doubled quote is two quoted strings in a row: same result
		case '-':
			if i+1 < len(text) && text[i+1] == '-' {
				j := strings.IndexByte(text[i:], '\n')
				if j < 0 {
					return stmts, text[start:]
				}
				i += j
			}
		case '/':
			if i+1 < len(text) && text[i+1] == '*' {
				j := strings.Index(text[i+2:], "*/")
				if j < 0 {
					return stmts, text[start:]
				}
				i += j + 3
			}
		case ';':
			if !vtab.Complete(text[start : i+1]) {
				continue // a ";" inside CREATE TRIGGER … BEGIN … END
			}
			if st := strings.TrimSpace(text[start:i]); !blank(st) {
				stmts = append(stmts, st)
			}
			start = i + 1
		}
	}
	return stmts, text[start:]
}

// blank reports whether text is only white space and complete comments.
// An open /* comment is not blank: in the shell the statement goes on.
func blank(text string) bool {
	rest, open := skipBlank(text)
	return rest == "" && !open
}

// skipBlank returns text after its leading white space and comments, the
// way SQLite's tokenizer skips them (white space is ASCII's, as
// sqlite3Isspace). open is true when text ends inside a /* comment, which
// SQLite reads as a comment to the end of the input.
func skipBlank(text string) (rest string, open bool) {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == ' ' || c >= '\t' && c <= '\r':
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return "", false
			}
			i += j
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return "", true
			}
			i += j + 3
		default:
			return text[i:], false
		}
	}
	return "", false
}

// plainReader reads lines from a pipe or file, without prompts.
type plainReader struct {
	r    *bufio.Reader
	errw io.Writer // where ask writes its question
}

func (p *plainReader) readLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimRight(line, "\r\n"), err
}

func (p *plainReader) remember(string) {}

// ask writes the question to stderr and reads the answer from the input
// (a terminal: the shell asks only then).
func (p *plainReader) ask(question string) (string, error) {
	fmt.Fprint(p.errw, question)
	return p.readLine("")
}

func (p *plainReader) close() {}

// terminalReader edits lines on the terminal with github.com/peterh/liner
// and keeps the history in a file.
type terminalReader struct {
	st      *liner.State
	history string // the history file, "" when there is none
	errw    io.Writer
}

func newTerminalReader(errw io.Writer) *terminalReader {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	st.SetTabCompletionStyle(liner.TabPrints)
	st.SetWordCompleter(complete)
	t := &terminalReader{st: st, errw: errw}
	if path, err := historyPath(); err == nil {
		t.history = path
		if f, err := os.Open(path); err == nil {
			st.ReadHistory(f)
			f.Close()
		}
	}
	return t
}

func (t *terminalReader) readLine(p string) (string, error) {
	line, err := t.st.Prompt(p)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return line, err
}

// ask asks on the terminal, with the line editor; the answer stays out of
// the history.
func (t *terminalReader) ask(question string) (string, error) {
	return t.readLine(question)
}

func (t *terminalReader) remember(entry string) {
	if strings.TrimSpace(entry) == "" {
		return
	}
	t.st.AppendHistory(entry)
	t.save()
}

func (t *terminalReader) save() {
	if t.history == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(t.history), 0o700); err != nil {
		fmt.Fprintf(t.errw, "warning: history not saved: %v\n", err)
		t.history = ""
		return
	}
	f, err := os.OpenFile(t.history, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		_, err = t.st.WriteHistory(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(t.errw, "warning: history not saved: %v\n", err)
		t.history = ""
	}
}

func (t *terminalReader) close() { t.st.Close() }

// historyPath is the shell's history file: $XDG_STATE_HOME/outlooksql/history,
// ~/.local/state/outlooksql/history on Unix without it, and the outlooksql
// folder of os.UserConfigDir on Windows and macOS.
func historyPath() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "outlooksql", "history"), nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "outlooksql", "history"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "outlooksql", "history"), nil
}

// complete completes dot-commands at the start of a line, and table and
// column names and a few SQL words elsewhere.
func complete(line string, pos int) (head string, completions []string, tail string) {
	start := pos
	for start > 0 && isWordByte(line[start-1]) {
		start--
	}
	var words []string
	if start > 0 && line[start-1] == '.' && strings.TrimSpace(line[:start-1]) == "" {
		start--
		words = dotCommands
	} else {
		words = slices.Clone(sqlWords)
		for _, t := range tables.All {
			words = append(words, t.Name)
			for _, c := range t.Columns {
				words = append(words, c.Name)
			}
		}
	}
	word := strings.ToLower(line[start:pos])
	if word == "" {
		return line[:pos], nil, line[pos:]
	}
	for _, w := range words {
		if strings.HasPrefix(strings.ToLower(w), word) && !slices.Contains(completions, w) {
			completions = append(completions, w)
		}
	}
	return line[:start], completions, line[pos:]
}

var dotCommands = []string{".tables", ".schema", ".databases", ".mode", ".headers", ".nullvalue", ".once", ".output",
	".read", ".import", ".dump", ".bail", ".explain", ".timer", ".pager", ".help", ".quit", ".exit"}

var sqlWords = []string{"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "GROUP", "HAVING",
	"LIMIT", "JOIN", "LEFT", "ON", "AS", "DESC", "ASC", "LIKE", "IN", "IS", "NULL", "COUNT", "DISTINCT"}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
