package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMain runs the command itself when OUTLOOKSQL_TEST_MAIN is set (the
// pseudo-terminal test starts this binary as "outlooksql"), and otherwise
// keeps the tests away from the real home: profiles, history and
// $OUTLOOKSQL_CONNECTION.
func TestMain(m *testing.M) {
	if os.Getenv("OUTLOOKSQL_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	home, err := os.MkdirTemp("", "outlooksql-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for k, v := range map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_STATE_HOME":  filepath.Join(home, "state"),
		"PAGER":           "cat", // no pager on the tests' terminals (pager tests set their own)
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("OUTLOOKSQL_CONNECTION")
	os.Unsetenv("OUTLOOKSQL_CONFIG")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  string
		stmts []string
		rest  string
	}{
		{"one", "SELECT 1;", []string{"SELECT 1"}, ""},
		{"none yet", "SELECT 1", nil, "SELECT 1"},
		{"two and a rest", "SELECT 1; SELECT 2;\nSELECT", []string{"SELECT 1", "SELECT 2"}, "\nSELECT"},
		{"over lines", "SELECT a\n  FROM t\n WHERE x = 1;", []string{"SELECT a\n  FROM t\n WHERE x = 1"}, ""},
		{"; in a string", "SELECT 'a;b';", []string{"SELECT 'a;b'"}, ""},
		{"open string", "SELECT 'a;", nil, "SELECT 'a;"},
		{"doubled quote", "SELECT 'it''s;';", []string{"SELECT 'it''s;'"}, ""},
		{"; in identifiers", "SELECT \"a;\", `b;`, [c;] FROM t;", []string{"SELECT \"a;\", `b;`, [c;] FROM t"}, ""},
		{"; in a line comment", "SELECT 1 -- not; the end\n;", []string{"SELECT 1 -- not; the end"}, ""},
		{"open line comment", "SELECT 1 -- x;", nil, "SELECT 1 -- x;"},
		{"; in a block comment", "SELECT /* ; */ 1;", []string{"SELECT /* ; */ 1"}, ""},
		{"open block comment", "SELECT /* ;", nil, "SELECT /* ;"},
		{"empty statements dropped", ";; -- c\n; /* c */ ;", nil, ""},
		{"minus is not a comment", "SELECT 3-1;", []string{"SELECT 3-1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, rest := splitStatements(tc.text)
			if fmt.Sprintf("%q", stmts) != fmt.Sprintf("%q", tc.stmts) || rest != tc.rest {
				t.Errorf("splitStatements(%q) = %q, %q; want %q, %q", tc.text, stmts, rest, tc.stmts, tc.rest)
			}
		})
	}
}

func TestHistoryEntries(t *testing.T) {
	for _, tc := range []struct {
		lines, want []string
	}{
		{[]string{"SELECT a", "  FROM t", "", " LIMIT 2;"}, []string{"SELECT a FROM t LIMIT 2;"}},
		{[]string{"SELECT a -- the a", "FROM t;"}, []string{"SELECT a -- the a", "FROM t;"}},
	} {
		if got := historyEntries(tc.lines); !slices.Equal(got, tc.want) {
			t.Errorf("historyEntries(%q) = %q, want %q", tc.lines, got, tc.want)
		}
	}
}

// shellRun runs "outlooksql shell" with script on stdin (no terminal).
func shellRun(t *testing.T, script string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"shell"}, args...), strings.NewReader(script), &out, &errb)
	return out.String(), errb.String(), err
}

// plainOutput formats the plain SQLite copy's answer to query.
func (f *tenantFixture) plainOutput(t *testing.T, format, query string, opts formatOptions) string {
	t.Helper()
	rows, err := f.plain.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b bytes.Buffer
	n, err := writeRows(&b, format, rows, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 && !strings.Contains(query, "count(") {
		t.Fatalf("the plain copy has no rows for %s: the test would prove nothing", query)
	}
	return b.String()
}

// TestShellScript runs scripts through the shell without a terminal, as
// "sqlite3 < script" does, and compares the whole output with the same
// queries over a plain SQLite copy of the tenant.
func TestShellScript(t *testing.T) {
	f := newTenantFixture(t)
	cs := f.env.ConnString()
	var tablesOut, schemaOut bytes.Buffer
	runTables(&tablesOut)
	runSchema([]string{"users"}, &schemaOut)
	oneTable := func() string {
		var b bytes.Buffer
		writeResult(&b, "table", &result{Columns: []string{"one"}, Rows: [][]any{{int64(1)}}}, formatOptions{})
		return b.String()
	}
	const users = `SELECT display_name, mail FROM users ORDER BY display_name`
	const inbox = `SELECT subject, received_date_time FROM messages WHERE folder_id = 'inbox' ORDER BY received_date_time DESC, id LIMIT 4`
	const inboxPlain = `SELECT subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id = 'inbox' ORDER BY received_date_time DESC, id LIMIT 4`
	for _, tc := range []struct {
		name, script string
		want         func() string
		stderr       string
		err          string
	}{
		{"multi-line statement", "SELECT display_name, mail\n  FROM users\n ORDER BY display_name\n;\n",
			func() string { return f.plainOutput(t, "table", users, formatOptions{}) }, "", ""},
		{"two statements on a line, a ; in a string",
			".mode csv\n" + inbox + "; SELECT 'a;b' AS s, 2 AS n;\n",
			func() string {
				return f.plainOutput(t, "csv", inboxPlain, formatOptions{}) + "s,n\na;b,2\n"
			}, "", ""},
		{"the last statement needs no ;", "-- users\n" + users,
			func() string { return f.plainOutput(t, "table", users, formatOptions{}) }, "", ""},
		{".tables and .schema", ".tables\n.schema users\n",
			func() string { return tablesOut.String() + schemaOut.String() }, "", ""},
		{".mode json, markdown and back", ".mode json\n" + users + ";\n.mode markdown\n" + users + ";\n.mode\n",
			func() string {
				return f.plainOutput(t, "json", users, formatOptions{}) + f.plainOutput(t, "markdown", users, formatOptions{}) +
					"current output format: markdown\n"
			}, "", ""},
		{"errors go on", "SELEC 1;\n.mode xml\n.frob\n.timer maybe\nSELECT 1 AS one;\n",
			oneTable, "error near line 1: near \"SELEC\": syntax error\n" +
				"error: unknown output format \"xml\": use one of table, csv, json, jsonl, markdown, list, line, column, box, insert\n" +
				"error: unknown command .frob: .help lists the commands\n" +
				"error: write .timer on or .timer off\n", "4 of 5 statements and commands failed"},
		{"the last statement ends in a comment", users + " -- no ;",
			func() string { return f.plainOutput(t, "table", users, formatOptions{}) }, "", ""},
		{"an open quote at the end", "SELECT 1 AS one;\nSELECT 'oops",
			oneTable, "error near line 2: incomplete statement at the end of the input (missing ';', an open quote or comment, or a trigger without END;)\n", "1 of 2 statements and commands failed"},
		{".quit stops reading", "SELECT 1 AS one;\n.quit\nSELECT 2;\n",
			oneTable, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := shellRun(t, tc.script, "-c", cs)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Fatalf("error %v, want %q\nstderr: %s", err, tc.err, stderr)
			}
			if want := tc.want(); out != want {
				t.Errorf("stdout\n%s\nwant\n%s", out, want)
			}
			if stderr != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr, tc.stderr)
			}
		})
	}
}

// TestShellExplainAndTimer checks that .explain on prints what the explain
// command prints, and .timer on a time line.
func TestShellExplainAndTimer(t *testing.T) {
	f := newTenantFixture(t)
	cs := f.env.ConnString()
	const q = "SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 3"
	explained, _, err := cli("explain", "-c", cs, q)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := shellRun(t, ".explain on\n"+q+";\n.explain off\n.timer on\n"+q+";\n.timer off\n"+q+";\n", "-c", cs)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	durations := regexp.MustCompile(`, [0-9.]+(µs|ms|s)\n`)
	plain := f.plainOutput(t, "table", "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY received_date_time DESC LIMIT 3", formatOptions{})
	timer := regexp.MustCompile(`^Run Time: [0-9]+\.[0-9]{3} s, 1 Graph request\n`)
	rest, ok := strings.CutPrefix(durations.ReplaceAllString(out, ", D\n"), durations.ReplaceAllString(explained, ", D\n"))
	if !ok || !strings.Contains(explained, "graph requests: 1\n") {
		t.Fatalf("the shell's explain output differs from the explain command's:\n%s\nwant it to start with\n%s", out, explained)
	}
	rest, ok = strings.CutPrefix(rest, plain)
	if !ok || !timer.MatchString(rest) {
		t.Fatalf("after the explained query, want the rows and a Run Time line:\n%s", rest)
	}
	if rest = timer.ReplaceAllString(rest, ""); rest != plain {
		t.Errorf("after .timer off, want only the rows:\n%s", rest)
	}
}

func TestShellFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "ClientId=x", "SELECT 1"}, `shell takes a database file, not SQL (got "SELECT 1")`},
		{[]string{"-f", "xml", "--demo"}, `unknown output format "xml"`},
		{nil, "no connection: give -c"},
		{[]string{"-p", "work"}, `no profile "work": there is no profiles file `},
	} {
		_, _, err := shellRun(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("shell %q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
