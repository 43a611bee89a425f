package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestAttachmentsSave runs "outlooksql attachments save" (the real binary)
// on a message whose attachments have hostile and clashing names: every
// file lands in --dir under a plain name with the exact bytes, a file
// already there is never replaced (numbered names instead), a reference
// attachment is skipped, and stdout reports each.
func TestAttachmentsSave(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 41, Users: 1, MessagesPerUser: 3})
	m := tenant.Users[0].Messages[0]
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	file := func(id, name, content string) *fakegraph.Attachment {
		return &fakegraph.Attachment{Kind: "file", ID: id, Name: name, ContentType: "application/octet-stream",
			Size: len(content), LastModified: mod, Content: []byte(content)}
	}
	m.Attachments = []*fakegraph.Attachment{
		file("a1", "../../evil.sh", "#!/bin/sh\necho pwned\n"),
		file("a2", "report.pdf", "%PDF-second"),
		file("a3", `sub\dir/report.pdf`, "%PDF-third"),
		file("a4", "..", "dots"),
		{Kind: "reference", ID: "a5", Name: "link.url", Size: 10, LastModified: mod},
		file("a6", "a:b?.txt", "colon"),
		file("a7", "bin\x00ary.bin", "\x00\x01\xff"),
		file("a8", strings.Repeat("é", 150)+".txt", "long"),
	}
	for _, other := range tenant.Users[0].Messages[1:] {
		other.Attachments = nil
	}
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.pdf"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "attachments", "save", "--dir", dir, "-c", env.ConnString(), "WHERE message_id = '"+m.ID+"' ORDER BY id")
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	want := "saved " + filepath.Join(dir, "evil.sh") + ` (21 bytes; named "../../evil.sh" in the mail)` + "\n" +
		"saved " + filepath.Join(dir, "report (1).pdf") + ` (11 bytes; named "report.pdf" in the mail)` + "\n" +
		"saved " + filepath.Join(dir, "report (2).pdf") + ` (10 bytes; named "sub\\dir/report.pdf" in the mail)` + "\n" +
		"saved " + filepath.Join(dir, "attachment") + ` (4 bytes; named ".." in the mail)` + "\n" +
		`skipped "link.url" (attachment a5 of message ` + m.ID + "): a reference attachment (a link) has no bytes\n" +
		"saved " + filepath.Join(dir, "a_b_.txt") + ` (5 bytes; named "a:b?.txt" in the mail)` + "\n" +
		"saved " + filepath.Join(dir, "binary.bin") + ` (3 bytes; named "bin\x00ary.bin" in the mail)` + "\n" +
		"saved " + filepath.Join(dir, strings.Repeat("é", 98)+".txt") + ` (4 bytes; named "` + strings.Repeat("é", 150) + `.txt" in the mail)` + "\n" +
		"7 saved (58 bytes), 1 skipped\n"
	if stdout.String() != want || stderr.String() != "" {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr: %s", stdout.String(), want, stderr.String())
	}
	wantFiles := map[string]string{
		"evil.sh":                        "#!/bin/sh\necho pwned\n",
		"report.pdf":                     "mine",
		"report (1).pdf":                 "%PDF-second",
		"report (2).pdf":                 "%PDF-third",
		"attachment":                     "dots",
		"a_b_.txt":                       "colon",
		"binary.bin":                     "\x00\x01\xff",
		strings.Repeat("é", 98) + ".txt": "long",
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || string(b) != wantFiles[e.Name()] {
			t.Errorf("%s holds %q (%v), want %q", e.Name(), b, err, wantFiles[e.Name()])
		}
	}
	var wantNames []string
	for n := range wantFiles {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("files in --dir: %q, want %q", names, wantNames)
	}
	if up, _ := os.ReadDir(parent); len(up) != 1 {
		t.Errorf("%s holds %d entries, want only out/", parent, len(up))
	}
}

// TestAttachmentsSaveUsage checks the command line's errors and help.
func TestAttachmentsSaveUsage(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"attachments"}, `attachments needs a subcommand: outlooksql attachments save --dir DIR "WHERE …": see 'outlooksql help'`},
		{[]string{"attachments", "load"}, `unknown attachments subcommand "load" (there is: save): see 'outlooksql help'`},
		{[]string{"attachments", "save", "--demo", "WHERE 1"}, `attachments save needs --dir DIR, the folder to save the files in: see 'outlooksql help'`},
		{[]string{"attachments", "save", "--demo", "--dir", t.TempDir(), "WHERE"}, `attachments save needs a condition, e.g. "WHERE message_id = '<id>'" or "WHERE message_id IN (SELECT id FROM messages WHERE subject LIKE '%invoice%')": see 'outlooksql help'`},
		{[]string{"attachments", "save", "--demo", "-p", "x", "--dir", "d", "WHERE 1"}, `--demo and -c/-p both name a connection: give one of them: see 'outlooksql help'`},
	}
	for _, tt := range tests {
		_, _, err := cli(tt.args...)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%q: %v, want %s", tt.args, err, tt.err)
		}
	}
	out, _, err := cli("attachments", "save", "--help")
	if err != nil || !strings.HasPrefix(out, "Usage: outlooksql attachments save --dir DIR") {
		t.Errorf("--help: %v\n%s", err, out)
	}
}
