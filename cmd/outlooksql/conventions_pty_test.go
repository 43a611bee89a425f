//go:build linux || darwin

package main

import (
	"strings"
	"testing"
	"time"
)

// TestQueryPTYNoSQLSaysWhatItExpects: "outlooksql query" with no SQL on a
// terminal says what it waits for, then runs what is typed up to Ctrl-D.
func TestQueryPTYNoSQLSaysWhatItExpects(t *testing.T) {
	for _, name := range []string{"query", "explain"} {
		p := startPTY(t, nil, name, "--demo", "-f", "csv")
		const wait = 20 * time.Second
		p.expect(name+`: type the SQL statement, then Ctrl-D on a line of its own (or give it as an argument: outlooksql `+name+` "SELECT …"; or --file FILE)`, wait)
		p.send("SELECT 40 + 2 AS answer;\r")
		p.send("\x04")
		p.expect("answer\n42\n", wait)
		<-p.done
		p.cmd.Wait()
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s: exit %d after Ctrl-D; the terminal showed %q", name, code, p.screen())
		}
	}
}

// TestQueryNoSQLNotTerminal: with stdin not a terminal, query reads it
// without a word on stderr (a pipe needs no prompt).
func TestQueryNoSQLNotTerminal(t *testing.T) {
	out, stderr, code := binRun(t, t.TempDir(), "SELECT 1 AS one", "query", "--demo", "-f", "csv")
	if code != 0 || out != "one\n1\n" || strings.Contains(stderr, "Ctrl-D") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
