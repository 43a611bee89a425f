//go:build linux || darwin

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// TestShellFilePTY opens a synced file in the interactive shell: it says
// which names are the file's and where the live tables are, and the
// sqlite3 dot-commands work at the prompt.
func TestShellFilePTY(t *testing.T) {
	dir := t.TempDir()
	db := makeFile(t, dir, "mail.db", "CREATE TABLE messages(subject TEXT); INSERT INTO messages VALUES ('synced one'), ('synced two');")
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "--demo", db)
	const wait = 10 * time.Second
	sh.expect(db+" has its own messages: those names mean the file's tables; the live mail tables are live.messages (and live.<table> for every mail table).\n", wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".mode box\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT subject FROM messages ORDER BY 1;\r")
	sh.expect("┌────────────┐\n│  subject   │\n├────────────┤\n│ synced one │\n│ synced two │\n└────────────┘\n", wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".mode list\r")
	sh.expect("outlooksql> ", wait)
	sh.send(".headers off\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT count(*) > 100 FROM live.messages;\r")
	sh.expect("1\n", wait)
	sh.expect("outlooksql> ", wait)

	out := filepath.Join(dir, "once.txt")
	sh.send(".once " + out + "\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT subject FROM messages ORDER BY 1 DESC;\r")
	sh.expect("outlooksql> ", wait)
	if got := readFile(t, out); got != "synced two\nsynced one\n" {
		t.Errorf(".once file: %q", got)
	}
	sh.send("SELECT 'back' AS w;\r")
	sh.expect("back\n", wait)
	sh.expect("outlooksql> ", wait)
	// At the terminal .bail on does not end the shell (as in sqlite3).
	sh.send(".bail on\r")
	sh.expect("outlooksql> ", wait)
	sh.send("SELEC 1;\r")
	sh.expect("error: near \"SELEC\": syntax error\n", wait)
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT 'still here';\r")
	sh.expect("still here\n", wait)
	sh.expect("outlooksql> ", wait)

	sh.send(".quit\r")
	select {
	case <-sh.done:
	case <-time.After(wait):
		t.Fatal(".quit did not end the shell")
	}
}

// TestShellWidePTY: SELECT * of messages (dozens of columns) on a terminal
// is shown vertically, every column named, rather than as a table of
// columns cut to "…".
func TestShellWidePTY(t *testing.T) {
	f := newTenantFixture(t)
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "-c", f.env.ConnString())
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)
	sh.send("SELECT * FROM messages ORDER BY id LIMIT 2;\r")
	var cols []string // SELECT *: the columns that are not HIDDEN
	for _, c := range tables.ByName("messages").Columns {
		if !c.Hidden {
			cols = append(cols, c.Name)
		}
	}
	want := f.plainOutput(t, "table", "SELECT "+strings.Join(cols, ", ")+" FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY id LIMIT 2", formatOptions{Width: ptyCols, MaxCell: maxCell})
	for _, line := range []string{"                     subject = ", "\n\n", "                 from_address = "} {
		if !strings.Contains(want, line) {
			t.Fatalf("the expected output is not vertical (%q missing):\n%s", line, want)
		}
	}
	// The progress line (erased, but kept by the screen's cleaning) may
	// come before the first line: expect from the second line on.
	first, rest, _ := strings.Cut(want, "\n")
	got := sh.expect(rest, wait)
	if !strings.Contains(got, first+"\n") {
		t.Errorf("the first line %q is missing:\n%s", first, got)
	}
	if strings.Contains(got, "+--") {
		t.Errorf("a table was drawn:\n%s", got)
	}
	sh.expect("outlooksql> ", wait)
}
