package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/redact"
	"github.com/outlooksql/outlooksql/internal/redirect"
)

// keepScope gives nt the stored scope of old when the token response
// carried none, so the token file keeps saying what was granted.
func keepScope(nt, old *oauth2.Token) *oauth2.Token {
	if s, _ := nt.Extra("scope").(string); s != "" || old == nil {
		return nt
	}
	if s, _ := old.Extra("scope").(string); s != "" {
		return nt.WithExtra(map[string]any{"scope": s})
	}
	return nt
}

// Token returns a copy of the current token, refreshed first if it is no
// longer usable (as AccessToken does). Its Extra("scope") is what it was
// granted, when the token response or the token file said so.
func (s *UserSource) Token(ctx context.Context) (*oauth2.Token, error) {
	if _, err := s.AccessToken(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := *s.tok
	return &t, nil
}

// Token returns a copy of the current app-only token, fetched first if
// there is none (as AccessToken does).
func (s *AppSource) Token(ctx context.Context) (*oauth2.Token, error) {
	if _, err := s.AccessToken(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := *s.tok
	return &t, nil
}

// GrantedScopes lists the permissions tok was granted: the token
// response's (or the token file's) "scope", else the access token's scp
// claim, else its roles claim (app-only tokens), with Graph's URL prefix
// removed; plus offline_access when there is a refresh token.
func GrantedScopes(tok *oauth2.Token) []string {
	g := grantedScopes(tok)
	if len(g) == 0 {
		var c struct {
			Roles []string `json:"roles"`
		}
		if jwtClaims(tok.AccessToken, &c) == nil && len(c.Roles) > 0 {
			return append(c.Roles, g...)
		}
	}
	return g
}

// TenantID returns the tenant that issued tok: the tid claim of its
// access token or of its id_token; "" when neither is a JWT that says.
func TenantID(tok *oauth2.Token) string {
	var c struct {
		Tid string `json:"tid"`
	}
	if jwtClaims(tok.AccessToken, &c) == nil && c.Tid != "" {
		return c.Tid
	}
	idt, _ := tok.Extra("id_token").(string)
	if jwtClaims(idt, &c) == nil {
		return c.Tid
	}
	return ""
}

// TenantOfURL returns the tenant segment of an Entra endpoint such as
// https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token; "" when
// the URL has no such segment.
func TenantOfURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "oauth2" {
			return parts[i-1]
		}
	}
	return ""
}

// User is the signed-in user, as /me describes them.
type User struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// Me reads /me?$select=id,displayName,userPrincipalName under baseURL (the
// Graph root) with accessToken. client nil means http.DefaultClient;
// redirects are never followed, and the token never appears in an error.
func Me(ctx context.Context, client *http.Client, baseURL, accessToken string) (User, error) {
	var me User
	client = redirect.Refuse(client)
	where := redact.URL(strings.TrimRight(baseURL, "/")) + "/me"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/me?$select=id,displayName,userPrincipalName", nil)
	if err != nil {
		return me, fmt.Errorf("auth: reading %s: %w", where, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if r := (*redirect.Error)(nil); errors.As(err, &r) {
		return me, fmt.Errorf("auth: reading %s: %w", where, r)
	}
	if err != nil {
		return me, fmt.Errorf("auth: reading %s: %s", where, redact.String(err.Error(), accessToken))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return me, fmt.Errorf("auth: reading %s: %w", where, err)
	}
	if resp.StatusCode != http.StatusOK {
		var ge struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &ge)
		if ge.Error.Code == "" {
			return me, fmt.Errorf("auth: reading %s: %s", where, resp.Status)
		}
		return me, fmt.Errorf("auth: reading %s: %s %s: %s", where, resp.Status, ge.Error.Code, redact.String(ge.Error.Message, accessToken))
	}
	if err := json.Unmarshal(body, &me); err != nil || me.UserPrincipalName == "" && me.ID == "" {
		return User{}, fmt.Errorf("auth: reading %s: the answer is not a user", where)
	}
	return me, nil
}

// Forget removes the token file at path, under the lock that refreshing
// processes take, so that no refresh writes it back afterwards. It
// reports whether there was a file to remove; a missing file is no error.
// The lock file beside it (path+".lock", which holds no secret) stays, as
// another process may be waiting on it.
func Forget(ctx context.Context, path string) (removed bool, err error) {
	f := TokenFile{Path: path}
	real, err := f.RealPath()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil // not even its folder exists
		}
		return false, err
	}
	if _, err := os.Lstat(real); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	unlock, err := lockToken(ctx, real)
	if err != nil {
		return false, err
	}
	defer unlock()
	if err := os.Remove(real); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("auth: removing RefreshTokenFilePath %s: %w", path, err)
	}
	// This process's source for the file forgets its tokens too.
	usersMu.Lock()
	if src, ok := users.Get(real); ok {
		src.forget()
	}
	usersMu.Unlock()
	return true, nil
}

// forget drops the tokens s holds: the next AccessToken reads the token
// file again.
func (s *UserSource) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.unsaved, s.unsavedFrom = nil, nil, ""
}
