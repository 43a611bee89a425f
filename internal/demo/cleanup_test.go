package demo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestRemoveTemp removes the token folders of the environments still open,
// and only theirs.
func TestRemoveTemp(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 2})
	a, err := Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Close()
	outside := filepath.Join(t.TempDir(), "keep.json")
	os.WriteFile(outside, []byte("{}"), 0o600)
	if _, err := os.Stat(b.TokenFile); err != nil {
		t.Fatal(err)
	}
	RemoveTemp()
	if _, err := os.Stat(filepath.Dir(b.TokenFile)); !os.IsNotExist(err) {
		t.Errorf("the open environment's folder is still there: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("RemoveTemp removed another file: %v", err)
	}
	live.Lock()
	n, tracked := len(live.envs), live.envs[a]
	live.Unlock()
	if n != 1 || tracked {
		t.Errorf("tracked %d environments (the closed one: %v), want only the open one", n, tracked)
	}
}
