package syncdb

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFileOpensInPython: a synced file is an ordinary SQLite file for
// Python's sqlite3 module (what Datasette and most notebooks use): its
// tables, views and FTS4 index answer as they do here. CI requires
// python3 (OUTLOOKSQL_REQUIRE_PYTHON); elsewhere the test skips without it.
func TestFileOpensInPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("OUTLOOKSQL_REQUIRE_PYTHON") != "" {
			t.Fatal("python3 is required (OUTLOOKSQL_REQUIRE_PYTHON) but not installed")
		}
		t.Skip("python3 is not installed")
	}
	path := syncGenerated(t, 4, 200)
	queries := []string{
		"SELECT count(*) FROM messages",
		"SELECT count(*) FROM mail_folders",
		"SELECT count(*) FROM message_recipients",
		"SELECT count(*) FROM messages_in_folders WHERE folder_path IS NOT NULL",
		"SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'invoice'",
		"PRAGMA journal_mode",
	}
	script := "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nfor q in sys.argv[2:]:\n    print(c.execute(q).fetchone()[0])\n"
	out, err := exec.Command(py, append([]string{"-c", script, path}, queries...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	var want []string
	for _, q := range queries {
		want = append(want, query(t, path, q)[0][0])
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || want[len(want)-1] != "wal" || want[4] == "0" {
		t.Errorf("python3 read %v, Go read %v", got, want)
	}
}
