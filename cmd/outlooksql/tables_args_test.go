package main

import "testing"

// TestTablesRejectsArguments: "outlooksql tables extra" is an error, as
// the other commands' stray arguments are, and prints nothing.
func TestTablesRejectsArguments(t *testing.T) {
	out, _, err := cli("tables", "messages")
	const want = `tables takes no arguments (got "messages"; for a table's columns: outlooksql schema messages): see 'outlooksql help'`
	if err == nil || err.Error() != want || out != "" {
		t.Errorf("tables messages: %q, %v; want error %q", out, err, want)
	}
}
