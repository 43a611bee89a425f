package main

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestEveryCommandHelp: "outlooksql COMMAND --help" (and -h) prints the
// usage on stdout, nothing on stderr, and exits 0, for every command the
// usage lists, through the real binary.
func TestEveryCommandHelp(t *testing.T) {
	commands := []string{"demo", "query", "explain", "shell", "login", "whoami", "logout", "sync", "tables", "schema", "profiles", "version", "help", "attachments"}
	// Every command of the usage is in the table, so a new one is tested too.
	listed := regexp.MustCompile(`(?m)^  outlooksql (\w+)`).FindAllStringSubmatch(usage, -1)
	for _, m := range listed {
		found := false
		for _, c := range commands {
			found = found || c == m[1]
		}
		if !found {
			t.Errorf("the usage lists %q, which this test does not run with --help", m[1])
		}
	}
	dir := t.TempDir()
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			out, stderr, code := binRun(t, dir, "", c, h)
			// The command's own usage: its lines of the general usage and
			// its flags (login, whoami and logout have their own text);
			// help prints the general usage.
			own := strings.HasPrefix(out, "Usage:\n  outlooksql "+c+" ") || strings.HasPrefix(out, "Usage: outlooksql "+c+" ") && strings.Contains(out, "\nFlags:\n")
			if c == "help" {
				own = out == usage
			}
			if flags, ok := commandFlags[c]; ok && !strings.Contains(out, flags) {
				own = false
			}
			if code != 0 || stderr != "" || !own {
				t.Errorf("outlooksql %s %s: exit %d, stderr %q, stdout %q; want exit 0, the usage on stdout and nothing on stderr",
					c, h, code, stderr, out)
			}
		}
	}
}

// commandFlags is a flag each command's --help must show.
var commandFlags = map[string]string{
	"query": "--no-header", "explain": "--file FILE", "shell": "-bail", "sync": "--every DURATION",
	"login": "--device-code", "whoami": "--demo", "logout": "--profile", "demo": "--serve", "attachments": "--dir DIR",
}

// TestVersion: "outlooksql --version" and "outlooksql version" print one
// line with the module version, the Go version and SQLite's.
func TestVersion(t *testing.T) {
	dir := t.TempDir()
	want := regexp.MustCompile(`^outlooksql \S+( \(revision [0-9a-f]{1,12}(, modified)?(, \S+)?\))? ` + regexp.QuoteMeta(runtime.Version()) + ` sqlite 3\.\d+\.\d+\n$`)
	var first string
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, stderr, code := binRun(t, dir, "", args...)
		if code != 0 || stderr != "" || !want.MatchString(out) {
			t.Errorf("outlooksql %s: exit %d, stderr %q, stdout %q; want a line matching %s", args[0], code, stderr, out, want)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("version says %q, --version %q", out, first)
		}
	}
	out, stderr, code := binRun(t, dir, "", "version", "extra")
	if code != 1 || out != "" || !strings.Contains(stderr, `version takes no arguments (got "extra")`) {
		t.Errorf("version extra: exit %d, %q, %q", code, out, stderr)
	}
}

// TestVersionLine: the revision, its time and a modified tree are shown
// when the build recorded them.
func TestVersionLine(t *testing.T) {
	lib := regexp.MustCompile(` sqlite 3\.\d+\.\d+$`)
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "outlooksql (devel) " + runtime.Version()},
		{"module version only", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "outlooksql v1.2.3 " + runtime.Version()},
		{"vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-05T04:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"outlooksql (devel) (revision 0123456789ab, modified, 2026-12-05T04:00:00Z) " + runtime.Version()},
		{"clean tree", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			"outlooksql v0.9.0 (revision abc) " + runtime.Version()},
	} {
		got := versionLine(tc.info)
		if !strings.HasPrefix(got, tc.want+" sqlite ") || !lib.MatchString(got) {
			t.Errorf("%s: %q, want %q followed by the SQLite version", tc.name, got, tc.want)
		}
	}
}

// TestFlagSpellings: each flag of query answers to its short, long and
// Go-style one-dash spellings, with the value apart or after "=".
func TestFlagSpellings(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-c", "x", "--demo"}, // a later check refuses both: proves -c is --connection
		{"--connection", "x", "--demo"},
		{"--connection=x", "-demo"},
	} {
		_, stderr, code := binRun(t, dir, "", append(append([]string{"query"}, args...), "SELECT 1")...)
		if code != 1 || !strings.Contains(stderr, "--demo and -c/--connection both name a connection") {
			t.Errorf("query %q: exit %d, %q", args, code, stderr)
		}
	}
	for _, args := range [][]string{
		{"--demo", "-f", "csv", "--no-pager", "--no-header"},
		{"-demo", "-format", "csv", "-no-pager", "-no-header"},
		{"--demo", "-fcsv", "--no-header"},
		{"--demo", "--format=csv", "-no-header"},
	} {
		out, stderr, code := binRun(t, dir, "", append(append([]string{"query"}, args...), "SELECT 42 AS x")...)
		if code != 0 || out != "42\n" || stderr != "" {
			t.Errorf("query %q: exit %d, stdout %q, stderr %q; want 42 alone", args, code, out, stderr)
		}
	}
}
