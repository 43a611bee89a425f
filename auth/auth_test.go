package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const secret = "s3cr3t-Value~xyz"

// endpoint is a token endpoint that rotates refresh tokens and, unlike
// Entra, invalidates a refresh token once used, so stale use shows.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	live     map[string]bool // refresh tokens that still work
	issued   map[string]bool // access tokens handed out
	n        int
	latest   string
	forms    []url.Values
	stale    int // refreshes with a used or unknown refresh token
	failWith *failure
	lifetime int // expires_in of the access tokens issued; 0 means 3599
}

type failure struct {
	status int
	body   string
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{live: map[string]bool{"rt-0": true}, issued: map[string]bool{}, latest: "rt-0"}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.Close)
	return e
}

func entra(w http.ResponseWriter, status int, errCode string, code int, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"error":             errCode,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 0000-trace\r\nCorrelation ID: 1111-corr\r\nTimestamp: 2026-01-02 03:04:05Z", code, desc),
		"error_codes":       []int{code},
		"trace_id":          "0000-trace",
		"correlation_id":    "1111-corr",
	})
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.forms = append(e.forms, r.PostForm)
	if f := e.failWith; f != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	if r.PostForm.Get("client_id") != "cid" || r.PostForm.Get("client_secret") != secret {
		entra(w, 401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'cid'.")
		return
	}
	e.n++
	at := fmt.Sprintf("at-%d", e.n)
	life := 3599
	if e.lifetime != 0 {
		life = e.lifetime
	}
	resp := map[string]any{"token_type": "Bearer", "expires_in": life, "access_token": at}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !e.live[rt] {
			e.stale++
			entra(w, 400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.")
			return
		}
		delete(e.live, rt)
		e.latest = fmt.Sprintf("rt-%d", e.n)
		e.live[e.latest] = true
		resp["refresh_token"] = e.latest
	case "client_credentials":
		resp["access_token"] = "app-" + at
		at = "app-" + at
	default:
		entra(w, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
		return
	}
	e.issued[at] = true
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (e *endpoint) calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.forms)
}

// writeFile writes a token file with the given access token, refresh token
// and expiry.
func writeFile(t *testing.T, at, rt string, expiry time.Time) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token.json")
	if err := (TokenFile{path}).Save(&oauth2.Token{AccessToken: at, RefreshToken: rt, TokenType: "Bearer", Expiry: expiry}); err != nil {
		t.Fatal(err)
	}
	return path
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func userConfig(e *endpoint, path string) UserConfig {
	return UserConfig{TokenURL: e.URL + "/tenant/oauth2/v2.0/token", ClientID: "cid", ClientSecret: secret,
		Scopes: []string{"offline_access", "Mail.Read"}, TokenFile: path, HTTPClient: e.Client()}
}

// noSecrets fails if err's text holds a secret or token.
func noSecrets(t *testing.T, err error, tokens ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(tokens, secret) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains secret %q", err, s)
		}
	}
	for _, s := range []string{"Trace ID", "Correlation ID", "0000-trace"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}

func TestTokenFileSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	if err := os.WriteFile(path, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Round(time.Second)
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", TokenType: "Bearer", Expiry: exp}
	if err := (TokenFile{path}).Save(tok); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", st.Mode(), err)
	}
	m := readJSON(t, path)
	if in := m["expires_in"].(float64); in < 3595 || in > 3600 {
		t.Errorf("expires_in = %v", in)
	}
	delete(m, "expires_in")
	want := map[string]any{"access_token": "at", "refresh_token": "rt", "token_type": "Bearer", "expiry": exp.UTC().Format(time.RFC3339)}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("file = %v, want %v", m, want)
	}
	got, err := TokenFile{path}.Load()
	if err != nil || got.AccessToken != "at" || got.RefreshToken != "rt" || got.TokenType != "Bearer" || !got.Expiry.Equal(exp) {
		t.Errorf("Load = %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the token file", len(entries))
	}
}

func TestTokenFileLoad(t *testing.T) {
	mtime := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name    string
		content string // "" for no file
		want    *oauth2.Token
		err     string
	}{
		{"connector format, expiry from mtime", `{"access_token": "a", "refresh_token": "r", "expires_in": 3600}`,
			&oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: mtime.Add(time.Hour)}, ""},
		{"absolute expiry wins", `{"access_token": "a", "refresh_token": "r", "expires_in": 3600, "expiry": "2030-01-01T00:00:00Z", "token_type": "Bearer"}`,
			&oauth2.Token{AccessToken: "a", RefreshToken: "r", TokenType: "Bearer", Expiry: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"no expiry at all counts as expired", `{"refresh_token": "r"}`,
			&oauth2.Token{RefreshToken: "r", Expiry: time.Unix(1, 0)}, ""},
		{"missing", "", nil,
			`auth: RefreshTokenFilePath {path} does not exist: run "outlooksql login" to sign in and create it`},
		{"not JSON", `refresh_token=r-secret-value`, nil,
			`auth: RefreshTokenFilePath {path} is not a token file: want JSON {"access_token": …, "refresh_token": …, "expires_in": …} (at byte 1); run "outlooksql login" to recreate it`},
		{"wrong type", `{"refresh_token": 12}`, nil,
			`auth: RefreshTokenFilePath {path} is not a token file: want JSON {"access_token": …, "refresh_token": …, "expires_in": …} (field "refresh_token" has the wrong type); run "outlooksql login" to recreate it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token.json")
			if tt.content != "" {
				os.WriteFile(path, []byte(tt.content), 0o600)
				os.Chtimes(path, mtime, mtime)
			}
			got, err := TokenFile{path}.Load()
			if want := strings.ReplaceAll(tt.err, "{path}", path); (err == nil) != (want == "") || (err != nil && err.Error() != want) {
				t.Fatalf("error = %v\n        want %s", err, want)
			}
			if tt.want != nil && (got.AccessToken != tt.want.AccessToken || got.RefreshToken != tt.want.RefreshToken ||
				got.TokenType != tt.want.TokenType || !got.Expiry.Equal(tt.want.Expiry)) {
				t.Errorf("Load = %+v, want %+v", got, tt.want)
			}
			noSecrets(t, err, "r-secret-value")
		})
	}
}

func TestUserRefreshAndRotation(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Minute))
	s, err := newUserSource(userConfig(e, path))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		reject string // Reject this before asking
		token  string
		calls  int
		rt     string // refresh token in the file afterwards
	}{
		{"", "at-1", 1, "rt-1"},     // expired: refresh
		{"", "at-1", 1, "rt-1"},     // valid: no refresh
		{"at-0", "at-1", 1, "rt-1"}, // rejecting an old token changes nothing
		{"at-1", "at-2", 2, "rt-2"}, // rejected: refresh
		{"", "at-2", 2, "rt-2"},
	}
	for i, st := range steps {
		if st.reject != "" {
			s.Reject(st.reject)
		}
		tok, err := s.AccessToken(ctx)
		if err != nil || tok != st.token || e.calls() != st.calls {
			t.Fatalf("step %d: AccessToken = %q, %v after %d calls; want %q after %d", i, tok, err, e.calls(), st.token, st.calls)
		}
		m := readJSON(t, path)
		if m["refresh_token"] != st.rt || m["access_token"] != st.token || m["token_type"] != "Bearer" {
			t.Errorf("step %d: file = %v", i, m)
		}
		exp, _ := time.Parse(time.RFC3339, m["expiry"].(string))
		if d := time.Until(exp); d < 59*time.Minute || d > time.Hour {
			t.Errorf("step %d: expiry in %v", i, d)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("step %d: mode %v", i, st.Mode())
		}
	}
	want := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-0"}, "client_id": {"cid"}, "client_secret": {secret}}
	if !reflect.DeepEqual(e.forms[0], want) {
		t.Errorf("refresh request = %v, want %v", e.forms[0], want)
	}
}

func TestUserValidTokenNotRefreshed(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-file", "rt-0", time.Now().Add(30*time.Minute))
	s, err := newUserSource(userConfig(e, path))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if tok, err := s.AccessToken(context.Background()); tok != "at-file" || err != nil {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
	}
	if e.calls() != 0 {
		t.Errorf("%d refreshes of a valid token", e.calls())
	}
}

func TestUserAdoptsTokenRotatedElsewhere(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(30*time.Minute))
	s, err := newUserSource(userConfig(e, path))
	if err != nil {
		t.Fatal(err)
	}
	// Another process refreshed and wrote a newer token.
	(TokenFile{path}).Save(&oauth2.Token{AccessToken: "at-other", RefreshToken: "rt-other", Expiry: time.Now().Add(time.Hour)})
	s.Reject("at-0")
	if tok, err := s.AccessToken(context.Background()); tok != "at-other" || err != nil {
		t.Fatalf("AccessToken = %q, %v; want the other process's token", tok, err)
	}
	if e.calls() != 0 {
		t.Errorf("refreshed %d times instead of reading the file", e.calls())
	}
}

func TestUserTokenEndpointErrors(t *testing.T) {
	desc := func(code int, text string) string {
		b, _ := json.Marshal(map[string]any{
			"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 0000-trace\r\nCorrelation ID: 1111-corr\r\nTimestamp: 2026-01-02 03:04:05Z", code, text),
			"error_codes":       []int{code},
			"trace_id":          "0000-trace",
		})
		return string(b)
	}
	with := func(errCode, body string) string {
		return `{"error":"` + errCode + `",` + body[1:]
	}
	tests := []struct {
		name string
		fail failure
		err  string
	}{
		{"inactive refresh token", failure{400, with("invalid_grant", desc(700082, "The refresh token has expired due to inactivity."))},
			`auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login" to sign in again`},
		{"revoked", failure{400, with("invalid_grant", desc(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed."))},
			`auth: sign-in expired or revoked (AADSTS50173): run "outlooksql login" to sign in again`},
		{"consent missing", failure{400, with("invalid_grant", desc(65001, "The user or administrator has not consented to use the application with ID 'cid'."))},
			`auth: refreshing the access token: refused (invalid_grant, AADSTS65001): The user or administrator has not consented to use the application with ID 'cid'; run "outlooksql login" to sign in again`},
		{"bad secret echoed", failure{401, with("invalid_client", desc(7000215, "Invalid client secret provided: '"+secret+"'."))},
			`auth: refreshing the access token: the token endpoint rejected the app (invalid_client, AADSTS7000215): Invalid client secret provided: '[redacted]'; check ClientSecret and ClientId`},
		{"no codes", failure{503, `{"error":"temporarily_unavailable","error_description":"Try again later. rt-0"}`},
			`auth: refreshing the access token: temporarily_unavailable: Try again later. [redacted]`},
		{"not JSON", failure{502, "<html>Bad Gateway</html>\nmore"},
			`auth: refreshing the access token: the token endpoint {url} answered 502 Bad Gateway: <html>Bad Gateway</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t)
			e.failWith = &tt.fail
			path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
			s, err := newUserSource(userConfig(e, path))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.AccessToken(context.Background())
			want := strings.ReplaceAll(tt.err, "{url}", e.URL+"/tenant/oauth2/v2.0/token")
			if tok != "" || err == nil || err.Error() != want {
				t.Errorf("AccessToken = %q, %v\n                 want %s", tok, err, want)
			}
			noSecrets(t, err, "rt-0", "at-0")
			if m := readJSON(t, path); m["refresh_token"] != "rt-0" {
				t.Errorf("file changed: %v", m)
			}
		})
	}
}

func TestUserNetworkError(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	cfg := userConfig(e, path)
	e.Close()
	s, err := newUserSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AccessToken(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "auth: refreshing the access token at "+cfg.TokenURL+": ") {
		t.Errorf("error = %v", err)
	}
	noSecrets(t, err, "rt-0")
}

func TestStaleRefreshTokenIsDetected(t *testing.T) {
	// Guards the concurrency test: the endpoint refuses a used refresh token.
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	s, _ := newUserSource(userConfig(e, path))
	if _, err := s.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	(TokenFile{path}).Save(&oauth2.Token{RefreshToken: "rt-0", Expiry: time.Unix(1, 0)})
	s.Reject("at-1")
	_, err := s.AccessToken(context.Background())
	want := `auth: sign-in expired or revoked (AADSTS70008): run "outlooksql login" to sign in again`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestSeparateSourcesShareOneFile(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	const workers, rounds = 8, 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for range workers {
		s, err := newUserSource(userConfig(e, path)) // as if in separate processes
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			prev := ""
			for range rounds {
				tok, err := s.AccessToken(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if tok == prev {
					t.Errorf("rejected token %q returned again", tok)
				}
				prev = tok
				mu.Lock()
				got = append(got, tok)
				mu.Unlock()
				s.Reject(tok)
			}
		})
	}
	wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stale != 0 {
		t.Errorf("%d refreshes used a stale refresh token", e.stale)
	}
	if len(got) != workers*rounds {
		t.Errorf("got %d tokens, want %d", len(got), workers*rounds)
	}
	for _, tok := range got {
		if !e.issued[tok] {
			t.Errorf("token %q was never issued", tok)
		}
	}
	if m := readJSON(t, path); m["refresh_token"] != e.latest || !e.live[e.latest] || len(e.live) != 1 {
		t.Errorf("file refresh token %v, endpoint's newest %s (live %v)", m["refresh_token"], e.latest, e.live)
	}
	if e.n < rounds || e.n > workers*rounds {
		t.Errorf("%d refreshes", e.n)
	}
}

func TestSaveFailureKeepsRotatedToken(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	s, _ := newUserSource(userConfig(e, path))
	rename = func(string, string) error { return errors.New("disk full") }
	_, err := s.AccessToken(context.Background())
	rename = os.Rename
	want := "auth: saving RefreshTokenFilePath " + path + ": disk full (the renewed token is kept in memory and written on the next attempt)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\n        want %s", err, want)
	}
	if m := readJSON(t, path); m["refresh_token"] != "rt-0" {
		t.Fatalf("file = %v", m)
	}
	// rt-0 is spent at the endpoint: only the kept rt-1 can go on.
	tok, err := s.AccessToken(context.Background())
	if tok != "at-1" || err != nil || e.calls() != 1 {
		t.Errorf("AccessToken = %q, %v after %d calls; want at-1 from memory", tok, err, e.calls())
	}
	if m := readJSON(t, path); m["refresh_token"] != "rt-1" || m["access_token"] != "at-1" {
		t.Errorf("file = %v, want rt-1 written back", m)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", en.Name())
		}
	}
}

func TestCancelWhileLocked(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	unlock, err := lockFile(context.Background(), path+".lock") // another process refreshing
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	s, _ := newUserSource(userConfig(e, path))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.AccessToken(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("error = %v after %v", err, time.Since(start))
	}
	if e.calls() != 0 {
		t.Error("refreshed without the lock")
	}
}

func TestUserCredentialsPerProcess(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(time.Hour))
	cfg := userConfig(e, path)
	a, err := UserCredentials(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(path))
	rel := cfg
	rel.TokenFile = "./sub/../token.json"
	b, err := UserCredentials(rel)
	if err != nil || a != b {
		t.Errorf("same file, same config: %p vs %p, %v", a, b, err)
	}
	other := cfg
	other.ClientID, other.ClientSecret = "cid2", "another-secret"
	_, err = UserCredentials(other)
	want := "auth: RefreshTokenFilePath " + path + " is already in use in this process with a different ClientId, ClientSecret; use one token file per app registration"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\n        want %s", err, want)
	}
	noSecrets(t, err, "another-secret")
}

func TestUserCredentialsConfigErrors(t *testing.T) {
	e := newEndpoint(t)
	dir := t.TempDir()
	noRT := filepath.Join(dir, "nort.json")
	os.WriteFile(noRT, []byte(`{"access_token":"a","expires_in":10}`), 0o600)
	tests := []struct {
		name string
		edit func(*UserConfig)
		err  string
	}{
		{"no file key", func(c *UserConfig) { c.TokenFile = "" }, "auth: RefreshTokenFilePath is required with AuthType=UserCredentials"},
		{"missing file", func(c *UserConfig) { c.TokenFile = filepath.Join(dir, "none.json") },
			`auth: RefreshTokenFilePath ` + filepath.Join(dir, "none.json") + ` does not exist: run "outlooksql login" to sign in and create it`},
		{"no refresh token", func(c *UserConfig) { c.TokenFile = noRT },
			`auth: RefreshTokenFilePath ` + noRT + ` has no refresh_token (was offline_access in Scope?): run "outlooksql login" to sign in again`},
		{"no token url", func(c *UserConfig) { c.TokenURL = ""; c.TokenFile = filepath.Join(dir, "x.json") }, "auth: TokenUrl is required with AuthType=UserCredentials"},
		{"no client id", func(c *UserConfig) { c.ClientID = ""; c.TokenFile = filepath.Join(dir, "y.json") }, "auth: ClientId is required with AuthType=UserCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := userConfig(e, "")
			tt.edit(&cfg)
			s, err := UserCredentials(cfg)
			if s != nil || err == nil || err.Error() != tt.err {
				t.Errorf("UserCredentials = %v, %v\n                     want %s", s, err, tt.err)
			}
			noSecrets(t, err)
		})
	}
}

func TestApplicationCredentials(t *testing.T) {
	e := newEndpoint(t)
	cfg := AppConfig{TokenURL: e.URL + "/tenant/oauth2/v2.0/token", ClientID: "cid", ClientSecret: secret, HTTPClient: e.Client()}
	s := ApplicationCredentials(cfg)
	ctx := context.Background()
	for i, want := range []struct {
		reject, token string
		calls         int
	}{{"", "app-at-1", 1}, {"", "app-at-1", 1}, {"app-at-1", "app-at-2", 2}} {
		if want.reject != "" {
			s.Reject(want.reject)
		}
		tok, err := s.AccessToken(ctx)
		if tok != want.token || err != nil || e.calls() != want.calls {
			t.Errorf("step %d: %q, %v after %d calls; want %q after %d", i, tok, err, e.calls(), want.token, want.calls)
		}
	}
	wantForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {secret}, "scope": {"https://graph.microsoft.com/.default"}}
	if !reflect.DeepEqual(e.forms[0], wantForm) {
		t.Errorf("request = %v, want %v", e.forms[0], wantForm)
	}

	bad := cfg
	bad.ClientSecret = "wrong-secret"
	_, err := ApplicationCredentials(bad).AccessToken(ctx)
	want := `auth: getting an app-only access token: the token endpoint rejected the app (invalid_client, AADSTS7000215): Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'cid'; check ClientSecret and ClientId`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\n        want %s", err, want)
	}
	noSecrets(t, err, "wrong-secret")

	missing := cfg
	missing.ClientSecret = ""
	_, err = ApplicationCredentials(missing).AccessToken(ctx)
	if err == nil || err.Error() != "auth: ClientSecret is required with AuthType=ApplicationCredentials" {
		t.Errorf("error = %v", err)
	}
}
