package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/redact"
	"github.com/outlooksql/outlooksql/internal/redirect"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// LoginConfig configures an interactive sign-in that creates or renews the
// token file (RefreshTokenFilePath). The string fields are the connection
// string's keys of the same names.
type LoginConfig struct {
	AuthURL      string // AuthUrl: the authorization endpoint; LoginCode only
	TokenURL     string // TokenUrl; LoginDevice derives the device code endpoint from it
	ClientID     string
	ClientSecret string // "" for a public client
	Scopes       []string
	// ReturnURL is the redirect URI (LoginCode only). A loopback http URL
	// (http://localhost:PORT/…, http://127.0.0.1:PORT/…) is listened on;
	// any other is shown to the user, who pastes back where it led.
	ReturnURL string
	Extra     url.Values // ExtraAttributesForAuthRequest, added to the authorization request
	TokenFile string     // RefreshTokenFilePath: written when the sign-in succeeds
	// HTTPClient sends the token requests; nil: http.DefaultClient.
	// Redirects are never followed.
	HTTPClient *http.Client
	// OpenBrowser opens the authorization URL in the user's browser; nil
	// only prints it. An error is reported and the URL printed.
	OpenBrowser func(url string) error
	// Prompt receives the instructions for the user; nil discards them.
	Prompt io.Writer
	// Input is where the user pastes the redirected address or the code
	// when ReturnURL is not a loopback URL.
	Input io.Reader
}

// reservedAuthParams are set by LoginCode; ExtraAttributesForAuthRequest
// may not change them.
var reservedAuthParams = []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "code_challenge", "code_challenge_method"}

// check reports the first missing setting, by its connection-string key.
func (c *LoginConfig) check(code bool) error {
	need := [][2]string{{"TokenUrl", c.TokenURL}, {"ClientId", c.ClientID}, {"RefreshTokenFilePath", c.TokenFile}}
	if code {
		need = append(need, [2]string{"AuthUrl", c.AuthURL}, [2]string{"ReturnUrl", c.ReturnURL})
	}
	for _, kv := range need {
		if kv[1] == "" {
			return fmt.Errorf("auth: %s is required to sign in", kv[0])
		}
	}
	if len(c.Scopes) == 0 {
		return errors.New("auth: Scope is empty: name the permissions to ask for, e.g. offline_access~Mail.Read~User.Read")
	}
	for k := range c.Extra {
		if slices.Contains(reservedAuthParams, strings.ToLower(k)) {
			return fmt.Errorf("auth: ExtraAttributesForAuthRequest: %s is set by the sign-in itself; remove it (use Scope, ReturnUrl or ClientId instead)", k)
		}
	}
	return nil
}

func (c *LoginConfig) prompt() io.Writer {
	if c.Prompt == nil {
		return io.Discard
	}
	return c.Prompt
}

func (c *LoginConfig) context(ctx context.Context) context.Context {
	return withClient(ctx, c.HTTPClient)
}

func (c *LoginConfig) oauth2Config(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  redirect,
		Scopes:       c.Scopes,
	}
}

// LoginCode signs the user in with the authorization code flow with PKCE
// and state, and writes the token file. With a loopback ReturnURL it listens
// there, opens the browser (or prints the URL), receives the redirect,
// shows a page saying the window can be closed, and redeems the code. Entra
// ignores the port of loopback redirect URIs (RFC 8252 §7.3), so when the
// port is taken, or is 0 or missing, another free port is used. With any
// other ReturnURL (e.g. Entra's …/oauth2/nativeclient page) it prints the
// URL and reads from Input the address the browser ended on, or the bare
// code.
func LoginCode(ctx context.Context, cfg LoginConfig) (*oauth2.Token, error) {
	if err := cfg.check(true); err != nil {
		return nil, err
	}
	ru, err := url.Parse(cfg.ReturnURL)
	if err != nil || !ru.IsAbs() {
		return nil, errors.New("auth: ReturnUrl is not an absolute URL")
	}
	if err := makeDir(cfg.TokenFile); err != nil {
		return nil, err
	}
	out := &lockedWriter{w: cfg.prompt()} // the listener writes to it too
	state := randomString(24)
	verifier := oauth2.GenerateVerifier()

	redirect := cfg.ReturnURL
	var cb *loopback
	if isLoopback(ru) {
		if cb, err = listenLoopback(ru, state, out); err != nil {
			return nil, err
		}
		defer cb.close()
		redirect = cb.redirect
	}
	conf := cfg.oauth2Config(redirect)
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for _, k := range sortedKeys(cfg.Extra) {
		opts = append(opts, oauth2.SetAuthURLParam(k, cfg.Extra.Get(k)))
	}
	authURL := conf.AuthCodeURL(state, opts...)

	fmt.Fprintf(out, "Sign in to Microsoft in your browser:\n\n  %s\n\n", authURL)
	if cfg.OpenBrowser != nil {
		if err := cfg.OpenBrowser(authURL); err != nil {
			fmt.Fprintf(out, "Could not open a browser (%v): open the address above yourself.\n", err)
		}
	} else if cb != nil {
		fmt.Fprintf(out, "Open it in a browser on this machine: the sign-in ends at %s. From another machine, use %q.\n", redirect, loginCommand+" --device-code")
	}
	var code string
	finish := func(error) {}
	if cb != nil {
		fmt.Fprintln(out, "Waiting for the browser to come back… (Ctrl-C to give up)")
		code, finish, err = cb.wait(ctx)
	} else {
		code, err = readCode(ctx, cfg.Input, out, cfg.ReturnURL, state)
	}
	if err != nil {
		return nil, err
	}
	tok, err := conf.Exchange(cfg.context(ctx), code, oauth2.VerifierOption(verifier),
		oauth2.SetAuthURLParam("scope", strings.Join(cfg.Scopes, " ")))
	if err != nil {
		err = loginError(err, "redeeming the authorization code", cfg.TokenURL, cfg.ClientSecret, code, verifier)
	} else {
		err = saveLogin(ctx, cfg.TokenFile, tok)
	}
	finish(err)
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// LoginDevice signs the user in with the device code flow, for machines
// without a browser: it asks the device code endpoint (TokenURL with
// /token replaced by /devicecode) for a code, tells the user where to
// enter it, polls the token endpoint until the sign-in is done, and writes
// the token file.
func LoginDevice(ctx context.Context, cfg LoginConfig) (*oauth2.Token, error) {
	if err := cfg.check(false); err != nil {
		return nil, err
	}
	deviceURL, err := DeviceCodeURL(cfg.TokenURL)
	if err != nil {
		return nil, err
	}
	if err := makeDir(cfg.TokenFile); err != nil {
		return nil, err
	}
	conf := cfg.oauth2Config("")
	conf.Endpoint.DeviceAuthURL = deviceURL
	hctx := cfg.context(ctx)
	da, err := conf.DeviceAuth(hctx)
	if err != nil {
		return nil, loginError(err, "asking for a device code", deviceURL, cfg.ClientSecret)
	}
	fmt.Fprintf(cfg.prompt(), "To sign in, use a web browser to open the page %s and enter the code %s to authenticate.\n", da.VerificationURI, da.UserCode)
	tok, err := conf.DeviceAccessToken(hctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("auth: waiting for the sign-in with code %s: %w", da.UserCode, ctx.Err())
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &re) && re.ErrorCode == "expired_token":
			return nil, fmt.Errorf("auth: the code %s expired before the sign-in was completed: run %q again", da.UserCode, loginCommand+" --device-code")
		case errors.As(err, &re) && (re.ErrorCode == "authorization_declined" || re.ErrorCode == "access_denied"):
			return nil, fmt.Errorf("auth: the sign-in with code %s was declined", da.UserCode)
		}
		return nil, loginError(err, "waiting for the device code sign-in", cfg.TokenURL, cfg.ClientSecret, da.DeviceCode)
	}
	if err := saveLogin(ctx, cfg.TokenFile, tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loginError is tokenError, except that a permission needing an
// administrator's consent gets advice a new sign-in cannot give.
func loginError(err error, doing, tokenURL string, secrets ...string) error {
	var re *oauth2.RetrieveError
	var e entraError
	if errors.As(err, &re) && json.Unmarshal(re.Body, &e) == nil &&
		(e.Error == "consent_required" || len(e.Codes) > 0 && (e.Codes[0] == 90094 || e.Codes[0] == 65001)) {
		code := e.Error
		if len(e.Codes) > 0 {
			code += fmt.Sprintf(", AADSTS%d", e.Codes[0])
		}
		return fmt.Errorf("auth: %s: consent missing (%s): %s; an administrator must grant the app these permissions, or leave them out of Scope", doing, code, redact.String(describe(e.Description), secrets...))
	}
	return tokenError(err, doing, tokenURL, secrets...)
}

// DeviceCodeURL derives Entra's device code endpoint from the token
// endpoint: …/oauth2/v2.0/token becomes …/oauth2/v2.0/devicecode.
func DeviceCodeURL(tokenURL string) (string, error) {
	u, err := url.Parse(tokenURL)
	if err != nil || !strings.HasSuffix(u.Path, "/token") {
		return "", fmt.Errorf("auth: TokenUrl does not end in /token, so the device code endpoint cannot be derived from it (want https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token)")
	}
	u.Path = strings.TrimSuffix(u.Path, "/token") + "/devicecode"
	u.RawPath = ""
	return u.String(), nil
}

// saveLogin writes a new sign-in's token to the token file, under the
// lock that refreshing processes take.
func saveLogin(ctx context.Context, path string, tok *oauth2.Token) error {
	if tok.RefreshToken == "" {
		return errors.New("auth: the sign-in gave no refresh token, so queries would stop working within the hour: add offline_access to Scope and sign in again (the token file was not written)")
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(defaultLifetime)
	}
	f := TokenFile{Path: path}
	real, err := f.RealPath()
	if err != nil {
		return err
	}
	unlock, err := lockToken(ctx, real)
	if err != nil {
		return err
	}
	defer unlock()
	return f.Save(tok)
}

// makeDir creates the token file's directory (0700) if it is missing, so
// that a sign-in does not fail only at its end.
func makeDir(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("auth: creating the directory of RefreshTokenFilePath: %w", err)
	}
	return nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sortedKeys(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// isLoopback reports whether u is an http URL on this machine, where
// LoginCode can listen.
func isLoopback(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// loopback receives the authorization response on a loopback address.
type loopback struct {
	redirect string // the redirect URI, with the port listened on
	srv      *http.Server
	got      chan url.Values
	reply    chan error
}

// listenLoopback listens where u points: its host (localhost on both
// 127.0.0.1 and ::1) and port, or a free port when that one is taken or 0.
func listenLoopback(u *url.URL, state string, out io.Writer) (*loopback, error) {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "0"
	}
	primary := host
	if host == "localhost" {
		primary = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(primary, port))
	if err != nil && port != "0" {
		ln, err = net.Listen("tcp", net.JoinHostPort(primary, "0"))
		if err == nil {
			fmt.Fprintf(out, "Port %s is in use; listening on port %d instead (Entra accepts any port for a loopback ReturnUrl).\n", port, ln.Addr().(*net.TCPAddr).Port)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("auth: listening on ReturnUrl's address %s: %w", net.JoinHostPort(primary, port), err)
	}
	actual := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	lns := []net.Listener{ln}
	if host == "localhost" {
		// Browsers may resolve localhost to ::1 first.
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", actual)); err == nil {
			lns = append(lns, ln6)
		}
	}
	r := *u
	r.Host = net.JoinHostPort(host, actual)
	path := u.Path
	if path == "" {
		path = "/"
		r.Path = "/"
	}
	cb := &loopback{redirect: r.String(), got: make(chan url.Values, 1), reply: make(chan error, 1)}
	handled := make(chan struct{}, 1)
	cb.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != path {
			http.NotFound(w, req)
			return
		}
		q := req.URL.Query()
		if q.Get("state") != state {
			// Not the answer to our request (a stale tab, or a forgery):
			// ignore it and keep waiting.
			fmt.Fprintln(out, "Ignored a request to the ReturnUrl that does not belong to this sign-in (state does not match).")
			resultPage(w, http.StatusBadRequest, "This response does not belong to the sign-in in progress. Start the sign-in again from the terminal.")
			return
		}
		select {
		case handled <- struct{}{}:
		default:
			resultPage(w, http.StatusOK, "This sign-in was already handled. You can close this window.")
			return
		}
		cb.got <- q
		err := <-cb.reply
		if err != nil {
			resultPage(w, http.StatusOK, "Sign-in failed; see the terminal for why. You can close this window.")
			return
		}
		resultPage(w, http.StatusOK, "Signed in. You can close this window and return to the terminal.")
	})}
	for _, l := range lns {
		go cb.srv.Serve(l)
	}
	return cb, nil
}

// wait returns the authorization code, and finish, which shows the outcome
// in the browser.
func (cb *loopback) wait(ctx context.Context) (code string, finish func(error), err error) {
	var q url.Values
	select {
	case q = <-cb.got:
	case <-ctx.Done():
		return "", nil, fmt.Errorf("auth: waiting for the browser to sign in: %w", ctx.Err())
	}
	finish = func(err error) { cb.reply <- err }
	if err := redirectError(q); err != nil {
		finish(err)
		return "", nil, err
	}
	if code = q.Get("code"); code == "" {
		err := errors.New("auth: the redirect to ReturnUrl carried no code")
		finish(err)
		return "", nil, err
	}
	return code, finish, nil
}

// close stops listening once the result page has been sent.
func (cb *loopback) close() {
	select { // a redirect that arrived after wait gave up
	case cb.reply <- errors.New("the sign-in was abandoned"):
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cb.srv.Shutdown(ctx)
}

// redirectError turns an error redirect (?error=…&error_description=…)
// into an error.
func redirectError(q url.Values) error {
	e := q.Get("error")
	if e == "" {
		return nil
	}
	msg := fmt.Sprintf("auth: sign-in failed (%s)", e)
	if d := describe(q.Get("error_description")); d != "" {
		msg += ": " + d
	}
	switch e {
	case "access_denied":
		msg += " (the sign-in or consent was cancelled)"
	case "invalid_client", "unauthorized_client":
		msg += "; check ClientId and AuthUrl"
	case "invalid_scope", "invalid_resource":
		msg += "; check Scope"
	}
	return errors.New(msg)
}

var resultTemplate = template.Must(template.New("result").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>outlooksql</title>
<style>body{font-family:sans-serif;max-width:30em;margin:3em auto}</style></head>
<body><h1 id="result">{{.}}</h1></body></html>
`))

func resultPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	resultTemplate.Execute(w, msg)
}

// readCode asks the user to paste the address the browser was sent to (or
// just the code), and checks its state.
func readCode(ctx context.Context, in io.Reader, out io.Writer, returnURL, state string) (string, error) {
	if in == nil {
		return "", errors.New("auth: ReturnUrl is not a loopback address and there is no input to paste the code into")
	}
	fmt.Fprintf(out, "After you sign in, the browser is sent to %s?code=…\n(the page may be blank). Paste that whole address, or just the code, and press Enter:\n", returnURL)
	type line struct {
		s   string
		err error
	}
	lines := make(chan line, 1)
	go func() {
		r := bufio.NewReader(in)
		for {
			s, err := r.ReadString('\n')
			if s = strings.TrimSpace(s); s != "" || err != nil {
				lines <- line{s, err}
				return
			}
		}
	}()
	var l line
	select {
	case l = <-lines:
	case <-ctx.Done():
		return "", fmt.Errorf("auth: waiting for the pasted address: %w", ctx.Err())
	}
	if l.s == "" {
		if l.err != nil && l.err != io.EOF {
			return "", fmt.Errorf("auth: reading the pasted address: %w", l.err)
		}
		return "", errors.New("auth: no address or code was pasted")
	}
	if !strings.ContainsAny(l.s, "?#=") {
		if strings.ContainsAny(l.s, " \t") {
			return "", errors.New("auth: what was pasted is neither the address the browser was sent to nor a code")
		}
		return l.s, nil // the bare code
	}
	u, err := url.Parse(l.s)
	if err != nil {
		return "", errors.New("auth: the pasted address is not a URL: paste the whole address from the browser's address bar")
	}
	q := u.Query()
	switch {
	case !strings.ContainsAny(l.s, "?#"):
		q, _ = url.ParseQuery(l.s) // only the query: code=…&state=…
	case !q.Has("code") && !q.Has("error") && u.Fragment != "":
		q, _ = url.ParseQuery(u.Fragment)
	}
	if q.Get("state") != state {
		return "", errors.New("auth: the pasted address does not belong to this sign-in (its state does not match): sign in again with the address printed above")
	}
	if err := redirectError(q); err != nil {
		return "", err
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("auth: the pasted address has no code parameter")
	}
	return code, nil
}

// WhoAmI reads /me under baseURL (the Graph root, e.g.
// https://graph.microsoft.com/v1.0) with tok and returns the signed-in
// user's userPrincipalName and the permissions tok was granted: the token
// response's "scope" (or, without one, the access token's scp claim), plus
// offline_access when there is a refresh token. When /me cannot be read
// (it needs User.Read), the user is the preferred_username of the token
// response's id_token (sent when openid was asked for), if any. client nil
// means http.DefaultClient; redirects are never followed.
func WhoAmI(ctx context.Context, client *http.Client, baseURL string, tok *oauth2.Token) (upn string, scopes []string, err error) {
	upn, err = readMe(ctx, client, baseURL, tok)
	if err != nil {
		var id struct {
			Name string `json:"preferred_username"`
		}
		idt, _ := tok.Extra("id_token").(string)
		if jwtClaims(idt, &id) != nil || id.Name == "" {
			return "", grantedScopes(tok), err
		}
		upn = id.Name
	}
	return upn, grantedScopes(tok), nil
}

func readMe(ctx context.Context, client *http.Client, baseURL string, tok *oauth2.Token) (string, error) {
	client = redirect.Refuse(client)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/me?$select=userPrincipalName", nil)
	if err != nil {
		return "", fmt.Errorf("auth: reading /me: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if r := (*redirect.Error)(nil); errors.As(err, &r) {
		return "", fmt.Errorf("auth: reading %s/me: %w", redact.URL(baseURL), r)
	}
	if err != nil {
		return "", fmt.Errorf("auth: reading /me: %s", redact.String(err.Error(), tok.AccessToken))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("auth: reading /me: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var ge struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &ge)
		if ge.Error.Code == "" {
			return "", fmt.Errorf("auth: reading %s/me: %s", baseURL, resp.Status)
		}
		return "", fmt.Errorf("auth: reading %s/me: %s %s: %s", redact.URL(baseURL), resp.Status, ge.Error.Code, redact.String(ge.Error.Message, tok.AccessToken))
	}
	var me struct {
		UPN string `json:"userPrincipalName"`
	}
	if err := json.Unmarshal(body, &me); err != nil || me.UPN == "" {
		return "", fmt.Errorf("auth: reading %s/me: the answer has no userPrincipalName", baseURL)
	}
	return me.UPN, nil
}

// graphPrefix is how Entra may spell Graph's permissions in "scope".
const graphPrefix = "https://graph.microsoft.com/"

// grantedScopes lists what tok was granted (see WhoAmI).
func grantedScopes(tok *oauth2.Token) []string {
	s, _ := tok.Extra("scope").(string)
	if s == "" {
		s = scpClaim(tok.AccessToken)
	}
	var out []string
	for _, f := range strings.Fields(s) {
		if len(f) > len(graphPrefix) && strings.EqualFold(f[:len(graphPrefix)], graphPrefix) {
			f = f[len(graphPrefix):]
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if tok.RefreshToken != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, "offline_access") }) {
		out = append(out, "offline_access")
	}
	return out
}

// scpClaim reads the scp claim of a JWT access token; "" when the token
// is not a JWT.
func scpClaim(at string) string {
	var c struct {
		Scp string `json:"scp"`
	}
	jwtClaims(at, &c)
	return c.Scp
}

// jwtClaims decodes a JWT's claims into v without checking the signature:
// they only inform the user.
func jwtClaims(jwt string, v any) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Need is a permission the tables need and was not granted.
type Need struct {
	Scope string // the least permission that would do, e.g. "Mail.Read"
	For   string // what needs it
}

func (n Need) String() string { return n.Scope + ": " + n.For }

// refreshNeed is what the tables need besides their own permissions.
var refreshNeed = tables.Permission{Scope: "offline_access", Any: []string{"offline_access"},
	For: "a refresh token, so that queries keep working after the first hour"}

// MissingScopes names the permissions the tables need (each table declares
// its own, see tables.Permissions) and offline_access for refreshing that
// granted lacks, compared without regard to case. A permission is named
// once, for everything it is missing for.
func MissingScopes(granted []string) []Need {
	has := func(any []string) bool {
		return slices.ContainsFunc(granted, func(g string) bool {
			return slices.ContainsFunc(any, func(a string) bool { return strings.EqualFold(a, g) })
		})
	}
	var out []Need
	for _, n := range append(tables.Permissions(), refreshNeed) {
		if has(n.Any) {
			continue
		}
		if i := slices.IndexFunc(out, func(o Need) bool { return o.Scope == n.Scope }); i >= 0 {
			out[i].For += "; " + n.For
			continue
		}
		out = append(out, Need{Scope: n.Scope, For: n.For})
	}
	return out
}
