package main

import (
	"testing"
)

// TestDemoWithConnectionFlags: --demo together with -c or -p is an error
// naming both flags (it used to win silently).
func TestDemoWithConnectionFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "--demo", "-c", "ClientId=x", "SELECT 1"}, "--demo and -c/--connection both name a connection: give one of them: see 'outlooksql help'"},
		{[]string{"explain", "-p", "work", "--demo", "SELECT 1"}, "--demo and -p/--profile both name a connection: give one of them: see 'outlooksql help'"},
		{[]string{"shell", "--demo", "--profile", "work"}, "--demo and -p/--profile both name a connection: give one of them: see 'outlooksql help'"},
		{[]string{"query", "--demo", "-c", "ClientId=x", "-p", "work", "SELECT 1"}, "--demo and -c/--connection both name a connection: give one of them: see 'outlooksql help'"},
	} {
		out, _, err := cli(tc.args...)
		if err == nil || err.Error() != tc.want || out != "" {
			t.Errorf("%q: %q, %v; want error %q", tc.args, out, err, tc.want)
		}
	}
}
