//go:build linux || darwin

package main

import (
	"strings"
	"testing"
	"time"
)

// TestShellPTYEndOfInputIncomplete: Ctrl-D at the "...>" prompt of an
// unfinished trigger prints the message on a line of its own, not after
// the prompt.
func TestShellPTYEndOfInputIncomplete(t *testing.T) {
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "--demo", "-f", "csv")
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)
	sh.send("CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;\r")
	sh.expect("...> ", wait)
	sh.send("\x04") // Ctrl-D
	<-sh.done
	sh.cmd.Wait()
	const want = "\nerror: incomplete statement at the end of the input (missing ';', an open quote or comment, or a trigger without END;)\n"
	if got := sh.screen(); !strings.HasPrefix(got, want) {
		t.Errorf("after Ctrl-D the terminal showed %q, want %q", got, want)
	}
}
