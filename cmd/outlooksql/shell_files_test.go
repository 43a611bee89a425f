package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShellFileFunctions runs the real binary: in the shell, writefile
// saves an attachment's exact bytes and readfile reads them back; query
// has neither function (they are the shell's only).
func TestShellFileFunctions(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "saved", "photo.png")
	script := "SELECT writefile('" + out + "', content) AS n FROM attachments WHERE name = 'image002.png' AND message_id IN (SELECT id FROM messages WHERE has_attachments) LIMIT 1;\n" +
		"SELECT hex(readfile('" + out + "')) = (SELECT hex(content) FROM attachments WHERE name = 'image002.png' AND message_id IN (SELECT id FROM messages WHERE has_attachments) LIMIT 1) AS same;\n"
	cmd := exec.Command(exe, "shell", "--demo", "-f", "csv")
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "n\n188\nsame\n1\n"; stdout.String() != want || len(b) != 188 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("stdout %q (want %q), file %d bytes starting %q; stderr: %s", stdout.String(), want, len(b), b[:min(len(b), 4)], stderr.String())
	}

	_, _, err = cli("query", "--demo", "SELECT writefile('"+filepath.Join(dir, "q")+"', 'x')")
	if err == nil || !strings.Contains(err.Error(), "no such function: writefile") {
		t.Errorf("query with writefile: %v, want no such function: writefile", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "q")); !os.IsNotExist(err) {
		t.Errorf("query wrote a file")
	}
}
