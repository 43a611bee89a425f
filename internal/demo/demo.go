// Package demo starts a fake Graph tenant on loopback and gives the
// connection string that points the driver at it, with a signed-in token
// file. The CLI's demo and --demo, the tests and the benchmarks use it.
package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// Env is a running fake tenant and a connection string for it.
type Env struct {
	Server *fakegraph.Server
	Tenant *fakegraph.Tenant
	// User is the signed-in user's userPrincipalName (the mailbox "me").
	User string
	// TokenFile is the token file the connection string names.
	TokenFile string
	dir       string
}

// Start serves t on loopback and signs its first user in: a token file with
// a refresh token from the fake's token endpoint is written to a fresh
// temporary directory.
func Start(t *fakegraph.Tenant, opts ...fakegraph.Option) (*Env, error) {
	if len(t.Users) == 0 {
		return nil, fmt.Errorf("demo: the tenant has no users")
	}
	dir, err := os.MkdirTemp("", "outlooksql-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	srv := fakegraph.New(t, opts...)
	e := &Env{Server: srv, Tenant: t, User: t.Users[0].UserPrincipalName, dir: dir,
		TokenFile: filepath.Join(dir, "token.json")}
	body, _ := json.Marshal(map[string]any{
		// The user consented to MailboxSettings.Read too (the settings
		// tables need it), so the tokens carry it whatever Scope asks.
		"refresh_token": srv.IssueRefreshTokenFor(fakegraph.ClientID, e.User,
			append(slices.Clone(fakegraph.DelegatedScopes), fakegraph.ConsentableScopes...)...),
		"access_token": "",
		"expires_in":   0,
	})
	track(e)
	if err := os.WriteFile(e.TokenFile, body, 0o600); err != nil {
		e.Close()
		return nil, fmt.Errorf("demo: write token file: %w", err)
	}
	return e, nil
}

// ConnString returns a connection string for the signed-in user, with extra
// "Key=Value" pairs appended.
func (e *Env) ConnString(extra ...string) string {
	parts := []string{
		"BaseUrl=" + e.Server.GraphURL(),
		"TokenUrl=" + e.Server.TokenURL(),
		"AuthUrl=" + e.Server.AuthURL(),
		"ClientId=" + fakegraph.ClientID,
		"ClientSecret=" + fakegraph.ClientSecret,
		"RefreshTokenFilePath={" + strings.ReplaceAll(e.TokenFile, "}", "}}") + "}",
	}
	return strings.Join(append(parts, extra...), ";")
}

// AppConnString returns a connection string for app-only access
// (ApplicationCredentials) with the given default mailbox.
func (e *Env) AppConnString(userID string, extra ...string) string {
	parts := []string{
		"AuthType=ApplicationCredentials",
		"UserId=" + userID,
		"BaseUrl=" + e.Server.GraphURL(),
		"TokenUrl=" + e.Server.TokenURL(),
		"ClientId=" + fakegraph.ClientID,
		"ClientSecret=" + fakegraph.ClientSecret,
	}
	return strings.Join(append(parts, extra...), ";")
}

// Close stops the server and removes the token file.
func (e *Env) Close() {
	untrack(e)
	e.Server.Close()
	os.RemoveAll(e.dir)
}
