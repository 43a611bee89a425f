package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// createdFile serves a tenant behind the profiles "work" and "work_ro"
// (ReadOnly=True) and returns the environment that points the extension at
// the profiles file, the number of messages, the number unread, and a path
// for a database file.
func createdFile(t *testing.T) (env []string, n, unread string, db string) {
	t.Helper()
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 31, Users: 1, MessagesPerUser: 13})
	de, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Close)
	dir := t.TempDir()
	ini := filepath.Join(dir, "profiles.ini")
	profiles := "[work]\nconnection = " + de.ConnString() + "\n\n[work_ro]\nconnection = " + de.ConnString("ReadOnly=True") + "\n"
	if err := os.WriteFile(ini, []byte(profiles), 0o600); err != nil {
		t.Fatal(err)
	}
	u := 0
	for _, m := range tenant.Users[0].Messages {
		if !m.IsRead {
			u++
		}
	}
	return cleanEnv([]string{"OUTLOOKSQL_CONFIG=" + ini}), strconv.Itoa(len(tenant.Users[0].Messages)), strconv.Itoa(u), filepath.Join(dir, "bi.db")
}

// TestCreatedTablePersistsInSqlite3 creates tables with profile=work in a
// file in Debian's sqlite3 shell; a new shell process that loads the
// extension lists them (.tables, sqlite_master: the statement as typed,
// a profile name and nothing else) and reads them without any
// outlooksql_configure; a view stored in the file may read a table whose
// profile is ReadOnly, not one that may write (DIRECTONLY); a shell without
// the extension says which module is missing.
func TestCreatedTablePersistsInSqlite3(t *testing.T) {
	shell, so := extension(t)
	env, n, unread, db := createdFile(t)
	var visible []string // what a tool listing work_mail's columns sees
	for _, c := range tables.Messages.Columns {
		if !c.Hidden {
			visible = append(visible, c.Name)
		}
	}
	_, stderr := runScript(t, shell, db, ".load "+so+"\n"+
		"CREATE VIRTUAL TABLE work_mail USING messages(profile=work);\n"+
		"CREATE VIRTUAL TABLE work_folders USING mail_folders(profile=work);\n"+
		"CREATE VIRTUAL TABLE ro_mail USING messages(profile=work_ro);\n"+
		"CREATE VIEW unread AS SELECT count(*) AS n FROM work_mail WHERE is_read = 0;\n"+
		"CREATE VIEW ro_unread AS SELECT count(*) AS n FROM ro_mail WHERE is_read = 0;\n", env...)
	if stderr != "" {
		t.Fatalf("create: %s", stderr)
	}
	tables, stderr := runScript(t, shell, db, ".load "+so+"\n.tables\n", env...)
	if got, want := strings.Join(strings.Fields(tables), " "), "ro_mail ro_unread unread work_folders work_mail"; got != want || stderr != "" {
		t.Errorf(".tables: %q, want %q (stderr %q)", got, want, stderr)
	}
	stdout, stderr := runScript(t, shell, db, ".load "+so+"\n"+
		"SELECT type, name, sql FROM sqlite_master ORDER BY name;\n"+
		"SELECT count(*) FROM work_mail;\n"+
		"SELECT count(*) > 0 FROM work_folders;\n"+
		"SELECT n FROM ro_unread;\n"+
		"SELECT group_concat(name, ',') FROM pragma_table_info('work_mail');\n"+
		"SELECT n FROM unread;\n", env...)
	want := "table|ro_mail|CREATE VIRTUAL TABLE ro_mail USING messages(profile=work_ro)\n" +
		"view|ro_unread|CREATE VIEW ro_unread AS SELECT count(*) AS n FROM ro_mail WHERE is_read = 0\n" +
		"view|unread|CREATE VIEW unread AS SELECT count(*) AS n FROM work_mail WHERE is_read = 0\n" +
		"table|work_folders|CREATE VIRTUAL TABLE work_folders USING mail_folders(profile=work)\n" +
		"table|work_mail|CREATE VIRTUAL TABLE work_mail USING messages(profile=work)\n" +
		n + "\n1\n" + unread + "\n" + strings.Join(visible, ",") + "\n"
	wantErr := "Parse error near line 7: unsafe use of virtual table \"work_mail\"\n"
	if stdout != want || stderr != wantErr {
		t.Errorf("reopened:\n%s\nwant:\n%s\nstderr: %s\nwant: %s", stdout, want, stderr, wantErr)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fakegraph.ClientSecret, "127.0.0.1", "Token"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the database file contains %q", s)
		}
	}
	_, stderr = runScript(t, shell, db, "SELECT count(*) FROM work_mail;\n", env...)
	if want := "Parse error near line 1: no such module: messages\n"; !strings.HasPrefix(stderr, want) {
		t.Errorf("without the extension: %q, want prefix %q", stderr, want)
	}
}

// TestCreatedTableInPython loads the extension in Python's sqlite3 module
// (as notebooks and Datasette do) on a file that stores a table with
// profile=work: the table is listed and read; REGEXP (Go syntax) works,
// since Python's SQLite has no regexp of its own, and ceil is SQLite's.
func TestCreatedTableInPython(t *testing.T) {
	py := pythonWithExtensions()
	if py == "" {
		const msg = "no python3 whose sqlite3 module can load extensions (Debian's /usr/bin/python3 can; a pyenv build may lack enable_load_extension)"
		if os.Getenv("OUTLOOKSQL_REQUIRE_PYTHON") != "" {
			t.Fatal(msg + "; OUTLOOKSQL_REQUIRE_PYTHON is set")
		}
		t.Skip(msg)
	}
	_, so := extension(t)
	env, n, _, db := createdFile(t)
	const script = `
import sqlite3, sys
db, so, step = sys.argv[1], sys.argv[2], sys.argv[3]
c = sqlite3.connect(db)
c.enable_load_extension(True)
c.load_extension(so)
if step == "create":
    c.execute("CREATE VIRTUAL TABLE work_mail USING messages(profile=work)")
    c.commit()
else:
    print(c.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    print(c.execute("SELECT count(*) FROM work_mail").fetchall())
    print(c.execute("SELECT 'HELLO' REGEXP '(?i)^hel+o$', 'x' REGEXP 'y', ceil(1.5)").fetchall())
    try:
        c.execute("CREATE VIRTUAL TABLE t USING messages(BaseUrl='http://127.0.0.1:9')")
    except sqlite3.Error as e:
        print(e)
`
	for _, step := range []string{"create", "read"} {
		cmd := exec.Command(py, "-c", script, db, so, step)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3 %s: %v\n%s", step, err, out)
		}
		if step == "create" {
			continue
		}
		want := "[('table', 'work_mail', 'CREATE VIRTUAL TABLE work_mail USING messages(profile=work)')]\n" +
			"[(" + n + ",)]\n" +
			"[(1, 0, 2.0)]\n" +
			`t: module argument "BaseUrl" is not accepted: CREATE VIRTUAL TABLE t USING messages(profile=NAME): NAME is a profile of the profiles file ('outlooksql profiles' lists them); connection settings and secrets stay in the profile, so that the database file holds none` + "\n"
		if string(out) != want {
			t.Errorf("python3:\n%s\nwant:\n%s", out, want)
		}
	}
}

// pythonWithExtensions returns a python3 whose sqlite3 module can load
// extensions: the one on PATH, else Debian's; "" if neither can.
func pythonWithExtensions() string {
	var cands []string
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/python3")
	for _, p := range cands {
		err := exec.Command(p, "-c", "import sqlite3, sys; sys.exit(0 if hasattr(sqlite3.Connection, 'enable_load_extension') else 1)").Run()
		if err == nil {
			return p
		}
	}
	return ""
}
