package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestShellDotCommands runs scripts of dot-commands through the binary and
// checks stdout, stderr, the exit code and the files written.
func TestShellDotCommands(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "people.csv"), "name,age\nAda,36\n\"Lovelace, A\",\"7\"\nBob\n")
	writeFile(t, filepath.Join(dir, "more.csv"), "Cy,5\n")
	writeFile(t, filepath.Join(dir, "sub.sql"), "SELECT 'from sub' AS s;\n\nSELEC 1;\n.mode list\nSELECT 2 AS two;\n")
	for _, tc := range []struct {
		name, script, out, stderr string
		code                      int
		files                     map[string]string
	}{
		{"headers and nullvalue", ".mode csv\n.headers off\nSELECT 1 AS a, NULL AS b;\n.headers on\n.nullvalue NULL\nSELECT 1 AS a, NULL AS b;\n.mode line\nSELECT 1 AS a, NULL AS b;\n",
			"1,\na,b\n1,NULL\n    a = 1\n    b = NULL\n", "", 0, nil},
		{"once and output", ".mode csv\n.once one.csv\nSELECT 1 AS a;\nSELECT 2 AS b;\n.output all.csv\nSELECT 3 AS c;\nSELECT 4 AS d;\n.output\nSELECT 5 AS e;\n",
			"b\n2\ne\n5\n", "", 0, map[string]string{"one.csv": "a\n1\n", "all.csv": "c\n3\nd\n4\n"}},
		{"once takes a dot-command's output too", ".once dump.sql\n.dump\n.databases\n", "main: " + filepath.Join(abs, "d.db") + " r/w\nlive: \"\" r/w\n", "", 0,
			map[string]string{"dump.sql": "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n"}},
		{"read names the line in the file", ".mode csv\n.read sub.sql\nSELECT 3 AS three;\n",
			"s\nfrom sub\ntwo\n2\nthree\n3\n",
			"error near line 3: near \"SELEC\": syntax error\nerror: .read sub.sql: 1 of 4 statements and commands failed\n" +
				"outlooksql: 1 of 3 statements and commands failed\n", 1, nil},
		{"import csv into a new and an existing table", ".import --csv people.csv people\n.import --csv more.csv people\n.mode list\nSELECT name, age, typeof(age) FROM people;\n.schema people\n",
			"name|age|typeof(age)\nAda|36|text\nLovelace, A|7|text\nBob||null\nCy|5|text\nCREATE TABLE IF NOT EXISTS \"people\"(\n\"name\" TEXT, \"age\" TEXT);\n",
			"people.csv:4: expected 2 columns but found 1 - filling the rest with NULL\n", 0, nil},
		{"import --skip", ".import --csv --skip 1 people.csv p2\n.mode list\n.headers off\nSELECT * FROM p2;\n",
			"Lovelace, A|7\nBob|\n", "people.csv:4: expected 2 columns but found 1 - filling the rest with NULL\n", 0, nil},
		{"import needs csv", ".import people.csv x\n", "",
			"error: write .import --csv FILE TABLE (or .mode csv, then .import FILE TABLE); --skip N skips N lines first\noutlooksql: 1 of 1 statements and commands failed\n", 1, nil},
		{"bail stops at the first error", ".mode csv\nSELECT 1 AS a;\n.bail on\nSELEC 2;\nSELECT 3 AS c;\n",
			"a\n1\n", "error near line 4: near \"SELEC\": syntax error\noutlooksql: stopped at the first error (-bail or .bail on)\n", 1, nil},
		{"databases", ".databases\n", "main: " + filepath.Join(abs, "d.db") + " r/w\nlive: \"\" r/w\n", "", 0, nil},
		{"mode insert with a table", ".mode insert notes\n.headers off\nSELECT 1 AS a, 'it''s' AS b, x'00ff' AS c, NULL AS d;\n",
			"INSERT INTO notes VALUES(1,'it''s',X'00FF',NULL);\n", "", 0, nil},
		{"unknown mode", ".mode xml\n", "",
			"error: unknown output format \"xml\": use one of table, csv, json, jsonl, markdown, list, line, column, box, insert\noutlooksql: 1 of 1 statements and commands failed\n", 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := binRun(t, dir, tc.script, "shell", "--demo", "d.db")
			if out != tc.out || stderr != tc.stderr || code != tc.code {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit %d\nstdout %q\nstderr %q", code, out, stderr, tc.code, tc.out, tc.stderr)
			}
			for name, want := range tc.files {
				if got := readFile(t, filepath.Join(dir, name)); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestShellBailFlag: -bail stops a piped script at its first error, as
// sqlite3 -bail does; without it the script goes on.
func TestShellBailFlag(t *testing.T) {
	const script = "SELECT 1 AS a;\nSELECT 2 AS b;\nSELEC 3;\nSELECT 4 AS d;\n"
	out, stderr, code := binRun(t, t.TempDir(), script, "shell", "-bail", "--demo", "-f", "csv")
	if out != "a\n1\nb\n2\n" || stderr != "error near line 3: near \"SELEC\": syntax error\noutlooksql: stopped at the first error (-bail or .bail on)\n" || code != 1 {
		t.Errorf("-bail: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = binRun(t, t.TempDir(), script, "shell", "--demo", "-f", "csv")
	if out != "a\n1\nb\n2\nd\n4\n" || code != 1 {
		t.Errorf("without -bail: exit %d, stdout %q", code, out)
	}
}

// TestQueryFile: query --file runs a multi-statement script, stops at the
// first error and names its line; -o writes the rows to a file;
// --no-header leaves out the column names.
func TestQueryFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.sql"), "-- two statements\nSELECT 1 AS a;\nSELECT display_name FROM users\n WHERE display_name LIKE 'A%' ORDER BY 1 LIMIT 1;\n")
	writeFile(t, filepath.Join(dir, "bad.sql"), "SELECT 1 AS a;\n\nSELEC 2;\nSELECT 3 AS c;\n")
	first, _, code := binRun(t, dir, "", "query", "--demo", "-f", "csv", "--no-header", "SELECT display_name FROM users WHERE display_name LIKE 'A%' ORDER BY 1 LIMIT 1")
	if code != 0 || first == "" || strings.Count(first, "\n") != 1 {
		t.Fatalf("query --no-header: exit %d, %q", code, first)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		out    string
		stderr string
		code   int
		file   string // contents of out.csv
	}{
		{"a script", []string{"--file", "ok.sql", "-f", "csv"}, "a\n1\ndisplay_name\n" + first, "", 0, ""},
		{"no header", []string{"--file", "ok.sql", "-f", "csv", "--no-header"}, "1\n" + first, "", 0, ""},
		{"an error names its line and stops", []string{"--file", "bad.sql", "-f", "csv"}, "a\n1\n",
			"error near line 3: near \"SELEC\": syntax error\noutlooksql: stopped at the first error (query --file always does)\n", 1, ""},
		{"-o", []string{"-o", "out.csv", "-f", "csv", "SELECT 1 AS a"}, "", "", 0, "a\n1\n"},
		{"-o with a script", []string{"--file", "ok.sql", "-o", "out.csv", "-f", "list", "--no-header"}, "", "", 0, "1\n" + first},
		{"a missing script", []string{"--file", "nope.sql"}, "", "outlooksql: --file: open nope.sql: no such file or directory\n", 1, ""},
		{"file and SQL", []string{"--file", "ok.sql", "SELECT 1"}, "", "outlooksql: --file and SQL arguments both give SQL: give one of them: see 'outlooksql help'\n", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "out.csv"))
			out, stderr, code := binRun(t, dir, "", append([]string{"query", "--demo"}, tc.args...)...)
			if out != tc.out || stderr != tc.stderr || code != tc.code {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit %d\nstdout %q\nstderr %q", code, out, stderr, tc.code, tc.out, tc.stderr)
			}
			if tc.file != "" {
				if got := readFile(t, filepath.Join(dir, "out.csv")); got != tc.file {
					t.Errorf("out.csv: %q, want %q", got, tc.file)
				}
			}
		})
	}
}

// TestShellHelpListsDotCommands: .help names every dot-command that Tab
// completes, and each is known to the shell (none is "unknown command").
func TestShellHelpListsDotCommands(t *testing.T) {
	out, _, err := shellRun(t, ".help\n", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range dotCommands {
		if !strings.Contains(out, "  "+cmd+" ") && !strings.Contains(out, "  "+cmd+",") && !strings.Contains(out, ", "+cmd) {
			t.Errorf(".help does not list %s:\n%s", cmd, out)
		}
		_, stderr, _ := shellRun(t, cmd+"\n", "--demo")
		if strings.Contains(stderr, "unknown command") {
			t.Errorf("%s: %s", cmd, stderr)
		}
	}
}
