//go:build linux || darwin

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestShellPTYConfirm: on a terminal, a statement that would change more
// than one item asks first; anything but y or yes cancels it, with nothing
// sent; a change of one item does not ask.
func TestShellPTYConfirm(t *testing.T) {
	f := newTenantFixture(t)
	high := f.plainIDs(t, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'", 3)
	n := len(high)
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "-c", f.env.ConnString(), "-f", "csv")
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)

	const update = "UPDATE messages SET is_read = 1 WHERE importance = 'high';\r"
	question := fmt.Sprintf("Send %d changes (UPDATE %d × messages)? [y/N] ", n, n)
	const cancelled = "error: messages: the changes were not confirmed; nothing was sent\n"
	for _, answer := range []struct{ name, keys string }{
		{"n", "n\r"},
		{"no", "no\r"},
		{"Enter (the default is no)", "\r"},
		{"anything else", "sure\r"},
		{"Ctrl-C", "\x03"},
	} {
		f.env.Server.ResetRequests()
		sh.send(update)
		sh.expect(question, wait)
		sh.send(answer.keys)
		got := sh.expect("outlooksql> ", wait)
		if !strings.Contains(got, cancelled) {
			t.Errorf("answer %s: want %q:\n%s", answer.name, cancelled, got)
		}
		if w := writesSeen(f.env.Server); len(w) > 0 {
			t.Errorf("answer %s: sent %v", answer.name, w)
		}
	}

	// The changes of a transaction are counted at COMMIT.
	f.env.Server.ResetRequests()
	sh.send(fmt.Sprintf("BEGIN; UPDATE messages SET is_read = 1 WHERE id = '%s'; UPDATE messages SET flag_status = 'flagged' WHERE id = '%s';\r", high[0], high[1]))
	if got := sh.expect("outlooksql> ", wait); strings.Contains(got, "[y/N]") || strings.Contains(got, "error") {
		t.Fatalf("before COMMIT:\n%s", got)
	}
	sh.send("COMMIT;\r")
	sh.expect("Send 2 changes (UPDATE 2 × messages)? [y/N] ", wait)
	sh.send("n\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, cancelled) {
		t.Errorf("COMMIT answered n: want %q:\n%s", cancelled, got)
	}
	if w := writesSeen(f.env.Server); len(w) > 0 {
		t.Errorf("COMMIT answered n: sent %v", w)
	}
	// The refused COMMIT ended the transaction: its changes are gone.
	sh.send("ROLLBACK;\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, "error: cannot rollback - no transaction is active\n") {
		t.Errorf("after a COMMIT answered n, want the transaction ended:\n%s", got)
	}

	// One item: no question.
	f.env.Server.ResetRequests()
	sh.send(fmt.Sprintf("UPDATE messages SET is_read = 1 WHERE id = '%s';\r", high[0]))
	if got := sh.expect("outlooksql> ", wait); strings.Contains(got, "[y/N]") {
		t.Errorf("a change of one item asked:\n%s", got)
	}
	if w := writesSeen(f.env.Server); len(w) != 1 || !strings.Contains(w[0], high[0]) {
		t.Errorf("one item: the fake saw %v; want one write of %s", w, high[0])
	}

	// With .explain on, a write is a dry run: nothing to ask about.
	f.env.Server.ResetRequests()
	sh.send(".explain on\r")
	sh.expect("outlooksql> ", wait)
	sh.send(update)
	got := sh.expect("outlooksql> ", wait)
	if want := fmt.Sprintf("dry run: %d requests would be sent; nothing was sent\n", n); !strings.Contains(got, want) || strings.Contains(got, "[y/N]") {
		t.Errorf(".explain on: want %q and no question:\n%s", want, got)
	}
	if w := writesSeen(f.env.Server); len(w) > 0 {
		t.Errorf(".explain on: sent %v", w)
	}
	sh.send(".explain off\r")
	sh.expect("outlooksql> ", wait)

	// y sends, and the change is made.
	f.needUnreadHigh(t, 1)
	f.env.Server.ResetRequests()
	sh.send(update)
	sh.expect(question, wait)
	sh.send("y\r")
	if got := sh.expect("outlooksql> ", wait); strings.Contains(got, "not confirmed") || strings.Contains(got, "error") {
		t.Errorf("y: %s", got)
	}
	if len(writesSeen(f.env.Server)) == 0 {
		t.Error("y: nothing was sent")
	}
	if bad := failedWrites(f.env.Server); len(bad) > 0 {
		t.Errorf("y: the fake refused %v", bad)
	}
	if n := f.unreadHigh(t); n != 0 {
		t.Errorf("y: %d messages of high importance are still unread on the fake; want 0", n)
	}
	sh.send(unreadHighQuery + ";\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, "\nunread high: 0\n") || strings.Contains(got, "error") {
		t.Errorf("y: after it, the shell reads:\n%s\nwant unread high: 0", got)
	}

	sh.send(".quit\r")
	<-sh.done
	sh.cmd.Wait()
}

// TestShellPTYYes: with --yes, the shell sends without asking.
func TestShellPTYYes(t *testing.T) {
	f := newTenantFixture(t)
	f.needUnreadHigh(t, 2)
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "--yes", "-c", f.env.ConnString(), "-f", "csv")
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)
	f.env.Server.ResetRequests()
	sh.send("UPDATE messages SET is_read = 1 WHERE importance = 'high';\r")
	if got := sh.expect("outlooksql> ", wait); strings.Contains(got, "[y/N]") || strings.Contains(got, "not confirmed") || strings.Contains(got, "error") {
		t.Errorf("--yes asked, or failed:\n%s", got)
	}
	if len(writesSeen(f.env.Server)) == 0 {
		t.Error("--yes: nothing was sent")
	}
	if bad := failedWrites(f.env.Server); len(bad) > 0 {
		t.Errorf("--yes: the fake refused %v", bad)
	}
	if n := f.unreadHigh(t); n != 0 {
		t.Errorf("--yes: %d messages of high importance are still unread on the fake; want 0", n)
	}
	sh.send(unreadHighQuery + ";\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, "\nunread high: 0\n") || strings.Contains(got, "error") {
		t.Errorf("--yes: after it, the shell reads:\n%s\nwant unread high: 0", got)
	}
	sh.send(".quit\r")
	<-sh.done
	sh.cmd.Wait()
}

// TestQueryPTYDoesNotAsk: query is one statement written out in full: it
// does not ask, even on a terminal.
func TestQueryPTYDoesNotAsk(t *testing.T) {
	f := newTenantFixture(t)
	f.plainIDs(t, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'", 3)
	p := startPTY(t, nil, "query", "-c", f.env.ConnString(), "UPDATE messages SET is_read = 1 WHERE importance = 'high'")
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("query waited (for an answer?):\n%s", p.screen())
	}
	p.cmd.Wait()
	if got := p.screen(); strings.Contains(got, "[y/N]") {
		t.Errorf("query asked:\n%s", got)
	}
	if len(writesSeen(f.env.Server)) == 0 {
		t.Error("query: nothing was sent")
	}
}

// TestShellTerminalStdinAsks: with stdin a terminal and stdout redirected,
// the shell reads without prompts but still asks a person, on stderr.
func TestShellTerminalStdinAsks(t *testing.T) {
	f := newTenantFixture(t)
	n := len(f.plainIDs(t, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'", 3))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(exe, "shell", "-c", f.env.ConnString())
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1", "XDG_STATE_HOME="+t.TempDir())
	var stdout strings.Builder
	cmd.Stdin, cmd.Stderr, cmd.Stdout = tty, tty, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	p := &ptyShell{t: t, tty: ptmx, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			k, err := ptmx.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:k])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	defer cmd.Process.Kill()
	const wait = 10 * time.Second
	p.send("UPDATE messages SET is_read = 1 WHERE importance = 'high';\n")
	p.expect(fmt.Sprintf("Send %d changes (UPDATE %d × messages)? [y/N] ", n, n), wait)
	p.send("n\n")
	p.expect("error near line 1: messages: the changes were not confirmed; nothing was sent\n", wait)
	p.send("\x04") // end of input
	werr := cmd.Wait()
	if cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit: %v; want 1 (a statement failed)", werr)
	}
	if w := writesSeen(f.env.Server); len(w) > 0 {
		t.Errorf("answered n: sent %v", w)
	}
}
