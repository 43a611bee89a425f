package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binRun runs the outlooksql binary (this test binary, see TestMain) in dir
// with stdin and returns stdout, stderr and the exit code.
func binRun(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// sqlite3Bin returns Debian's sqlite3 shell, or skips the test when it is
// not installed (unless $OUTLOOKSQL_REQUIRE_SQLITE3 is set, as in CI).
func sqlite3Bin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("OUTLOOKSQL_REQUIRE_SQLITE3") != "" {
			t.Fatal("sqlite3 is not installed and $OUTLOOKSQL_REQUIRE_SQLITE3 is set")
		}
		t.Skip("sqlite3 is not installed")
	}
	return p
}

// makeFile creates a SQLite file in dir with the statements, with plain
// SQLite (no mail tables).
func makeFile(t *testing.T, dir, name, stmts string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestShellFileKeepsTables: what a shell creates in FILE stays there, and
// the mail tables sit beside it (a join of both works).
func TestShellFileKeepsTables(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := binRun(t, dir, "CREATE TABLE notes(id INTEGER, txt TEXT);\nINSERT INTO notes VALUES (1, 'first'), (2, NULL);\n", "shell", "--demo", "work.db")
	if code != 0 || out != "" || stderr != "" {
		t.Fatalf("create: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, stderr, code = binRun(t, dir, ".mode csv\nSELECT * FROM notes;\nSELECT n.txt, (SELECT count(*) FROM users) > 0 AS has_users FROM notes n WHERE id = 1;\n", "shell", "--demo", "work.db")
	if want := "id,txt\n1,first\n2,\ntxt,has_users\nfirst,1\n"; code != 0 || out != want || stderr != "" {
		t.Fatalf("reopen: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, want)
	}
	// Without FILE the shell is in memory, as before: nothing was kept.
	_, stderr, code = binRun(t, dir, "SELECT * FROM notes;\n", "shell", "--demo")
	if code != 1 || stderr != "error near line 1: no such table: notes\noutlooksql: 1 of 1 statements and commands failed\n" {
		t.Fatalf("in memory: exit %d, stderr %q", code, stderr)
	}
}

// TestShellSyncedFile: in a file with its own messages table, the bare name
// is the file's table, live.messages (and live.users…) the mail tables, and
// the shell says so when it opens the file.
func TestShellSyncedFile(t *testing.T) {
	dir := t.TempDir()
	makeFile(t, dir, "mail.db", "CREATE TABLE messages(subject TEXT); INSERT INTO messages VALUES ('synced one');")
	live, _, code := binRun(t, dir, "", "query", "--demo", "-f", "csv", "SELECT count(*) AS n, min(subject) AS first FROM messages")
	if code != 0 || !strings.HasPrefix(live, "n,first\n") || live == "n,first\n0,\n" {
		t.Fatalf("query --demo: exit %d, %q", code, live)
	}
	out, stderr, code := binRun(t, dir, ".mode csv\nSELECT subject FROM messages;\nSELECT count(*) AS n, min(subject) AS first FROM live.messages;\n.tables messag_s\n", "shell", "--demo", "mail.db")
	wantOut := "subject\nsynced one\n" + live + "messages\n\nlive.messages  Mail messages of a mailbox, or of one folder with folder_id.\n"
	wantErr := "mail.db has its own messages: those names mean the file's tables; the live mail tables are live.messages (and live.<table> for every mail table).\n"
	if code != 0 || out != wantOut || stderr != wantErr {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant\nstdout %q\nstderr %q", code, out, stderr, wantOut, wantErr)
	}
}

// TestShellModesMatchSqlite3: each sqlite3 mode's output on the user's own
// table is byte for byte sqlite3's (csv: but for sqlite3's \r\n line ends).
func TestShellModesMatchSqlite3(t *testing.T) {
	dir := t.TempDir()
	makeFile(t, dir, "t.db", `CREATE TABLE t(a INTEGER, b TEXT, c REAL);
INSERT INTO t VALUES (1, 'x', 1.5), (22, NULL, 2.0), (3, 'it''s, "q"', NULL), (-4, 'añb', 0.25);
CREATE VIEW v AS SELECT a FROM t; CREATE INDEX ti ON t(b);
CREATE TABLE "order"(x); INSERT INTO "order" VALUES (x'00ff'), (-0.5), ('a
b');
CREATE TABLE "my table"("a b" INTEGER PRIMARY KEY AUTOINCREMENT, c); INSERT INTO "my table"(c) VALUES (1.25), (9223372036854775807), ('cr'||char(13)||'lf'||char(10)||'\n');
CREATE TABLE s(x); CREATE INDEX si ON s(x); INSERT INTO s VALUES (1), (2); ANALYZE s;`)
	const query = "SELECT * FROM t ORDER BY a;\n"
	// Exact bytes, without sqlite3.
	for mode, want := range map[string]string{
		"csv":    "a,b,c\n-4,añb,0.25\n1,x,1.5\n3,\"it's, \"\"q\"\"\",\n22,,2.0\n",
		"list":   "a|b|c\n-4|añb|0.25\n1|x|1.5\n3|it's, \"q\"|\n22||2.0\n",
		"insert": "INSERT INTO \"table\"(a,b,c) VALUES(-4,'añb',0.25);\nINSERT INTO \"table\"(a,b,c) VALUES(1,'x',1.5);\nINSERT INTO \"table\"(a,b,c) VALUES(3,'it''s, \"q\"',NULL);\nINSERT INTO \"table\"(a,b,c) VALUES(22,NULL,2.0);\n",
		"column": "a   b          c   \n--  ---------  ----\n-4  añb        0.25\n1   x          1.5 \n3   it's, \"q\"      \n22             2.0 \n",
	} {
		out, stderr, code := binRun(t, dir, ".mode "+mode+"\n"+query, "shell", "--demo", "t.db")
		if code != 0 || out != want || stderr != "" {
			t.Errorf(".mode %s: exit %d, stderr %q\n got %q\nwant %q", mode, code, stderr, out, want)
		}
	}
	writeFile(t, filepath.Join(dir, "people.csv"), "name,age\nAda,36\n\"Lovelace, A\",\"7\"\n")
	sqlite := sqlite3Bin(t)
	for _, script := range []string{
		".headers on\n.mode list\n" + query,
		".headers off\n.mode list\n" + query,
		".headers on\n.mode line\n" + query,
		".headers on\n.mode column\n" + query,
		".headers off\n.mode column\n" + query,
		".mode box\n" + query,
		".mode box\nSELECT * FROM t WHERE 0;\n",
		".headers on\n.mode insert\n" + query,
		".headers off\n.mode insert notes\n" + query,
		// sqlite3 quotes any non-ASCII text in csv, outlooksql only what needs it.
		".headers on\n.mode csv\nSELECT * FROM t WHERE a > 0;\n",
		".headers off\n.mode csv\nSELECT * FROM t WHERE a > 0;\n",
		".headers on\n.nullvalue NULL\n.mode list\n" + query,
		".nullvalue '-'\n.mode box\n" + query,
		".dump\n",
		".dump t\n",
		".schema\n.tables\n",
		".import --csv people.csv people\n.headers on\n.mode list\nSELECT * FROM people;\n.schema people\n",
	} {
		db := "t.db"
		if strings.HasPrefix(script, ".import") {
			db = "import.db" // sqlite3 imports into a file of its own
			os.Remove(filepath.Join(dir, db))
		}
		cmd := exec.Command(sqlite, filepath.Join(dir, db))
		cmd.Stdin = strings.NewReader(script)
		cmd.Dir = dir
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("sqlite3: %v", err)
		}
		wantS := strings.ReplaceAll(string(want), "\r\n", "\n")
		wantS = strings.ReplaceAll(wantS, "CREATE VIEW v AS SELECT a FROM t\n/* v(a) */;", "CREATE VIEW v AS SELECT a FROM t;") // sqlite3's comment after a view
		ours := "t.db"
		if db != "t.db" {
			ours = "ours-" + db
			os.Remove(filepath.Join(dir, ours))
		}
		out, stderr, code := binRun(t, dir, script, "shell", "--demo", ours)
		if script == ".schema\n.tables\n" {
			// .schema then the mail tables' columns; .tables then the mail tables.
			own, _, _ := strings.Cut(out, "\n\n")
			out = own + "\n"
			i := strings.Index(out, "CREATE TABLE messages")
			if i < 0 {
				out2, _, _ := binRun(t, dir, ".tables\n", "shell", "--demo", "t.db")
				tabs, _, _ := strings.Cut(out2, "\n\n")
				out = own + "\n" + tabs + "\n"
			}
		}
		if code != 0 || out != wantS || stderr != "" {
			t.Errorf("script %q: exit %d, stderr %q\n got %q\nwant %q", script, code, stderr, out, wantS)
		}
	}
	// The dump reads back into sqlite3 as the same database.
	dumped, _, _ := binRun(t, dir, ".dump\n", "shell", "--demo", "t.db")
	cmd := exec.Command(sqlite, filepath.Join(dir, "copy.db"))
	cmd.Stdin = strings.NewReader(dumped)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("load the dump: %v %s", err, b)
	}
	a, _ := exec.Command(sqlite, filepath.Join(dir, "t.db"), ".dump").Output()
	b, _ := exec.Command(sqlite, filepath.Join(dir, "copy.db"), ".dump").Output()
	if string(a) != string(b) {
		t.Errorf("the dump did not read back the same:\n%s\n%s", a, b)
	}
}
