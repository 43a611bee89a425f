package syncdb_test

import (
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestSyncSurvivesSIGKILL: `outlooksql sync`, killed with SIGKILL once it
// has committed some folders and before it ends, leaves a file that the
// next run completes exactly: no duplicates, no losses (the differential
// compare against the virtual tables).
func TestSyncSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "outlooksql")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/outlooksql/outlooksql/cmd/outlooksql").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 21, Users: 2, MessagesPerUser: 300})
	e := newDiffEnv(t, tenant, fakegraph.WithLatency(30*time.Millisecond), fakegraph.WithPageCap(20))
	path := filepath.Join(dir, "mail.db")
	args := []string{"sync", "-c", e.AppConnString(e.users[0]), "--db", path}
	for _, u := range e.users {
		args = append(args, "--mailbox", u)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := committedFolders(path); n >= 3 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the sync ended (%v) before it could be killed mid-way: make the tenant larger", err)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no folder committed after 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if n := committedFolders(path); n >= totalFolders(tenant) {
		t.Fatalf("every folder (%d) was committed before the kill: the test proves nothing", n)
	}
	runSync(t, e.options(path), "after SIGKILL")
	e.compare(t, path, false, "after SIGKILL and a second run")
}

// committedFolders counts the folders whose messages round is committed
// in the file (0 while the file does not exist yet).
func committedFolders(path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0 // mode=ro would not create it, but keep the poll cheap
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=1000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM _outlooksql_delta WHERE resource = 'messages'").Scan(&n); err != nil {
		return 0
	}
	return n
}

func totalFolders(t *fakegraph.Tenant) int {
	n := 0
	for _, u := range t.Users {
		if !u.NoMailbox {
			n += len(u.Folders)
		}
	}
	return n
}
