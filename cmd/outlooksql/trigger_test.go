package main

import (
	"reflect"
	"strings"
	"testing"
)

// TestShellTrigger: a CREATE TRIGGER typed over several lines, whose body
// holds statements that end with ";", runs as one statement (SQLite's
// sqlite3_complete decides where a statement ends), and the trigger works.
func TestShellTrigger(t *testing.T) {
	script := `CREATE TEMP TABLE t(x);
CREATE TEMP TABLE log(y);
CREATE TEMP TRIGGER tr AFTER INSERT ON t
BEGIN
  INSERT INTO log VALUES (new.x * 2);
  INSERT INTO log VALUES (new.x * 3); -- a comment; with a ";"
END;
INSERT INTO t VALUES (5); SELECT y FROM log ORDER BY y;
`
	var out, errb strings.Builder
	err := run(t.Context(), []string{"shell", "--demo", "-f", "csv"}, strings.NewReader(script), &out, &errb)
	if err != nil || errb.String() != "" || out.String() != "y\n10\n15\n" {
		t.Fatalf("shell: %v\nstdout %q\nstderr %q\nwant y 10 15 and no error", err, out.String(), errb.String())
	}
}

// TestSplitStatementsTrigger: the ";" inside a trigger's BEGIN … END does
// not end the statement; an unfinished trigger is the rest.
func TestSplitStatementsTrigger(t *testing.T) {
	trigger := "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (1);\n  DELETE FROM log WHERE y = ';';\nEND"
	for _, tc := range []struct {
		text  string
		stmts []string
		rest  string
	}{
		{trigger + ";SELECT 1;", []string{trigger, "SELECT 1"}, ""},
		{"SELECT 1; CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 2;", []string{"SELECT 1"}, " CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 2;"},
		{"SELECT 'a;b'; SELECT 2", []string{"SELECT 'a;b'"}, " SELECT 2"},
	} {
		stmts, rest := splitStatements(tc.text)
		if !reflect.DeepEqual(stmts, tc.stmts) || rest != tc.rest {
			t.Errorf("splitStatements(%q) = %q, %q; want %q, %q", tc.text, stmts, rest, tc.stmts, tc.rest)
		}
	}
}

// TestQueryTrigger: query counts a trigger as one statement.
func TestQueryTrigger(t *testing.T) {
	_, _, err := cli("query", "--demo", "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;")
	if err == nil || strings.Contains(err.Error(), "runs one statement") || !strings.Contains(err.Error(), "no such table: t") {
		t.Errorf("error %v, want SQLite's own about the missing table", err)
	}
}
