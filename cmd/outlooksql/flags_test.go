package main

import (
	"strings"
	"testing"
	"time"
)

// TestFlagForms checks the forms the flags of query, explain and shell take:
// short and long names, "=", a shorthand glued to its value, the long names
// with one dash that the standard library accepted, and the errors.
func TestFlagForms(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
		err  string
	}{
		{[]string{"query", "--demo", "-f", "csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "--format", "csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "--format=csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "-fcsv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "-f=csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "-demo", "-format", "csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "-demo", "-format=csv", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "-f", "csv", "--", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "-f", "csv", "SELECT -1 AS x"}, "x\n-1\n", ""},
		{[]string{"query", "--demo", "-f", "csv", "--timeout", "1m", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "-f", "csv", "--timeout=0", "SELECT 1 AS x"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "SELECT 1 AS x", "-f", "json"}, "", `"-f" after the SQL: flags go before the SQL`},
		{[]string{"query", "--demo", "SELECT 1 AS x", "--format=json"}, "", `"--format=json" after the SQL`},
		{[]string{"query", "--bogus", "SELECT 1"}, "", "query: unknown flag: --bogus: see 'outlooksql help'"},
		{[]string{"explain", "-x", "SELECT 1"}, "", "explain: unknown shorthand flag: 'x' in -x"},
		{[]string{"query", "--demo", "-f"}, "", "flag needs an argument: 'f' in -f"},
		{[]string{"query", "--demo", "--timeout", "soon", "SELECT 1"}, "", `invalid argument "soon" for "--timeout" flag`},
		{[]string{"query", "--demo", "--timeout", "-5s", "SELECT 1"}, "", "--timeout -5s: seconds or a duration such as 30s or 2m, or 0 for no limit"},
		{[]string{"shell", "--demo", "--timeout", "-1ms"}, "", "--timeout -1ms: seconds or a duration such as 30s or 2m, or 0 for no limit"},
		{[]string{"shell", "--demo", "a.db", "extra"}, "", `shell takes one database file (got "a.db" and "extra")`},
		{[]string{"login", "--nope"}, "", "login: unknown flag: --nope"},
	} {
		out, _, err := cli(tc.args...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || out != tc.out {
			t.Errorf("%q: %q, %v; want %q", tc.args, out, err, tc.out)
		}
	}
}

// TestHelpFlag: -h and --help print the usage to stdout and succeed.
func TestHelpFlag(t *testing.T) {
	for _, args := range [][]string{{"query", "-h"}, {"explain", "--help"}, {"shell", "-h"}} {
		out, _, err := cli(args...)
		if err != nil || !strings.Contains(out, "--timeout DURATION") {
			t.Errorf("%q: %v; want the usage on stdout, got:\n%s", args, err, out)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:        "30s",
		2 * time.Minute:         "2m",
		90 * time.Second:        "1m30s",
		time.Hour:               "1h",
		time.Hour + time.Minute: "1h1m",
		250 * time.Millisecond:  "250ms",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestTimeoutFlag: with --timeout, a statement whose Graph request takes
// longer is cancelled, and the error names the flag; in the shell, the
// next statement still runs.
func TestTimeoutFlag(t *testing.T) {
	f := newTenantFixture(t)
	// The server holds each response for 3 s: a statement that needs
	// Graph cannot finish within --timeout 100ms, and one that ran to the
	// end would print rows and no error.
	f.env.Server.SetLatency(3 * time.Second)
	defer f.env.Server.SetLatency(0)
	const want = "statement timed out after 100ms (--timeout)"
	for _, cmd := range []string{"query", "explain"} {
		out, _, err := cli(cmd, "-c", f.env.ConnString(), "--timeout", "100ms", "SELECT id FROM messages")
		// No rows; explain lists the request the statement made before it failed.
		wantOut := map[string]string{"query": "", "explain": "\nscan 1: messages  rows=0 pages=0 requests=1\n"}[cmd]
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasPrefix(out, wantOut) || (cmd == "query") != (out == "") {
			t.Errorf("%s --timeout 100ms: %v; want %q\n%s", cmd, err, want, out)
		}
	}
	var out, errb strings.Builder
	err := run(t.Context(), []string{"shell", "-c", f.env.ConnString(), "--timeout", "100ms", "-f", "csv"},
		strings.NewReader("SELECT id FROM messages;\nSELECT 7 AS seven;\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 statements and commands failed") {
		t.Errorf("shell: %v", err)
	}
	if !strings.Contains(errb.String(), "error near line 1: "+want) || out.String() != "seven\n7\n" {
		t.Errorf("shell: stdout %q, stderr %q; want the timeout, then SELECT 7", out.String(), errb.String())
	}
}
