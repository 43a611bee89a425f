package main

import "testing"

// TestBlank pins the one scanner of white space and comments that both the
// shell (is the input only comments?) and query (is there a statement after
// the last ";"?) use. They differ only on an open /* comment: the shell waits
// for its end, query ignores it as SQLite does.
func TestBlank(t *testing.T) {
	for _, tc := range []struct {
		text  string
		blank bool   // the shell's answer
		rest  string // what query sees after white space and comments
	}{
		{"", true, ""},
		{" \t\r\n\v\f", true, ""},
		{"-- note", true, ""},
		{"-- note\n  /* c */ \n", true, ""},
		{"/* open", false, ""},
		{" /* a */ SELECT 1", false, "SELECT 1"},
		{"-- x\nSELECT 2 -- y", false, "SELECT 2 -- y"},
		{"\u00a0", false, "\u00a0"}, // not white space to SQLite
		{"- 1", false, "- 1"},
		{"/ 2", false, "/ 2"},
	} {
		if got := blank(tc.text); got != tc.blank {
			t.Errorf("blank(%q) = %v, want %v", tc.text, got, tc.blank)
		}
		if rest, _ := skipBlank(tc.text); rest != tc.rest {
			t.Errorf("skipBlank(%q) = %q, want %q", tc.text, rest, tc.rest)
		}
	}
}

// TestQueryTrailingOpenComment: a trailing open comment after the statement
// is not a second statement, as in sqlite3 ":memory:" "SELECT 1; /* x".
func TestQueryTrailingOpenComment(t *testing.T) {
	for _, sql := range []string{"SELECT 1 AS x; /* x", "SELECT 1 AS x; \f-- y", "SELECT 1 AS x"} {
		out, _, err := cli("query", "--demo", "-f", "csv", sql)
		if err != nil || out != "x\n1\n" {
			t.Errorf("%q: %q, %v; want %q", sql, out, err, "x\n1\n")
		}
	}
}
