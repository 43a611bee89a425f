package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// runShell configures the extension with conn in Debian's sqlite3 and runs
// the statements, one per line, with .bail off: it returns stdout and
// stderr.
func runConfigured(t *testing.T, conn string, stmts ...string) (string, string) {
	t.Helper()
	shell, so := extension(t)
	script := ".load " + so + "\n.mode list\n" +
		"SELECT outlooksql_configure('" + strings.ReplaceAll(conn, "'", "''") + "') > 0;\n" +
		strings.Join(stmts, "\n") + "\n"
	cmd := exec.Command(shell, ":memory:")
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("sqlite3 still running after 60s\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestExtensionStatements: in a host without a driver, a statement is the
// span while at least one of the extension's cursors is open. Each has its
// own request budget (MaxRequests) and cache: a nested loop reads a
// repeated multi-page inner scan from Graph at most twice, and the same
// query in the next statement is sent again.
func TestExtensionStatements(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	// A cross join whose inner scan has nine pages (the fake serves pages
	// of 100).
	cross := "SELECT count(a.body), count(b.body) FROM messages a CROSS JOIN messages b;"
	env.Server.SetPageCap(100)
	out, errOut := runConfigured(t, env.ConnString("ParallelScans=1"), cross)
	env.Server.SetPageCap(0)
	if errOut != "" || out != "1\n810000|810000\n" {
		t.Fatalf("stdout %q, stderr %q", out, errOut)
	}
	// The outer scan's page 1; the inner's first pass fetches pages 1-9
	// (1 and 9 are kept: 1 is asked for the second time, 9 is a last page);
	// its second pass fetches pages 2-8 again and keeps them. Everything
	// else is a cache hit. Without a statement there was no cache: 9 + 900
	// × 9 requests.
	if n := len(env.Server.Requests()); n != 17 {
		t.Errorf("cross join: %d requests, want 17", n)
	}

	// Statements in turn: each within its own budget of 2 requests (one
	// listing of ids, one of read flags), each sending its requests again
	// (no cache outlives its statement); a third that needs more fails
	// with an error naming the key, and the shell goes on.
	env.Server.ResetRequests()
	two := "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM messages WHERE is_read = 0);"
	out, errOut = runConfigured(t, env.ConnString("MaxRequests=2"), two, two, two,
		"SELECT count(*) FROM messages a JOIN messages b ON b.id = a.id;", two)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || lines[0] != "1" || lines[1] != lines[2] || lines[2] != lines[3] || lines[4] != lines[1] || !strings.HasPrefix(lines[1], "900|") {
		t.Errorf("stdout %q", out)
	}
	want := "the statement reached its limit of 2 requests to Graph (connection key MaxRequests): raise MaxRequests"
	if strings.Count(errOut, want) != 1 {
		t.Errorf("stderr %q\nwant one %q", errOut, want)
	}
	// 3 × 2, then the join's 2, then 2.
	if n := len(env.Server.Requests()); n != 10 {
		t.Errorf("%d requests, want 10", n)
	}
}

// TestExtensionTimeout: the connection key Timeout ends a statement in the
// extension too, with an error that says so; the shell goes on to the next.
func TestExtensionTimeout(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo(), fakegraph.WithLatency(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	start := time.Now()
	out, errOut := runConfigured(t, env.ConnString("Timeout=0.2"), "SELECT count(*) FROM messages;", "SELECT 'next';")
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v", el)
	}
	if out != "1\nnext\n" {
		t.Errorf("stdout %q", out)
	}
	want := "messages: statement timed out after 200ms (connection key Timeout)"
	if !strings.Contains(errOut, want) || strings.Contains(errOut, "deadline exceeded") {
		t.Errorf("stderr %q\nwant %q", errOut, want)
	}
}
