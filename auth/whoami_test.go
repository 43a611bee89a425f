package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestTokenFileKeepsScope: the token response's scope is written to the
// token file, read back, and kept through a refresh; a file written before
// scope was stored still loads.
func TestTokenFileKeepsScope(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	exp := time.Now().Add(time.Hour).UTC().Round(time.Second)
	tok := (&oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: exp}).WithExtra(map[string]any{"scope": "Mail.Read User.Read"})
	if err := (TokenFile{Path: path}).Save(tok); err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &j); err != nil || j["scope"] != "Mail.Read User.Read" {
		t.Fatalf("file %s: scope %v, %v", b, j["scope"], err)
	}
	back, err := (TokenFile{Path: path}).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := GrantedScopes(back); !slices.Equal(got, []string{"Mail.Read", "User.Read", "offline_access"}) {
		t.Errorf("granted after load: %v", got)
	}
	// An old file: no scope key; it loads, and says nothing of scope.
	old := filepath.Join(dir, "old.json")
	os.WriteFile(old, []byte(`{"access_token": "at", "refresh_token": "rt", "expires_in": 3600}`), 0o600)
	ot, err := (TokenFile{Path: old}).Load()
	if err != nil || ot.RefreshToken != "rt" || ot.Extra("scope") != nil {
		t.Errorf("old file: %+v, scope %v, %v", ot, ot.Extra("scope"), err)
	}

	// keepScope: a response without scope keeps the stored one; one with
	// scope replaces it.
	none := &oauth2.Token{AccessToken: "n"}
	if s := keepScope(none, back).Extra("scope"); s != "Mail.Read User.Read" {
		t.Errorf("keepScope without a new scope: %v", s)
	}
	withNew := (&oauth2.Token{AccessToken: "n"}).WithExtra(map[string]any{"scope": "Mail.ReadWrite"})
	if s := keepScope(withNew, back).Extra("scope"); s != "Mail.ReadWrite" {
		t.Errorf("keepScope with a new scope: %v", s)
	}
}

// TestUserSourceToken refreshes against the fake tenant: the token it
// returns carries the granted scope and expiry, and the file now stores
// the scope.
func TestUserSourceToken(t *testing.T) {
	s := startFake(t)
	user := s.Tenant().Users[0].UserPrincipalName
	path := filepath.Join(t.TempDir(), "token.json")
	rt := s.IssueRefreshTokenFor(fakegraph.ClientID, user, "offline_access", "Mail.Read", "User.Read")
	os.WriteFile(path, []byte(`{"access_token": "", "refresh_token": "`+rt+`", "expires_in": 0}`), 0o600)
	src, err := newUserSource(UserConfig{TokenURL: s.TokenURL(), ClientID: fakegraph.ClientID, ClientSecret: fakegraph.ClientSecret, TokenFile: path})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := GrantedScopes(tok); !slices.Equal(got, []string{"Mail.Read", "User.Read", "offline_access"}) {
		t.Errorf("granted %v", got)
	}
	if d := time.Until(tok.Expiry); d < 30*time.Minute || d > 2*time.Hour {
		t.Errorf("expiry in %v", d)
	}
	if tid := TenantID(tok); tid != s.Tenant().ID {
		t.Errorf("tenant %q, want %q", tid, s.Tenant().ID)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"scope": "Mail.Read User.Read"`) {
		t.Errorf("token file lacks the scope:\n%s", strings.Split(string(b), "\n")[0])
	}
	me, err := Me(context.Background(), nil, s.GraphURL(), tok.AccessToken)
	if err != nil || me.UserPrincipalName != user || me.ID != s.Tenant().Users[0].ID || me.DisplayName != s.Tenant().Users[0].DisplayName {
		t.Errorf("Me = %+v, %v; want %s", me, err, user)
	}
}

func TestAppSourceToken(t *testing.T) {
	s := startFake(t)
	src := ApplicationCredentials(AppConfig{TokenURL: s.TokenURL(), ClientID: fakegraph.ClientID, ClientSecret: fakegraph.ClientSecret})
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := GrantedScopes(tok); !slices.Equal(got, fakegraph.AppRoles) {
		t.Errorf("roles %v, want %v", got, fakegraph.AppRoles)
	}
	if TenantID(tok) != s.Tenant().ID {
		t.Errorf("tenant %q", TenantID(tok))
	}
	// /me does not exist for an app.
	if _, err := Me(context.Background(), nil, s.GraphURL(), tok.AccessToken); err == nil || strings.Contains(err.Error(), tok.AccessToken) {
		t.Errorf("Me with an app token: %v", err)
	}
}

func TestTenantOf(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", "contoso.com"},
		{"https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "common"},
		{"http://127.0.0.1:9/oauth2/v2.0/token", ""},
		{"http://127.0.0.1:9/token", ""},
	} {
		if got := TenantOfURL(tc.url); got != tc.want {
			t.Errorf("TenantOfURL(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
	claims := func(c string) string {
		return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(c)) + "."
	}
	for _, tc := range []struct {
		tok  *oauth2.Token
		want string
	}{
		{&oauth2.Token{AccessToken: claims(`{"tid":"t-1"}`)}, "t-1"},
		{(&oauth2.Token{AccessToken: "opaque"}).WithExtra(map[string]any{"id_token": claims(`{"tid":"t-2"}`)}), "t-2"},
		{&oauth2.Token{AccessToken: "opaque"}, ""},
	} {
		if got := TenantID(tc.tok); got != tc.want {
			t.Errorf("TenantID = %q, want %q", got, tc.want)
		}
	}
}

// TestForget removes the token file under its lock: it waits while a
// refresh holds the lock, then removes the file; a missing file or folder
// is no error.
func TestForget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	os.WriteFile(path, []byte(`{"access_token": "a", "refresh_token": "r"}`), 0o600)
	ctx := context.Background()
	unlock, err := lockToken(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		removed, err := Forget(ctx, path)
		if err == nil && !removed {
			err = os.ErrNotExist
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Forget did not wait for the lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file went while the lock was held: %v", err)
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the token file is still there: %v", err)
	}
	for _, p := range []string{path, filepath.Join(dir, "nowhere", "token.json")} {
		if removed, err := Forget(ctx, p); removed || err != nil {
			t.Errorf("Forget(%s) again: %v, %v", p, removed, err)
		}
	}
	// A cancelled wait for the lock is an error, and leaves the file.
	os.WriteFile(path, []byte(`{}`), 0o600)
	unlock, _ = lockToken(ctx, path)
	defer unlock()
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if removed, err := Forget(cctx, path); removed || err == nil || !strings.Contains(err.Error(), "waiting for the lock") {
		t.Errorf("Forget under a held lock: %v, %v", removed, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the file went: %v", err)
	}
}

// TestTenantDeviceCodeURL: the device code endpoint of a Tenant's derived
// TokenUrl is the tenant's, beside the token endpoint.
func TestTenantDeviceCodeURL(t *testing.T) {
	c, err := config.Parse("Tenant=contoso.onmicrosoft.com;ClientId=c;RefreshTokenFilePath=/t.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DeviceCodeURL(c.TokenURL)
	if want := "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"; err != nil || got != want {
		t.Errorf("DeviceCodeURL = %q, %v; want %s", got, err, want)
	}
	if tenant := TenantOfURL(c.TokenURL); tenant != "contoso.onmicrosoft.com" {
		t.Errorf("TenantOfURL = %q", tenant)
	}
}
