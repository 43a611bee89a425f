//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tallSQL has 80 rows: taller than the test terminal's 50 rows.
const tallSQL = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) SELECT i FROM n`

// markPager is a $PAGER that marks each line it shows, so that the test
// sees which output went through it.
const markPager = `sed 's/^/PAGED: /'`

// TestQueryPTYPager: on a terminal, a result taller than the terminal goes
// through $PAGER; a short one, --no-pager, a streaming format or a pipe
// does not.
func TestQueryPTYPager(t *testing.T) {
	const wait = 20 * time.Second
	for _, tc := range []struct {
		name  string
		args  []string
		paged bool
		last  string // the result's last line, as the terminal shows it
	}{
		{"tall table", []string{"query", "--demo", tallSQL}, true, "PAGED: | 80 |"},
		{"tall box", []string{"query", "--demo", "-f", "box", tallSQL}, true, "PAGED: │ 80 │"},
		{"tall explain", []string{"explain", "--demo", tallSQL}, true, "PAGED: total: 0 requests, 0 bytes"},
		{"short", []string{"query", "--demo", "SELECT 1 AS one"}, false, "|   1 |"},
		{"--no-pager", []string{"query", "--demo", "--no-pager", tallSQL}, false, "| 80 |"},
		{"csv streams", []string{"query", "--demo", "-f", "csv", tallSQL}, false, "\n80\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startPTY(t, []string{"PAGER=" + markPager}, tc.args...)
			p.expect(tc.last, wait)
			<-p.done
			p.cmd.Wait()
			all := p.out.String()
			if code := p.cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, all)
			}
			if got := strings.Contains(all, "PAGED: "); got != tc.paged {
				t.Errorf("paged: %v, want %v:\n%s", got, tc.paged, all)
			}
		})
	}
}

// TestQueryPTYPagerLess: without $PAGER the pager is less -FRX, when less
// is on the PATH (here a stand-in that records its arguments).
func TestQueryPTYPagerLess(t *testing.T) {
	dir := t.TempDir()
	less := "#!/bin/sh\necho \"less args: $* LESS=$LESS\"\nsed 's/^/LESS: /'\n"
	if err := os.WriteFile(filepath.Join(dir, "less"), []byte(less), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAGER", "")
	os.Unsetenv("PAGER") // t.Setenv restores it
	t.Setenv("LESS", "")
	os.Unsetenv("LESS")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	p := startPTY(t, nil, "query", "--demo", tallSQL)
	p.expect("less args: -FRX LESS=FRX\n", 20*time.Second)
	p.expect("LESS: | 80 |", 20*time.Second)
	<-p.done
	p.cmd.Wait()
}

// TestShellPTYPager: in the shell, .pager off and on switch the pager,
// which is on by default; --no-pager starts with it off.
func TestShellPTYPager(t *testing.T) {
	const wait = 20 * time.Second
	env := []string{"PAGER=" + markPager, "XDG_STATE_HOME=" + t.TempDir()}
	sh := startPTYShell(t, env, "--demo")
	sh.expect("outlooksql> ", wait)
	sh.send(tallSQL + ";\r")
	if out := sh.expect("outlooksql> ", wait); !strings.Contains(out, "PAGED: | 80 |") {
		t.Errorf("pager on by default: the terminal showed\n%s", out)
	}
	sh.send(".pager off\r")
	sh.expect("outlooksql> ", wait)
	sh.send(tallSQL + ";\r")
	if out := sh.expect("outlooksql> ", wait); strings.Contains(out, "PAGED: ") || !strings.Contains(out, "| 80 |") {
		t.Errorf(".pager off: the terminal showed\n%s", out)
	}
	sh.send(".pager on\r")
	sh.expect("outlooksql> ", wait)
	sh.send(tallSQL + ";\r")
	if out := sh.expect("outlooksql> ", wait); !strings.Contains(out, "PAGED: | 80 |") {
		t.Errorf(".pager on: the terminal showed\n%s", out)
	}
	sh.send(".pager maybe\r")
	if out := sh.expect("outlooksql> ", wait); !strings.Contains(out, "write .pager on or .pager off") {
		t.Errorf(".pager maybe: the terminal showed\n%s", out)
	}
	sh.send(".quit\r")
	<-sh.done

	sh = startPTYShell(t, env, "--demo", "--no-pager")
	sh.expect("outlooksql> ", wait)
	sh.send(tallSQL + ";\r")
	if out := sh.expect("outlooksql> ", wait); strings.Contains(out, "PAGED: ") || !strings.Contains(out, "| 80 |") {
		t.Errorf("--no-pager: the terminal showed\n%s", out)
	}
	sh.send(".quit\r")
	<-sh.done
}

// TestPagerNotATerminal: into a pipe, output never goes through the pager.
func TestPagerNotATerminal(t *testing.T) {
	t.Setenv("PAGER", markPager)
	out, stderr, code := binRun(t, t.TempDir(), "", "query", "--demo", tallSQL)
	if code != 0 || stderr != "" || strings.Contains(out, "PAGED") || strings.Count(out, "\n") < 80 {
		t.Errorf("exit %d, stderr %q, stdout %q", code, stderr, out)
	}
}

// TestQueryPTYRealLess: with the real less (when installed) the first
// screen shows, q leaves it, and query exits 0.
func TestQueryPTYRealLess(t *testing.T) {
	if _, err := exec.LookPath("less"); err != nil {
		t.Skip("less is not installed")
	}
	t.Setenv("PAGER", "")
	os.Unsetenv("PAGER")
	p := startPTY(t, nil, "query", "--demo", tallSQL)
	const wait = 20 * time.Second
	p.expect("|  1 |", wait)
	p.expect("| 40 |", wait) // the first screen, not yet the end
	p.send("q")
	select {
	case <-p.done:
	case <-time.After(wait):
		t.Fatalf("q did not leave less; the terminal showed:\n%s", p.screen())
	}
	p.cmd.Wait()
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after q", code)
	}
	if strings.Contains(p.out.String(), "| 80 |") {
		t.Errorf("less showed the last row before q: it did not page")
	}
}
