package main

import (
	"strings"
	"testing"
)

// TestShellHelpListsEveryCommand: .help names every dot-command the shell
// accepts, .exit and .q included, and each of them works.
func TestShellHelpListsEveryCommand(t *testing.T) {
	out, _, err := shellRun(t, ".help\n", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{".tables", ".schema", ".mode", ".explain", ".timer", ".help", ".quit", ".exit", ".q "} {
		if !strings.Contains(out, "  "+cmd) && !strings.Contains(out, ", "+cmd) {
			t.Errorf(".help does not list %s:\n%s", strings.TrimSpace(cmd), out)
		}
	}
	for _, quit := range []string{".quit", ".exit", ".q"} {
		out, stderr, err := shellRun(t, "SELECT 1 AS one;\n"+quit+"\nSELECT 2 AS two;\n", "--demo", "-f", "csv")
		if err != nil || out != "one\n1\n" || stderr != "" {
			t.Errorf("%s: %q, %q, %v; want it to stop the script", quit, out, stderr, err)
		}
	}
}
