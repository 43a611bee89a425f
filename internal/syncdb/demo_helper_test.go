package syncdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// syncGenerated syncs the signed-in user's mailbox of a generated tenant
// with one user of n messages into a new file, and returns its path.
func syncGenerated(t *testing.T, seed int64, n int) string {
	t.Helper()
	env, err := demo.Start(fakegraph.Generate(fakegraph.GenConfig{Seed: seed, Users: 1, MessagesPerUser: n}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
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
	return path
}
