package main

import (
	"testing"
)

// TestShellScriptErrorLines: errors of a script read from stdin name the
// line where the failing statement starts (its first line that is not
// blank or a comment), as sqlite3's "Parse error near line N" does.
func TestShellScriptErrorLines(t *testing.T) {
	for _, tc := range []struct {
		name, script, out, stderr, err string
	}{
		{"statements over lines and on one line",
			"SELECT 1 AS a;\n-- a comment\nSELEC 2;\n\n  SELECT abs(1, 2);\nSELECT 3 AS b; SELECT nofunc(1);\n/* a\n b */ SELECT\n nofunc(2);\nSELECT 4 AS c; SELECT\n nofunc(3)\n;\n",
			"a\n1\nb\n3\nc\n4\n",
			"error near line 3: near \"SELEC\": syntax error\n" +
				"error near line 5: wrong number of arguments to function abs()\n" +
				"error near line 6: no such function: nofunc\n" +
				"error near line 8: no such function: nofunc\n" +
				"error near line 10: no such function: nofunc\n",
			"5 of 8 statements and commands failed"},
		{"the last statement without ;", "SELECT 1 AS a;\n\nSELECT\n nofunc(1)",
			"a\n1\n", "error near line 3: no such function: nofunc\n", "1 of 2 statements and commands failed"},
		{"a dot-command does not count lines away", ".mode csv\nSELECT 1 AS a;\nSELEC;\n",
			"a\n1\n", "error near line 3: near \"SELEC\": syntax error\n", "1 of 3 statements and commands failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := shellRun(t, tc.script, "--demo", "-f", "csv")
			if err == nil || err.Error() != tc.err || out != tc.out || stderr != tc.stderr {
				t.Errorf("got %v\nstdout %q\nstderr %q\nwant %v\nstdout %q\nstderr %q", err, out, stderr, tc.err, tc.out, tc.stderr)
			}
		})
	}
}

// TestShellScriptIncomplete: input that ends inside a statement (an open
// trigger body, quote or comment) is an error on its own line that names
// the likely causes and the statement's line, and fails the script.
func TestShellScriptIncomplete(t *testing.T) {
	const msg = "incomplete statement at the end of the input (missing ';', an open quote or comment, or a trigger without END;)\n"
	for _, tc := range []struct {
		name, script, stderr string
	}{
		{"a trigger without END", "CREATE TEMP TABLE t(x);\nCREATE TEMP TRIGGER tr AFTER INSERT ON t\nBEGIN\n  SELECT 1;\n", "error near line 2: " + msg},
		{"an open quote", "SELECT 1;\n\nSELECT 'oops\n", "error near line 3: " + msg},
		{"an open comment", "SELECT 1; /* and\nmore\n", "error near line 1: " + msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := shellRun(t, tc.script, "--demo", "-f", "csv")
			if err == nil || err.Error() != "1 of 2 statements and commands failed" || stderr != tc.stderr {
				t.Errorf("error %v, stderr %q; want %q", err, stderr, tc.stderr)
			}
		})
	}
}
