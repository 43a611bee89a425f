// Package auth provides OAuth 2.0 access tokens for Microsoft Graph: the
// delegated refresh-token flow backed by the RefreshTokenFilePath token file,
// and the client-credentials (app-only) flow. Sources wrap
// golang.org/x/oauth2 and add what Graph and the connection string need: the
// token file, a cross-process lock around rotation, Entra's error codes, and
// Reject for tokens Graph refused. The sources implement the token interface
// internal/graph defines (AccessToken and Reject); auth names no interface of
// its own.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/outlooksql/outlooksql/internal/lru"
	"github.com/outlooksql/outlooksql/internal/redirect"
)

// earlyExpiry is how long before its expiry a token is renewed, so that it
// does not run out during a request.
const earlyExpiry = time.Minute

// margin is how long before its expiry a token that lives lifetime is
// renewed: earlyExpiry, or half the lifetime when that is shorter. A token
// that lives less than earlyExpiry is then still used for half its life,
// instead of being renewed (and the token file synced) for every request.
func margin(lifetime time.Duration) time.Duration {
	return max(0, min(earlyExpiry, lifetime/2))
}

// defaultLifetime is assumed when the token endpoint gives no expires_in.
const defaultLifetime = time.Hour

// usable reports whether t can be sent now, renewing margin before its
// expiry.
func usable(t *oauth2.Token, rejected string, now time.Time, margin time.Duration) bool {
	return t != nil && t.AccessToken != "" && t.AccessToken != rejected &&
		!t.Expiry.IsZero() && now.Add(margin).Before(t.Expiry)
}

// UserConfig configures the delegated refresh-token flow.
type UserConfig struct {
	TokenURL     string // connection-string TokenUrl
	ClientID     string
	ClientSecret string // "" for a public client
	// Scopes are the connection string's Scope. They are not sent when
	// refreshing: Entra then grants what was consented at sign-in, which
	// avoids AADSTS65001 when that was less than the Scope list.
	Scopes     []string
	TokenFile  string       // RefreshTokenFilePath
	HTTPClient *http.Client // nil: http.DefaultClient; redirects are never followed
}

// MaxTokenFiles bounds the refresh-token sources a process keeps (one per
// token file, see UserCredentials). Past it the least recently asked-for
// one is dropped: connections holding it keep using it, and the lock file
// still serializes its refreshes with a new source's for the same file.
const MaxTokenFiles = 64

var (
	usersMu sync.Mutex
	users   = lru.New[string, *UserSource](MaxTokenFiles) // by the token file's RealPath
)

// UserCredentials returns the refresh-token source for cfg.TokenFile, which
// must exist (see TokenFile). There is one source per token file per
// process, shared by every connection and safe for concurrent use; asking
// again with the same config returns it, with a different one is an error.
func UserCredentials(cfg UserConfig) (*UserSource, error) {
	if cfg.TokenFile == "" {
		return nil, errors.New("auth: RefreshTokenFilePath is required with AuthType=UserCredentials")
	}
	path, err := filepath.Abs(cfg.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("auth: RefreshTokenFilePath: %w", err)
	}
	cfg.TokenFile = filepath.Clean(path)
	// One source per file, whatever path (a link, a linked folder) reaches it.
	key, err := TokenFile{Path: cfg.TokenFile}.RealPath()
	if err != nil {
		return nil, err
	}
	usersMu.Lock()
	defer usersMu.Unlock()
	if s, ok := users.Get(key); ok {
		if diff := configDiff(s.cfg, cfg); diff != "" {
			return nil, fmt.Errorf("auth: RefreshTokenFilePath %s is already in use in this process with a different %s; use one token file per app registration", cfg.TokenFile, diff)
		}
		return s, nil
	}
	s, err := newUserSource(cfg)
	if err != nil {
		return nil, err
	}
	users.Add(key, s)
	return s, nil
}

// configDiff names the keys in which a and b differ, never their values.
func configDiff(a, b UserConfig) string {
	var d []string
	if a.TokenURL != b.TokenURL {
		d = append(d, "TokenUrl")
	}
	if a.ClientID != b.ClientID {
		d = append(d, "ClientId")
	}
	if a.ClientSecret != b.ClientSecret {
		d = append(d, "ClientSecret")
	}
	if !slices.Equal(a.Scopes, b.Scopes) {
		d = append(d, "Scope")
	}
	return strings.Join(d, ", ")
}

// UserSource gives delegated access tokens (internal/graph's Tokens),
// refreshed from a token file. Within the process, one refresh
// runs at a time (refreshing); across processes, the lock file next to the
// token file serializes refresh and write-back.
type UserSource struct {
	cfg        UserConfig
	conf       *oauth2.Config
	file       TokenFile
	refreshing chan struct{}

	mu          sync.Mutex
	tok         *oauth2.Token
	margin      time.Duration // renew tok this long before it expires
	rejected    string
	unsaved     *held  // a rotated token whose write-back failed
	unsavedFrom string // the refresh token it was obtained with
}

// newUserSource builds a source without the per-process cache (tests use it
// to act as separate processes).
func newUserSource(cfg UserConfig) (*UserSource, error) {
	if cfg.TokenURL == "" {
		return nil, errors.New("auth: TokenUrl is required with AuthType=UserCredentials")
	}
	if cfg.ClientID == "" {
		return nil, errors.New("auth: ClientId is required with AuthType=UserCredentials")
	}
	s := &UserSource{
		cfg: cfg,
		conf: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:       cfg.Scopes,
		},
		file:       TokenFile{Path: cfg.TokenFile},
		refreshing: make(chan struct{}, 1),
	}
	t, written, err := s.file.load()
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		return nil, noRefreshToken(s.file.Path)
	}
	s.tok, s.margin = t, margin(t.Expiry.Sub(written))
	return s, nil
}

func noRefreshToken(path string) error {
	return fmt.Errorf("auth: RefreshTokenFilePath %s has no refresh_token (was offline_access in Scope?): run %q to sign in again", path, loginCommand)
}

// AccessToken returns the current access token, or refreshes it.
func (s *UserSource) AccessToken(ctx context.Context) (string, error) {
	if t := s.current(); t != "" {
		return t, nil
	}
	select {
	case s.refreshing <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("auth: waiting for a token refresh: %w", ctx.Err())
	}
	defer func() { <-s.refreshing }()
	if t := s.current(); t != "" { // refreshed while we waited
		return t, nil
	}
	return s.renew(ctx)
}

// Reject marks token as refused; a later AccessToken renews it.
func (s *UserSource) Reject(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = token
}

func (s *UserSource) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if usable(s.tok, s.rejected, time.Now(), s.margin) {
		return s.tok.AccessToken
	}
	return ""
}

// renew runs under the lock file: it re-reads the token file, uses a token
// another process already renewed, and otherwise refreshes with the newest
// refresh token and writes the rotated one back before returning it.
func (s *UserSource) renew(ctx context.Context) (string, error) {
	real, err := s.file.RealPath()
	if err != nil {
		return "", err
	}
	unlock, err := lockToken(ctx, real)
	if err != nil {
		return "", err
	}
	defer unlock()
	ft, written, err := s.file.load()
	if err != nil {
		return "", err
	}
	fmargin := margin(ft.Expiry.Sub(written))
	s.mu.Lock()
	rejected, unsaved, from := s.rejected, s.unsaved, s.unsavedFrom
	s.mu.Unlock()
	if unsaved != nil {
		s.setUnsaved(nil, "")
		if ft.RefreshToken == from {
			// Nobody rotated since our write-back failed: ours is newest.
			if err := s.file.Save(unsaved.tok); err != nil {
				s.setUnsaved(unsaved, from)
				return "", err
			}
			ft, fmargin = unsaved.tok, unsaved.margin
		}
	}
	if usable(ft, rejected, time.Now(), fmargin) {
		s.setToken(ft, fmargin)
		return ft.AccessToken, nil
	}
	if ft.RefreshToken == "" {
		return "", noRefreshToken(s.file.Path)
	}
	// Never spend a refresh token whose successor could not be stored.
	if err := s.file.Writable(); err != nil {
		return "", err
	}
	sent := time.Now()
	nt, err := s.conf.TokenSource(withClient(ctx, s.cfg.HTTPClient), &oauth2.Token{RefreshToken: ft.RefreshToken}).Token()
	if err != nil {
		return "", tokenError(err, "refreshing the access token", s.cfg.TokenURL, s.cfg.ClientSecret, ft.RefreshToken, ft.AccessToken)
	}
	if nt.Expiry.IsZero() {
		nt.Expiry = time.Now().Add(defaultLifetime)
	}
	nt = keepScope(nt, ft)
	nm := margin(nt.Expiry.Sub(sent))
	if err := s.file.Save(nt); err != nil {
		// Keep the rotated token: the next call writes it back first.
		s.setUnsaved(&held{nt, nm}, ft.RefreshToken)
		return "", fmt.Errorf("%w (the renewed token is kept in memory and written on the next attempt)", err)
	}
	s.setToken(nt, nm)
	return nt.AccessToken, nil
}

func (s *UserSource) setToken(t *oauth2.Token, margin time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.margin = t, margin
}

// held is a token with its renewal margin.
type held struct {
	tok    *oauth2.Token
	margin time.Duration
}

func (s *UserSource) setUnsaved(t *held, from string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsaved, s.unsavedFrom = t, from
}

// withClient gives oauth2 c (nil: one like http.DefaultClient), made to
// refuse redirects: a 307 from the token endpoint would otherwise POST the
// client secret and the refresh token to wherever it points.
func withClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, redirect.Refuse(c))
}

// AppConfig configures the client-credentials (app-only) flow.
type AppConfig struct {
	TokenURL     string // must name a tenant, not /common
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client // nil: http.DefaultClient; redirects are never followed
}

// graphDefaultScope is the only scope client credentials accept for Graph.
const graphDefaultScope = "https://graph.microsoft.com/.default"

// ApplicationCredentials returns a client-credentials source with scope
// https://graph.microsoft.com/.default. It keeps the token until it expires
// or is rejected; missing settings are reported by AccessToken.
func ApplicationCredentials(cfg AppConfig) *AppSource {
	return &AppSource{
		cfg: cfg,
		conf: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			Scopes:       []string{graphDefaultScope},
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		fetching: make(chan struct{}, 1),
	}
}

// AppSource gives app-only access tokens (internal/graph's Tokens) from the
// client credentials grant.
type AppSource struct {
	cfg      AppConfig
	conf     *clientcredentials.Config
	fetching chan struct{}

	mu       sync.Mutex
	tok      *oauth2.Token
	margin   time.Duration // renew tok this long before it expires
	rejected string
}

// AccessToken returns the cached token or fetches a new one.
func (s *AppSource) AccessToken(ctx context.Context) (string, error) {
	if t := s.current(); t != "" {
		return t, nil
	}
	for _, kv := range [][2]string{{"TokenUrl", s.cfg.TokenURL}, {"ClientId", s.cfg.ClientID}, {"ClientSecret", s.cfg.ClientSecret}} {
		if kv[1] == "" {
			return "", fmt.Errorf("auth: %s is required with AuthType=ApplicationCredentials", kv[0])
		}
	}
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("auth: waiting for a token: %w", ctx.Err())
	}
	defer func() { <-s.fetching }()
	if t := s.current(); t != "" {
		return t, nil
	}
	sent := time.Now()
	t, err := s.conf.Token(withClient(ctx, s.cfg.HTTPClient))
	if err != nil {
		return "", tokenError(err, "getting an app-only access token", s.cfg.TokenURL, s.cfg.ClientSecret)
	}
	if t.Expiry.IsZero() {
		t.Expiry = time.Now().Add(defaultLifetime)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.margin = t, margin(t.Expiry.Sub(sent))
	return t.AccessToken, nil
}

// Reject marks token as refused; a later AccessToken fetches a new one.
func (s *AppSource) Reject(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = token
}

func (s *AppSource) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if usable(s.tok, s.rejected, time.Now(), s.margin) {
		return s.tok.AccessToken
	}
	return ""
}
