package driver_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// TestRegexp checks X REGEXP Y on a driver connection: Go syntax, matched
// anywhere unless anchored, NULL for a NULL operand, numbers as their text,
// and a malformed pattern's error; and on a table's column, against the
// fake tenant's own data filtered with Go's regexp.
func TestRegexp(t *testing.T) {
	e := newEnv(t, small(), nil)
	tests := []struct{ q, want string }{
		{`SELECT 'Hello' REGEXP '^H.l+o$'`, "1"},
		{`SELECT 'say Hello' REGEXP 'Hel'`, "1"},
		{`SELECT 'say Hello' REGEXP '^Hel'`, "0"},
		{`SELECT 'HELLO' REGEXP '(?i)hello'`, "1"},
		{`SELECT 'a1b22' REGEXP '\d{2}'`, "1"},
		{`SELECT 12.5 REGEXP '^12\.5$'`, "1"},
		{`SELECT 42 REGEXP '^4'`, "1"},
		{`SELECT NULL REGEXP 'a'`, "NULL"},
		{`SELECT 'a' REGEXP NULL`, "NULL"},
		{`SELECT regexp('b+', 'abbbc')`, "1"},
	}
	for _, tt := range tests {
		if got := e.query(t, tt.q); len(got) != 1 || len(got[0]) != 1 || got[0][0] != tt.want {
			t.Errorf("%s = %v, want %s", tt.q, got, tt.want)
		}
	}
	err := e.queryErr(`SELECT 'a' REGEXP '(a'`)
	const wantErr = "REGEXP: the pattern is Go regexp syntax (https://pkg.go.dev/regexp/syntax): error parsing regexp: missing closing ): `(a`"
	if err == nil || err.Error() != wantErr {
		t.Errorf("bad pattern: %v, want %s", err, wantErr)
	}

	// On a column: the rows whose subject ends in a number or has a word of 4+ capitals.
	const pat = `\d$|\b[A-Z]{4,}\b`
	got := e.query(t, `SELECT id FROM messages WHERE subject REGEXP ? ORDER BY id`, pat)
	re := regexp.MustCompile(pat)
	var want [][]string
	for _, r := range sorted(oracle(t, e.Tenant, "messages", e.User, []string{"id", "subject"})) {
		if re.MatchString(unquote(t, r[1])) {
			want = append(want, r[:1])
		}
	}
	if len(want) == 0 || len(want) == len(oracle(t, e.Tenant, "messages", e.User, []string{"id"})) {
		t.Fatalf("pattern %s matches %d subjects: pick one that tells rows apart", pat, len(want))
	}
	diffRows(t, "subject REGEXP", got, want)
}

func unquote(t *testing.T, s string) string {
	t.Helper()
	if s == "NULL" {
		return ""
	}
	out, err := strconv.Unquote(s)
	if err != nil {
		t.Fatalf("unquote %s: %v", s, err)
	}
	return out
}

// TestPureFunctionsInFileViews checks that a view stored in a database
// file may use the math functions and regexp (pure, like SQLite's own),
// while readfile and writefile, once enabled, stay DIRECTONLY: the user's
// statements may call them, a stored view or trigger may not.
func TestPureFunctionsInFileViews(t *testing.T) {
	e := newEnv(t, small(), nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "views.db")
	target := filepath.Join(dir, "written-by-view")
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"CREATE VIEW pure AS SELECT ceil(2.5) AS c, log(2, 8) AS l, 'abc' REGEXP 'b' AS r",
		"CREATE VIEW writes AS SELECT writefile('" + target + "', 'x') AS n",
		"CREATE VIEW reads AS SELECT readfile('" + path + "') AS b",
		"CREATE TABLE notes(x)",
		"CREATE TRIGGER grab AFTER INSERT ON notes BEGIN SELECT writefile('" + target + "', new.x); END",
	} {
		if _, err := plain.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	plain.Close()
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, "ATTACH DATABASE ? AS f", path); err != nil {
		t.Fatal(err)
	}
	if got := e.query(t, "SELECT c, l, r FROM f.pure"); len(got) != 1 || strings.Join(got[0], " ") != "3 3 1" {
		t.Errorf("f.pure = %v, want [[3 3 1]]", got)
	}
	if err := e.queryErr("SELECT writefile('x', 'y')"); err == nil || err.Error() != "no such function: writefile" {
		t.Errorf("writefile before EnableFileFunctions: %v, want no such function: writefile", err)
	}
	if err := driver.EnableFileFunctions(e.conn); err != nil {
		t.Fatal(err)
	}
	for view, fn := range map[string]string{"writes": "writefile", "reads": "readfile"} {
		err := e.queryErr("SELECT * FROM f." + view)
		if want := "unsafe use of " + fn + "()"; err == nil || err.Error() != want {
			t.Errorf("f.%s: %v, want %s", view, err, want)
		}
	}
	if _, err := e.conn.ExecContext(ctx, "INSERT INTO f.notes VALUES ('x')"); err == nil || err.Error() != "unsafe use of writefile()" {
		t.Errorf("the file's trigger: %v, want unsafe use of writefile()", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("the file's view wrote %s (stat: %v)", target, err)
	}
}

// TestFileFunctions checks readfile and writefile on a connection that
// enabled them: exact bytes both ways, BLOB and TEXT, the count returned,
// missing parent directories created, an existing file replaced (as the
// sqlite3 shell does), NULL for a file that cannot be read, and the
// error of a write that cannot happen.
func TestFileFunctions(t *testing.T) {
	e := newEnv(t, small(), nil)
	if err := driver.EnableFileFunctions(e.conn); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blob := []byte{0, 1, 2, 0xff, 'a', '\n'}
	p1 := filepath.Join(dir, "sub", "deeper", "a.bin")
	if got := e.query(t, "SELECT writefile(?, ?)", p1, blob); got[0][0] != "6" {
		t.Errorf("writefile blob returned %v, want 6", got)
	}
	if b, err := os.ReadFile(p1); err != nil || string(b) != string(blob) {
		t.Errorf("%s holds %x (%v), want %x", p1, b, err, blob)
	}
	if got := e.query(t, "SELECT readfile(?)", p1); got[0][0] != "x'000102ff610a'" {
		t.Errorf("readfile = %v, want x'000102ff610a'", got)
	}
	p2 := filepath.Join(dir, "t.txt")
	e.query(t, "SELECT writefile(?, 'first')", p2)
	if got := e.query(t, "SELECT writefile(?, 'héllo')", p2); got[0][0] != "6" {
		t.Errorf("writefile text returned %v, want 6", got)
	}
	if b, _ := os.ReadFile(p2); string(b) != "héllo" {
		t.Errorf("%s holds %q, want héllo (replaced)", p2, b)
	}
	if got := e.query(t, "SELECT readfile(?), readfile(NULL)", filepath.Join(dir, "missing")); strings.Join(got[0], " ") != "NULL NULL" {
		t.Errorf("readfile of a missing file = %v, want NULL", got)
	}
	err := e.queryErr("SELECT writefile(?, 'x')", dir) // a directory
	if err == nil || !strings.HasPrefix(err.Error(), "writefile: failed to write file: open "+dir+": ") {
		t.Errorf("writefile onto a directory: %v", err)
	}
}
