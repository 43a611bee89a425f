package syncdb

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
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
	env, err := demo.Start(fakegraph.Generate(fakegraph.GenConfig{Seed: 4, Users: 1, MessagesPerUser: 200}))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg, err := config.Parse(env.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := connect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mail.db")
	if _, err := Run(context.Background(), Options{Client: sess.Client, Path: path, Mailboxes: []string{"me"}}); err != nil {
		t.Fatal(err)
	}
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
