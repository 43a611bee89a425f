package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportSkipsBOM: .import skips a UTF-8 byte order mark, as sqlite3
// does, so the first column is named "a", not "\ufeffa".
func TestImportSkipsBOM(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bom.csv"), "\xef\xbb\xbfa,b\n1,2\n")
	out, stderr, code := binRun(t, dir, ".import --csv bom.csv t\n.headers on\n.mode list\nSELECT a, b FROM t;\n", "shell", "--demo")
	if code != 0 || out != "a|b\n1|2\n" || stderr != "" {
		t.Errorf("exit %d, stderr %q, out %q; want a|b 1|2", code, stderr, out)
	}
}

// TestImportRefusesMailTable: .import into a mail table's name (the live
// table itself, or a virtual table of the file) is refused: the rows would
// be mail items made in the mailbox; and messages still means the mail.
func TestImportRefusesMailTable(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in.csv"), "id,subject\n1,x\n")
	out, stderr, code := binRun(t, dir, ".import --csv in.csv messages\n.mode list\nSELECT count(*) FROM messages;\n", "shell", "--demo")
	if code != 1 || out != "count(*)\n900\n" || !strings.Contains(stderr, ".import: messages is a mail table: importing would create mail items; import into a table of your own (.import --csv in.csv my_messages)") {
		t.Errorf("exit %d, stderr %q, out %q", code, stderr, out)
	}
}

// TestReadRecursionLimit: a script that .reads itself stops at sqlite3's
// nesting limit of 25 with one clear error, not thousands of "too many
// open files".
func TestReadRecursionLimit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "self.sql"), ".read self.sql\n")
	out, stderr, code := binRun(t, dir, ".read self.sql\nSELECT 7;\n", "shell", "--demo", "-f", "list")
	if code != 1 || !strings.Contains(stderr, "input nesting limit (25) reached: a script that reads itself? Check recursion") ||
		strings.Contains(stderr, "too many open files") || strings.Count(stderr, "\n") > 30 || !strings.HasSuffix(out, "7\n") {
		t.Errorf("exit %d, out %q, stderr (%d lines) %.600q", code, out, strings.Count(stderr, "\n"), stderr)
	}
}

// TestImportRefusesVirtualTable: a file's own mail table (CREATE VIRTUAL
// TABLE … USING messages) is refused too: its INSERT would make drafts.
func TestImportRefusesVirtualTable(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in.csv"), "1,x\n")
	_, stderr, code := binRun(t, dir, "CREATE VIRTUAL TABLE w USING messages;\n.import --csv in.csv w\n", "shell", "--demo", "m.db")
	if code != 1 || !strings.Contains(stderr, ".import: w is a mail table: importing would create mail items") || strings.Contains(stderr, "cannot be written") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestAttachmentsSaveOneCondition: a condition with a ";" that ends the
// SELECT and starts another statement is refused before anything runs
// (it used to run: "1=0; UPDATE messages SET is_read = 1 …" marked mail
// read); a trailing ";", and ";" inside quotes or comments, are fine.
func TestAttachmentsSaveOneCondition(t *testing.T) {
	for _, tc := range []struct{ cond, out, err string }{
		{"1=1; DROP TABLE x", "", `attachments save: the condition has a ";" that ends the SELECT: give one condition on the attachments table, not statements`},
		{"1=0; UPDATE messages SET is_read = 1 WHERE id IN (SELECT id FROM messages WHERE is_read = 0 LIMIT 3)", "", `the condition has a ";" that ends the SELECT`},
		{"1=0; SELECT 1;", "", `the condition has a ";" that ends the SELECT`},
		{"WHERE 1=0;", "0 saved (0 bytes), 0 skipped\n", ""},
		{"name = 'a;b' /* ; */ -- ;\n", "0 saved (0 bytes), 0 skipped\n", ""},
	} {
		dir := t.TempDir()
		out, stderr, code := binRun(t, dir, "", "attachments", "save", "--demo", "--dir", "out", tc.cond)
		if tc.err == "" && (code != 0 || out != tc.out || stderr != "") ||
			tc.err != "" && (code == 0 || out != "" || !strings.Contains(stderr, tc.err) || strings.Contains(stderr, "no such table")) {
			t.Errorf("%q: exit %d, out %q, stderr %q", tc.cond, code, out, stderr)
		}
	}
}

// TestQueryFileOutputIsScript: -o naming the --file script (or a link to
// it) is refused and the script is kept; it used to be truncated before it
// was read, and the run "succeeded" with no output.
func TestQueryFileOutputIsScript(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.sql"), "SELECT 1;\n")
	if err := os.Symlink("s.sql", filepath.Join(dir, "link.sql")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--file", "s.sql", "-o", "s.sql"}, {"--file", "link.sql", "-o", "./s.sql"}} {
		out, stderr, code := binRun(t, dir, "", append([]string{"query", "--demo"}, args...)...)
		if code != 1 || out != "" || !strings.Contains(stderr, "is the script --file "+args[1]+": writing the rows there would erase it; give another output file") {
			t.Errorf("%v: exit %d, out %q, stderr %q", args, code, out, stderr)
		}
		if got := readFile(t, filepath.Join(dir, "s.sql")); got != "SELECT 1;\n" {
			t.Errorf("%v: the script now holds %q", args, got)
		}
	}
	out, stderr, code := binRun(t, dir, "", "query", "--demo", "-f", "list", "--file", "s.sql", "-o", "rows.txt")
	if code != 0 || out != "" || stderr != "" || readFile(t, filepath.Join(dir, "rows.txt")) != "1\n1\n" {
		t.Errorf("-o rows.txt: exit %d, out %q, stderr %q, file %q", code, out, stderr, readFile(t, filepath.Join(dir, "rows.txt")))
	}
}

// TestShellWaitsForLockedFile: a file another process holds locked (a
// sync writing it) is waited for, as SQLite's busy timeout does for
// statements; the open used to fail at once with "database is locked",
// because connection setup read the schema before the driver set its
// busy timeout.
func TestShellWaitsForLockedFile(t *testing.T) {
	dir := t.TempDir()
	path := makeFile(t, dir, "lk.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	time.AfterFunc(1500*time.Millisecond, func() { _, err := db.Exec("COMMIT"); done <- err })
	out, stderr, code := binRun(t, dir, "SELECT count(*) FROM t;\n", "shell", "--demo", "-f", "list", "lk.db")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != "count(*)\n2\n" || stderr != "" {
		t.Errorf("exit %d, out %q, stderr %q", code, out, stderr)
	}
}

// TestProfilesExampleWorks: the profiles file that "outlooksql profiles"
// suggests when there is none works as printed (with the app-only secret
// in the environment): both profiles usable, the delegated one with only
// Tenant and ClientId. The old example held URLs to edit and an unset
// ${env:WORK_SECRET}.
func TestProfilesExampleWorks(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "profiles.ini")
	t.Setenv("OUTLOOKSQL_CONFIG", missing)
	t.Setenv("ARCHIVE_SECRET", "s3cret")
	out, _, code := binRun(t, dir, "", "profiles")
	_, example, ok := strings.Cut(out, "Create it like this:\n\n")
	if code != 0 || !ok || !strings.Contains(example, "Tenant   = contoso.onmicrosoft.com\nClientId = <id>\n") || strings.Contains(example, "Url") {
		t.Fatalf("exit %d, out %q", code, out)
	}
	writeFile(t, missing, example)
	out, stderr, code := binRun(t, dir, "", "profiles")
	if want := "Profiles in " + missing + ":\n  work\n  archive\n"; code != 0 || out != want || stderr != "" {
		t.Errorf("exit %d, stderr %q\n got %q\nwant %q", code, stderr, out, want)
	}
}
