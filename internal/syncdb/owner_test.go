package syncdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestOwnerWithoutDirectoryPermission: a sign-in that may read shared
// mailboxes but not the directory cannot look a user up; a mailbox given
// by its user id is synced anyway (the id names the owner), and one given
// by its userPrincipalName fails naming the permission and the way round.
func TestOwnerWithoutDirectoryPermission(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 2, MessagesPerUser: 40})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	rt := env.Server.IssueRefreshTokenFor(fakegraph.ClientID, env.User, "offline_access", "User.Read", "Mail.Read", "Mail.Read.Shared")
	body, _ := json.Marshal(map[string]any{"refresh_token": rt, "access_token": "", "expires_in": 0})
	if err := os.WriteFile(tokenFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(strings.Replace(env.ConnString(), env.TokenFile, tokenFile, 1))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := connect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := tenant.Users[1]
	path := filepath.Join(t.TempDir(), "mail.db")
	s, err := Run(context.Background(), Options{Client: sess.Client, Path: path, Tables: []string{TableMessages}, Mailboxes: []string{strings.ToUpper(other.ID)}})
	if err != nil {
		t.Fatalf("by id: %v", err)
	}
	if got := query(t, path, "SELECT count(*), min(user_id), max(user_id) FROM messages"); got[0][0] != itoa(len(other.Messages)) || got[0][1] != other.ID || got[0][2] != other.ID {
		t.Errorf("by id: %v (summary %v), want %d messages of %s", got, s, len(other.Messages), other.ID)
	}
	_, err = Run(context.Background(), Options{Client: sess.Client, Path: filepath.Join(t.TempDir(), "b.db"), Tables: []string{TableMessages}, Mailboxes: []string{other.UserPrincipalName}})
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "grant User.Read.All (or User.ReadBasic.All), or give the mailbox by its user id (--mailbox <id>)") {
		t.Errorf("by userPrincipalName: %v", err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
