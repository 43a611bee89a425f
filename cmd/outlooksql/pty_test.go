//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyShell is "outlooksql shell" running on a pseudo-terminal: this test
// binary started again with OUTLOOKSQL_TEST_MAIN=1 (see TestMain).
type ptyShell struct {
	t   *testing.T
	tty *os.File
	cmd *exec.Cmd

	mu   sync.Mutex
	out  bytes.Buffer // everything the terminal showed
	pos  int          // how much of out expect has consumed
	done chan struct{}
}

const ptyCols = 200

func startPTYShell(t *testing.T, env []string, args ...string) *ptyShell {
	t.Helper()
	return startPTY(t, env, append([]string{"shell"}, args...)...)
}

// startPTY runs "outlooksql args…" on a pseudo-terminal.
func startPTY(t *testing.T, env []string, args ...string) *ptyShell {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), append([]string{"OUTLOOKSQL_TEST_MAIN=1", "TERM=xterm"}, env...)...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: ptyCols})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyShell{t: t, tty: tty, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return // EIO once the shell has exited
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		tty.Close()
	})
	return p
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\r`)

// screen returns what the terminal showed since the last expect, without
// escape sequences and carriage returns.
func (p *ptyShell) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ansi.ReplaceAllString(p.out.String()[p.pos:], "")
}

// expect waits until the terminal shows want, and consumes the output up
// to and including it; it returns that output.
func (p *ptyShell) expect(want string, timeout time.Duration) string {
	p.t.Helper()
	want = strings.ReplaceAll(want, "\r", "") // as the screen is cleaned
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		raw := p.out.String()[p.pos:]
		p.mu.Unlock()
		// Find want in the cleaned text, then the raw offset to consume to.
		clean := ansi.ReplaceAllString(raw, "")
		if i := strings.Index(clean, want); i >= 0 {
			end := rawOffset(raw, i+len(want))
			p.mu.Lock()
			p.pos += end
			p.mu.Unlock()
			return clean[:i+len(want)]
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal did not show %q within %v; it showed:\n%s", want, timeout, clean)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawOffset maps an offset in the cleaned text back to raw.
func rawOffset(raw string, cleanOff int) int {
	n := 0
	for i := 0; i <= len(raw); {
		if n == cleanOff {
			return i
		}
		if loc := ansi.FindStringIndex(raw[i:]); loc != nil && loc[0] == 0 {
			i += loc[1]
			continue
		}
		i++
		n++
	}
	return len(raw)
}

func (p *ptyShell) send(s string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// TestShellPTY drives the interactive shell through a pseudo-terminal:
// multi-line input, dot-commands, history, Ctrl-C at the prompt and during
// a slow query, and .quit.
func TestShellPTY(t *testing.T) {
	f := newTenantFixture(t)
	state := t.TempDir()
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + state}, "-c", f.env.ConnString())
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)

	tableOpts := formatOptions{Width: ptyCols, MaxCell: maxCell}
	// A statement over three lines.
	sh.send("SELECT display_name, mail\r")
	sh.expect("...> ", wait)
	sh.send("  FROM users\r")
	sh.expect("...> ", wait)
	sh.send(" ORDER BY display_name;\r")
	want := f.plainOutput(t, "table", "SELECT display_name, mail FROM users ORDER BY display_name", tableOpts)
	sh.expect(want, wait)
	sh.expect("outlooksql> ", wait)

	// Long text is cut to the terminal with …; csv carries all of it.
	const long = "SELECT id, body_preview FROM messages ORDER BY id LIMIT 3"
	const longPlain = "SELECT id, body_preview FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY id LIMIT 3"
	sh.send(long + ";\r")
	want = f.plainOutput(t, "table", longPlain, tableOpts)
	if !strings.Contains(want, "…") {
		t.Fatalf("the previews are not long enough to be cut:\n%s", want)
	}
	sh.expect(want, wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".tables\r")
	sh.expect("messages ", wait)
	sh.expect("attachments ", wait)
	sh.expect("outlooksql> ", wait)
	sh.send(".schema users\r")
	sh.expect("CREATE TABLE users(", wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".mode csv\r")
	sh.expect("outlooksql> ", wait)
	sh.send(long + ";\r")
	sh.expect(f.plainOutput(t, "csv", longPlain, formatOptions{}), wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".explain on\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 3;\r")
	sh.expect("graph requests: 1\n", wait)
	sh.expect("/v1.0/me/messages?$orderby=receivedDateTime%20desc&$select=id,receivedDateTime&$top=3 -> 200", wait)
	sh.expect("outlooksql> ", wait)
	sh.send(".explain off\r")
	sh.expect("outlooksql> ", wait)

	sh.send(".timer on\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT count(*) AS n FROM users;\r")
	count := f.plainOutput(t, "csv", "SELECT count(*) AS n FROM users", formatOptions{})
	sh.expect(count, wait)
	sh.expect("Run Time: ", wait)
	sh.expect("outlooksql> ", wait)

	// Up brings the last statement back.
	sh.send("\x1b[A\r")
	sh.expect(count, wait)
	sh.expect("outlooksql> ", wait)
	sh.send(".timer off\r")
	sh.expect("outlooksql> ", wait)

	// Ctrl-C at the prompt drops the line being typed, and a statement
	// begun on earlier lines.
	sh.send("SELECT nonsense")
	sh.expect("SELECT nonsense", wait)
	sh.send("\x03")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT\r")
	sh.expect("...> ", wait)
	sh.send("\x03")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT 7 AS seven;\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, "seven\n7\n") || strings.Contains(got, "error") {
		t.Fatalf("after Ctrl-C at the prompt, want only SELECT 7 to run:\n%s", got)
	}

	// Ctrl-C during a slow query stops it and its requests, not the shell:
	// the server holds its response for 5 s, so an answer within 1.5 s
	// means the HTTP request was abandoned.
	f.env.Server.SetLatency(5 * time.Second)
	sh.send("SELECT id, subject FROM messages;\r")
	sh.expect("messages: 0 rows, 0 pages", wait) // the progress line: the query runs
	sent := time.Now()
	sh.send("\x03")
	sh.expect("cancelled: the statement was stopped (Ctrl-C)", wait)
	if d := time.Since(sent); d > 1500*time.Millisecond {
		t.Errorf("the cancellation took %v", d)
	}
	sh.expect("outlooksql> ", wait)
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("the prompt came back after %v", d)
	}
	f.env.Server.SetLatency(0)
	sh.send("SELECT count(*) AS n FROM users;\r")
	sh.expect(count, wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".quit\r")
	select {
	case <-sh.done:
	case <-time.After(wait):
		t.Fatal(".quit did not end the shell")
	}
	if err := sh.cmd.Wait(); err != nil {
		t.Fatalf(".quit: %v\n%s", err, sh.screen())
	}

	history, err := os.ReadFile(filepath.Join(state, "outlooksql", "history"))
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range []string{"SELECT display_name, mail FROM users ORDER BY display_name;\n", ".mode csv\n", "SELECT 7 AS seven;\n"} {
		if !strings.Contains(string(history), entry) {
			t.Errorf("the history lacks %q:\n%s", entry, history)
		}
	}
}

// TestShellPTYEOF checks that Ctrl-D at an empty prompt leaves the shell.
func TestShellPTYEOF(t *testing.T) {
	f := newTenantFixture(t)
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "-c", f.env.ConnString())
	sh.expect("outlooksql> ", 10*time.Second)
	sh.send("\x04")
	select {
	case <-sh.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-D did not end the shell")
	}
	if err := sh.cmd.Wait(); err != nil {
		t.Fatalf("Ctrl-D: %v", err)
	}
}

// TestShellPipeInterrupt checks Ctrl-C (SIGINT) without a terminal: the
// running statement stops at once, then the shell, with exit code 130.
func TestShellPipeInterrupt(t *testing.T) {
	f := newTenantFixture(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "shell", "-c", f.env.ConnString())
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	f.env.Server.SetLatency(5 * time.Second)
	defer f.env.Server.SetLatency(0)
	stdin.Write([]byte("SELECT id FROM messages;\nSELECT 1;\n"))
	time.Sleep(500 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if d := time.Since(sent); d > 1500*time.Millisecond {
		t.Errorf("the shell took %v to stop", d)
	}
	if cmd.ProcessState.ExitCode() != 130 || !strings.HasSuffix(stderr.String(), "outlooksql: interrupted\n") {
		t.Errorf("exit %v, stderr %q; want exit code 130 and interrupted", err, stderr.String())
	}
}
