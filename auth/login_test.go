package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

const adele = "AdeleV@contoso.onmicrosoft.com"

var (
	demoOnce   sync.Once
	demoTenant *fakegraph.Tenant
)

// startFake serves the demo tenant (shared, read-only).
func startFake(t *testing.T, opts ...fakegraph.Option) *fakegraph.Server {
	t.Helper()
	demoOnce.Do(func() { demoTenant = fakegraph.Demo() })
	s := fakegraph.New(demoTenant, opts...)
	t.Cleanup(s.Close)
	return s
}

// tokenLog records the forms posted to the token endpoint.
type tokenLog struct {
	mu    sync.Mutex
	forms []url.Values
}

func (l *tokenLog) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		f, _ := url.ParseQuery(string(b))
		l.mu.Lock()
		l.forms = append(l.forms, f)
		l.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (l *tokenLog) all() []url.Values {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.forms)
}

// browser stands in for the user's browser: it records the URL it is
// asked to open and follows it (and the redirects) with a plain client;
// the fake tenant must auto-approve. The final page is sent on pages.
type browser struct {
	mu    sync.Mutex
	urls  []string
	pages chan string
}

func newBrowser() *browser { return &browser{pages: make(chan string, 1)} }

func (b *browser) open(u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	go func() {
		resp, err := http.Get(u)
		if err != nil {
			b.pages <- "error: " + err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.pages <- string(body)
	}()
	return nil
}

func (b *browser) url(t *testing.T) *url.URL {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.urls) != 1 {
		t.Fatalf("browser opened %d URLs, want 1", len(b.urls))
	}
	u, err := url.Parse(b.urls[0])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (b *browser) page(t *testing.T) string {
	t.Helper()
	select {
	case p := <-b.pages:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("the browser got no page")
		return ""
	}
}

func loginConfig(s *fakegraph.Server, client string, log *tokenLog, dir string) LoginConfig {
	c := LoginConfig{
		AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), ClientID: client,
		Scopes:     []string{"offline_access", "openid", "Mail.Read", "User.Read"},
		ReturnURL:  "http://127.0.0.1:0/callback",
		TokenFile:  filepath.Join(dir, "sub", "token.json"),
		HTTPClient: &http.Client{Transport: log},
	}
	if client == fakegraph.ClientID {
		c.ClientSecret = fakegraph.ClientSecret
	}
	return c
}

// checkTokenFile checks that the file holds tok, with mode 0600.
func checkTokenFile(t *testing.T, path string, tok *oauth2.Token) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	m := readJSON(t, path)
	if m["access_token"] != tok.AccessToken || m["refresh_token"] != tok.RefreshToken || m["token_type"] != "Bearer" || tok.RefreshToken == "" {
		t.Errorf("token file does not hold the token")
	}
	exp, _ := time.Parse(time.RFC3339, m["expiry"].(string))
	if d := time.Until(exp); d < 59*time.Minute || d > time.Hour {
		t.Errorf("token file expiry in %v", d)
	}
	if in := m["expires_in"].(float64); in < 3500 || in > 3600 {
		t.Errorf("expires_in %v", in)
	}
}

func TestLoginCodeLoopback(t *testing.T) {
	tests := []struct {
		name, client, returnURL string
		extra                   url.Values
	}{
		{"confidential client on 127.0.0.1", fakegraph.ClientID, "http://127.0.0.1:0/callback", nil},
		{"public client on localhost", fakegraph.PublicClientID, "http://localhost:0/cb", url.Values{"prompt": {"consent"}, "login_hint": {adele}}},
		{"no port, no path", fakegraph.PublicClientID, "http://localhost", url.Values{"prompt": {"login"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startFake(t)
			s.SetAutoApprove(adele)
			log := &tokenLog{}
			cfg := loginConfig(s, tt.client, log, t.TempDir())
			cfg.ReturnURL, cfg.Extra = tt.returnURL, tt.extra
			b := newBrowser()
			cfg.OpenBrowser = b.open
			var out bytes.Buffer
			cfg.Prompt = &out
			tok, err := LoginCode(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if p := b.page(t); !strings.Contains(p, `<h1 id="result">Signed in. You can close this window and return to the terminal.</h1>`) {
				t.Errorf("browser's last page:\n%s", p)
			}
			checkTokenFile(t, cfg.TokenFile, tok)

			// The authorization request.
			au := b.url(t)
			q := au.Query()
			redirect, _ := url.Parse(q.Get("redirect_uri"))
			ret, _ := url.Parse(tt.returnURL)
			wantPath := ret.Path
			if wantPath == "" {
				wantPath = "/"
			}
			if redirect.Scheme != "http" || redirect.Hostname() != ret.Hostname() || redirect.Port() == "0" || redirect.Port() == "" || redirect.Path != wantPath {
				t.Errorf("redirect_uri %s for ReturnUrl %s", redirect, tt.returnURL)
			}
			want := url.Values{"client_id": {tt.client}, "response_type": {"code"}, "redirect_uri": {redirect.String()},
				"scope": {"offline_access openid Mail.Read User.Read"}, "code_challenge_method": {"S256"},
				"state": q["state"], "code_challenge": q["code_challenge"]}
			for k, v := range tt.extra {
				want[k] = v
			}
			if au.Scheme+"://"+au.Host+au.Path != s.AuthURL() || !reflect.DeepEqual(q, want) {
				t.Errorf("authorize URL %s\nwant query %v", au, want)
			}
			if len(q.Get("state")) < 20 || len(q.Get("code_challenge")) != 43 {
				t.Errorf("state %q, code_challenge %q", q.Get("state"), q.Get("code_challenge"))
			}

			// The token request.
			forms := log.all()
			if len(forms) != 1 {
				t.Fatalf("%d token requests, want 1", len(forms))
			}
			f := forms[0]
			if oauth2.S256ChallengeFromVerifier(f.Get("code_verifier")) != q.Get("code_challenge") {
				t.Error("code_verifier does not match code_challenge")
			}
			wantForm := url.Values{"grant_type": {"authorization_code"}, "client_id": {tt.client}, "redirect_uri": {redirect.String()},
				"scope": {"offline_access openid Mail.Read User.Read"}, "code": f["code"], "code_verifier": f["code_verifier"]}
			if tt.client == fakegraph.ClientID {
				wantForm.Set("client_secret", fakegraph.ClientSecret)
			}
			if !reflect.DeepEqual(f, wantForm) {
				t.Errorf("token request %v\nwant %v", f, wantForm)
			}

			upn, scopes, err := WhoAmI(context.Background(), nil, s.GraphURL(), tok)
			if upn != adele || !slices.Equal(scopes, []string{"openid", "Mail.Read", "User.Read", "offline_access"}) || err != nil {
				t.Errorf("WhoAmI = %s, %v, %v", upn, scopes, err)
			}
			// The driver's source can use the file.
			src, err := newUserSource(UserConfig{TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenFile: cfg.TokenFile})
			if err != nil {
				t.Fatal(err)
			}
			if at, err := src.AccessToken(context.Background()); at != tok.AccessToken || err != nil {
				t.Errorf("source gives %v, want the new access token", err)
			}
			if strings.Contains(out.String(), tok.AccessToken) || strings.Contains(out.String(), tok.RefreshToken) {
				t.Error("prompt shows a token")
			}
		})
	}
}

func TestLoginCodePortInUse(t *testing.T) {
	s := startFake(t)
	s.SetAutoApprove(adele)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	cfg := loginConfig(s, fakegraph.PublicClientID, &tokenLog{}, t.TempDir())
	cfg.ReturnURL = fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	b := newBrowser()
	cfg.OpenBrowser = b.open
	var out bytes.Buffer
	cfg.Prompt = &out
	if _, err := LoginCode(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	redirect, _ := url.Parse(b.url(t).Query().Get("redirect_uri"))
	want := regexp.MustCompile(fmt.Sprintf(`Port %d is in use; listening on port %s instead`, port, redirect.Port()))
	if redirect.Port() == fmt.Sprint(port) || !want.MatchString(out.String()) {
		t.Errorf("redirect_uri %s; prompt:\n%s", redirect, out.String())
	}
}

// interactive drives the fake's consent page like a user: it opens the
// page and presses the button action ("accept" or "cancel"), after first
// sending a forged redirect with a wrong state to the loopback listener.
func interactive(t *testing.T, action string, pages chan<- string) func(string) error {
	return func(u string) error {
		go func() {
			au, _ := url.Parse(u)
			forged, _ := url.Parse(au.Query().Get("redirect_uri"))
			forged.RawQuery = url.Values{"code": {"forged"}, "state": {"other"}}.Encode()
			if resp, err := http.Get(forged.String()); err == nil {
				resp.Body.Close()
				if resp.StatusCode != 400 {
					pages <- fmt.Sprintf("forged redirect: status %d", resp.StatusCode)
					return
				}
			}
			resp, err := http.Get(u)
			if err != nil {
				pages <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := regexp.MustCompile(`name="request" value="([^"]*)"`).FindSubmatch(body)
			if m == nil {
				pages <- "no consent page: " + string(body)
				return
			}
			req := html.UnescapeString(string(m[1]))
			resp, err = http.PostForm(au.Scheme+"://"+au.Host+au.Path, url.Values{"request": {req}, "user": {adele}, "action": {action}})
			if err != nil {
				pages <- err.Error()
				return
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			pages <- string(body)
		}()
		return nil
	}
}

func TestLoginCodeConsentPage(t *testing.T) {
	tests := []struct {
		action, page, err string
	}{
		{"accept", "Signed in. You can close this window and return to the terminal.", ""},
		{"cancel", "Sign-in failed; see the terminal for why. You can close this window.",
			"auth: sign-in failed (access_denied): User declined to consent to access the app. (the sign-in or consent was cancelled)"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			s := startFake(t)
			cfg := loginConfig(s, fakegraph.PublicClientID, &tokenLog{}, t.TempDir())
			pages := make(chan string, 1)
			cfg.OpenBrowser = interactive(t, tt.action, pages)
			var out bytes.Buffer
			cfg.Prompt = &out
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := LoginCode(ctx, cfg)
			if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
				t.Errorf("error %v, want %s", err, tt.err)
			}
			if p := <-pages; !strings.Contains(p, `<h1 id="result">`+tt.page+`</h1>`) {
				t.Errorf("last page:\n%s", p)
			}
			if !strings.Contains(out.String(), "Ignored a request to the ReturnUrl that does not belong to this sign-in (state does not match).") {
				t.Errorf("prompt:\n%s", out.String())
			}
			if _, serr := os.Stat(cfg.TokenFile); (serr == nil) != (tt.err == "") {
				t.Errorf("token file exists: %v", serr == nil)
			}
		})
	}
}

func TestLoginCodeManual(t *testing.T) {
	// paste turns the redirect the browser ended on into what the user pastes.
	tests := []struct {
		name  string
		paste func(redirect *url.URL) string
		err   string
	}{
		{"whole address", func(r *url.URL) string { return "\n  " + r.String() + "  \n" }, ""},
		{"bare code", func(r *url.URL) string { return r.Query().Get("code") + "\n" }, ""},
		{"query only", func(r *url.URL) string { return r.RawQuery }, ""},
		{"wrong state", func(r *url.URL) string {
			q := r.Query()
			q.Set("state", "other")
			r.RawQuery = q.Encode()
			return r.String()
		}, "auth: the pasted address does not belong to this sign-in (its state does not match): sign in again with the address printed above"},
		{"error redirect", func(r *url.URL) string {
			q := url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app.\r\nTrace ID: x"}, "state": {r.Query().Get("state")}}
			r.RawQuery = q.Encode()
			return r.String()
		}, "auth: sign-in failed (access_denied): User declined to consent to access the app. (the sign-in or consent was cancelled)"},
		{"no code", func(r *url.URL) string { r.RawQuery = "state=" + r.Query().Get("state"); return r.String() }, "auth: the pasted address has no code parameter"},
		{"nothing", func(*url.URL) string { return "\n\n" }, "auth: no address or code was pasted"},
		{"words", func(*url.URL) string { return "I do not know\n" }, "auth: what was pasted is neither the address the browser was sent to nor a code"},
		{"tampered code", func(r *url.URL) string { return r.Query().Get("code") + "x" },
			"auth: redeeming the authorization code: refused (invalid_grant, AADSTS9002313): Invalid request. Request is malformed or invalid; run \"outlooksql login\" to sign in again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startFake(t)
			s.SetAutoApprove(adele)
			cfg := loginConfig(s, fakegraph.ClientID, &tokenLog{}, t.TempDir())
			cfg.ReturnURL = fakegraph.NativeClientRedirect
			pr, pw := io.Pipe()
			cfg.Input = pr
			var out bytes.Buffer
			cfg.Prompt = &out
			var code string
			cfg.OpenBrowser = func(u string) error {
				resp, err := noRedirects.Get(u)
				if err != nil {
					return err
				}
				resp.Body.Close()
				loc, _ := url.Parse(resp.Header.Get("Location"))
				code = loc.Query().Get("code")
				go func() { io.WriteString(pw, tt.paste(loc)); pw.Close() }()
				return nil
			}
			tok, err := LoginCode(context.Background(), cfg)
			if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
				t.Fatalf("error %v\n     want %s", err, tt.err)
			}
			if err == nil {
				checkTokenFile(t, cfg.TokenFile, tok)
			} else if _, serr := os.Stat(cfg.TokenFile); serr == nil {
				t.Error("token file written after a failed sign-in")
			}
			wantPrompt := "Sign in to Microsoft in your browser:\n\n  " + s.AuthURL() + "?"
			if !strings.HasPrefix(out.String(), wantPrompt) || !strings.Contains(out.String(), "the browser is sent to "+fakegraph.NativeClientRedirect+"?code=…") {
				t.Errorf("prompt:\n%s", out.String())
			}
			noSecrets(t, err, code, cfg.ClientSecret)
		})
	}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestLoginCodeFailures(t *testing.T) {
	tests := []struct {
		name   string
		change func(*LoginConfig)
		err    string
	}{
		{"wrong secret", func(c *LoginConfig) { c.ClientSecret = "wrong-Secret-Value-1234" },
			"auth: redeeming the authorization code: the token endpoint rejected the app (invalid_client, AADSTS7000215): Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + fakegraph.ClientID + "'; check ClientSecret and ClientId"},
		{"no offline_access", func(c *LoginConfig) { c.Scopes = []string{"Mail.Read", "User.Read"} },
			"auth: the sign-in gave no refresh token, so queries would stop working within the hour: add offline_access to Scope and sign in again (the token file was not written)"},
		{"unknown scope", func(c *LoginConfig) { c.Scopes = []string{"offline_access", "Mail.Reed"} },
			"auth: sign-in failed (invalid_scope): The provided value for the input parameter 'scope' is not valid. The scope 'Mail.Reed' does not exist.; check Scope"},
		{"reserved extra", func(c *LoginConfig) { c.Extra = url.Values{"redirect_uri": {"x"}} },
			"auth: ExtraAttributesForAuthRequest: redirect_uri is set by the sign-in itself; remove it (use Scope, ReturnUrl or ClientId instead)"},
		{"no AuthUrl", func(c *LoginConfig) { c.AuthURL = "" }, "auth: AuthUrl is required to sign in"},
		{"no token file", func(c *LoginConfig) { c.TokenFile = "" }, "auth: RefreshTokenFilePath is required to sign in"},
		{"no scope", func(c *LoginConfig) { c.Scopes = nil }, "auth: Scope is empty: name the permissions to ask for, e.g. offline_access~Mail.Read~User.Read"},
		{"manual without input", func(c *LoginConfig) { c.ReturnURL = fakegraph.NativeClientRedirect },
			"auth: ReturnUrl is not a loopback address and there is no input to paste the code into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startFake(t)
			s.SetAutoApprove(adele)
			cfg := loginConfig(s, fakegraph.ClientID, &tokenLog{}, t.TempDir())
			tt.change(&cfg)
			b := newBrowser()
			cfg.OpenBrowser = b.open
			_, err := LoginCode(context.Background(), cfg)
			if err == nil || err.Error() != tt.err {
				t.Fatalf("error %v\n     want %s", err, tt.err)
			}
			noSecrets(t, err, "wrong-Secret-Value-1234", fakegraph.ClientSecret)
			if cfg.TokenFile != "" {
				if _, serr := os.Stat(cfg.TokenFile); serr == nil {
					t.Error("token file written")
				}
			}
		})
	}
}

func TestLoginCodeCancelled(t *testing.T) {
	s := startFake(t)
	cfg := loginConfig(s, fakegraph.PublicClientID, &tokenLog{}, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cfg.OpenBrowser = func(string) error { cancel(); return errors.New("no browser here") }
	var out bytes.Buffer
	cfg.Prompt = &out
	_, err := LoginCode(ctx, cfg)
	if err == nil || err.Error() != "auth: waiting for the browser to sign in: context canceled" {
		t.Errorf("error %v", err)
	}
	if !strings.Contains(out.String(), "Could not open a browser (no browser here): open the address above yourself.") {
		t.Errorf("prompt:\n%s", out.String())
	}
}

// deviceUser approves, declines or ignores ("approve", "decline", "") the
// device code printed on the prompt, after the client's first poll when
// waitPoll is set.
type deviceUser struct {
	s        *fakegraph.Server
	action   string
	waitPoll bool
	mu       sync.Mutex
	buf      bytes.Buffer
	done     chan error
}

var userCodeRe = regexp.MustCompile(`enter the code ([A-Z0-9]+) to authenticate`)

func (d *deviceUser) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf.Write(p)
	if m := userCodeRe.FindStringSubmatch(d.buf.String()); m != nil && d.done == nil && d.action != "" {
		d.done = make(chan error, 1)
		go func() {
			if d.waitPoll {
				before := d.s.Stats().TokenRequests
				for d.s.Stats().TokenRequests == before {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if d.action == "decline" {
				d.done <- d.s.DeclineDeviceCode(m[1])
			} else {
				d.done <- d.s.ApproveDeviceCode(m[1], adele)
			}
		}()
	}
	return len(p), nil
}

func TestLoginDevice(t *testing.T) {
	tests := []struct {
		name     string
		client   string
		action   string
		waitPoll bool
		lifetime time.Duration
		polls    int
		err      string
	}{
		{"approved", fakegraph.PublicClientID, "approve", false, 0, 1, ""},
		{"approved after a pending poll", fakegraph.ClientID, "approve", true, 0, 2, ""},
		{"declined", fakegraph.PublicClientID, "decline", false, 0, 1, "auth: the sign-in with code {code} was declined"},
		{"expired", fakegraph.PublicClientID, "", false, time.Second, -1, `auth: the code {code} expired before the sign-in was completed: run "outlooksql login --device-code" again`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []fakegraph.Option{fakegraph.WithDeviceCodeInterval(time.Second)}
			if tt.lifetime > 0 {
				opts = append(opts, fakegraph.WithDeviceCodeLifetime(tt.lifetime))
			}
			s := startFake(t, opts...)
			log := &tokenLog{}
			cfg := loginConfig(s, tt.client, log, t.TempDir())
			cfg.AuthURL, cfg.ReturnURL = "", ""
			user := &deviceUser{s: s, action: tt.action, waitPoll: tt.waitPoll}
			cfg.Prompt = user
			tok, err := LoginDevice(context.Background(), cfg)
			m := userCodeRe.FindStringSubmatch(user.buf.String())
			if m == nil {
				t.Fatalf("no code in the prompt %q (error %v)", user.buf.String(), err)
			}
			wantPrompt := "To sign in, use a web browser to open the page " + s.DeviceLoginURL() + " and enter the code " + m[1] + " to authenticate.\n"
			if user.buf.String() != wantPrompt {
				t.Errorf("prompt %q, want %q", user.buf.String(), wantPrompt)
			}
			wantErr := strings.ReplaceAll(tt.err, "{code}", m[1])
			if (err == nil) != (wantErr == "") || (err != nil && err.Error() != wantErr) {
				t.Fatalf("error %v\n     want %s", err, wantErr)
			}
			forms := log.all()
			// Waiting for a pending poll, a loaded machine may let one more
			// poll (or a slow_down) in before the approval lands.
			if tt.polls >= 0 && (len(forms) < 1+tt.polls || !tt.waitPoll && len(forms) != 1+tt.polls) {
				t.Errorf("%d requests, want a device code request and %d polls", len(forms), tt.polls)
			}
			wantDC := url.Values{"client_id": {tt.client}, "scope": {"offline_access openid Mail.Read User.Read"}}
			if !reflect.DeepEqual(forms[0], wantDC) {
				t.Errorf("device code request %v, want %v", forms[0], wantDC)
			}
			if err != nil {
				if _, serr := os.Stat(cfg.TokenFile); serr == nil {
					t.Error("token file written")
				}
				return
			}
			poll := forms[len(forms)-1]
			wantPoll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {tt.client},
				"device_code": poll["device_code"], "scope": {"offline_access openid Mail.Read User.Read"}}
			if tt.client == fakegraph.ClientID {
				wantPoll.Set("client_secret", fakegraph.ClientSecret)
			}
			if !reflect.DeepEqual(poll, wantPoll) || poll.Get("device_code") == "" {
				t.Errorf("poll %v, want %v", poll, wantPoll)
			}
			checkTokenFile(t, cfg.TokenFile, tok)
			if upn, _, err := WhoAmI(context.Background(), nil, s.GraphURL(), tok); upn != adele || err != nil {
				t.Errorf("WhoAmI = %s, %v", upn, err)
			}
		})
	}
}

func TestDeviceCodeURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"https://login.microsoftonline.com/common/oauth2/v2.0/token", "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode", ""},
		{"http://127.0.0.1:8080/contoso/oauth2/v2.0/token?x=1", "http://127.0.0.1:8080/contoso/oauth2/v2.0/devicecode?x=1", ""},
		{"https://login.example/oauth/access_token", "", "auth: TokenUrl does not end in /token, so the device code endpoint cannot be derived from it (want https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token)"},
	}
	for _, tt := range tests {
		got, err := DeviceCodeURL(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("DeviceCodeURL(%s) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestLoginDeviceErrors(t *testing.T) {
	s := startFake(t)
	cfg := loginConfig(s, fakegraph.PublicClientID, &tokenLog{}, t.TempDir())
	cfg.Scopes = []string{"offline_access", "Calendars.Read"}
	_, err := LoginDevice(context.Background(), cfg)
	want := "auth: asking for a device code: consent missing (consent_required, AADSTS90094): The grant requires admin permission.; an administrator must grant the app these permissions, or leave them out of Scope"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\n     want %s", err, want)
	}
}

func TestWhoAmI(t *testing.T) {
	s := startFake(t)
	idToken := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"preferred_username":"`+adele+`"}`)) + "."
	revoked := s.IssueAccessToken(adele)
	s.RevokeUser(adele)
	noUserRead := s.IssueAccessToken(adele, "Mail.Read")
	tests := []struct {
		name string
		tok  *oauth2.Token
		upn  string
		err  string
	}{
		{"/me", &oauth2.Token{AccessToken: s.IssueAccessToken(s.Tenant().Users[1].UserPrincipalName)}, s.Tenant().Users[1].UserPrincipalName, ""},
		{"no User.Read, id_token", (&oauth2.Token{AccessToken: noUserRead}).WithExtra(map[string]any{"id_token": idToken}), adele, ""},
		{"no User.Read", &oauth2.Token{AccessToken: noUserRead}, "",
			"auth: reading " + s.GraphURL() + "/me: 403 Forbidden Authorization_RequestDenied: Insufficient privileges to complete the operation."},
		{"revoked", &oauth2.Token{AccessToken: revoked}, "",
			"auth: reading " + s.GraphURL() + "/me: 401 Unauthorized InvalidAuthenticationToken: Access token has expired or is not yet valid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upn, _, err := WhoAmI(context.Background(), nil, s.GraphURL(), tt.tok)
			if upn != tt.upn || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
				t.Errorf("WhoAmI = %q, %v; want %q, %s", upn, err, tt.upn, tt.err)
			}
			noSecrets(t, err, tt.tok.AccessToken)
		})
	}
}

func TestGrantedScopes(t *testing.T) {
	jwt := "eyJhbGciOiJub25lIn0." + "eyJzY3AiOiJNYWlsLlJlYWQgVXNlci5SZWFkIn0" + ".sig" // {"scp":"Mail.Read User.Read"}
	tests := []struct {
		name string
		tok  *oauth2.Token
		want []string
	}{
		{"scope with Graph prefix", (&oauth2.Token{AccessToken: "x", RefreshToken: "r"}).WithExtra(map[string]any{"scope": "https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read profile"}),
			[]string{"Mail.Read", "User.Read", "profile", "offline_access"}},
		{"offline_access listed", (&oauth2.Token{AccessToken: "x", RefreshToken: "r"}).WithExtra(map[string]any{"scope": "Mail.Read offline_access"}),
			[]string{"Mail.Read", "offline_access"}},
		{"from the scp claim", &oauth2.Token{AccessToken: jwt}, []string{"Mail.Read", "User.Read"}},
		{"nothing known", &oauth2.Token{AccessToken: "opaque"}, nil},
	}
	for _, tt := range tests {
		if got := grantedScopes(tt.tok); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMissingScopes(t *testing.T) {
	bodies := "message bodies (body, body_preview, unique_body) and the attachments table"
	settings := "the message_rules, master_categories and mailbox_settings tables"
	tests := []struct {
		granted []string
		want    []Need
	}{
		{[]string{"offline_access", "Mail.Read", "Mail.Read.Shared", "User.ReadBasic.All", "MailboxSettings.Read"}, nil},
		{[]string{"OFFLINE_ACCESS", "mail.readwrite.shared", "user.read.all", "mailboxsettings.readwrite"}, nil},
		{[]string{"offline_access", "Mail.Read", "Mail.Read.Shared", "User.ReadBasic.All"}, []Need{
			{"MailboxSettings.Read", settings},
		}},
		{[]string{"offline_access", "Mail.ReadBasic", "User.Read", "MailboxSettings.Read"}, []Need{
			{"Mail.Read", bodies},
			{"Mail.Read.Shared", "other users' mailboxes (user_id other than me)"},
			{"User.ReadBasic.All", "the users table"},
		}},
		{[]string{"offline_access", "Mail.Read", "User.ReadBasic.All", "MailboxSettings.Read"}, []Need{
			{"Mail.Read.Shared", "other users' mailboxes (user_id other than me)"},
		}},
		{[]string{"Mail.ReadBasic.Shared", "User.ReadBasic.All", "MailboxSettings.Read"}, []Need{
			{"Mail.Read", bodies},
			{"offline_access", "a refresh token, so that queries keep working after the first hour"},
		}},
		{[]string{"User.Read"}, []Need{
			{"Mail.Read", "the messages, mail_folders, attachments and outbox tables; " + bodies},
			{"Mail.Read.Shared", "other users' mailboxes (user_id other than me)"},
			{"User.ReadBasic.All", "the users table"},
			{"MailboxSettings.Read", settings},
			{"offline_access", "a refresh token, so that queries keep working after the first hour"},
		}},
	}
	for _, tt := range tests {
		if got := MissingScopes(tt.granted); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MissingScopes(%v) = %v\nwant %v", tt.granted, got, tt.want)
		}
	}
	if s := (Need{"Mail.Read", "x"}).String(); s != "Mail.Read: x" {
		t.Errorf("String() = %q", s)
	}
}
