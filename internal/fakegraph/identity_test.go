package fakegraph

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const loopback = "http://127.0.0.1:53111/callback"

// noFollow is a client that returns redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type page struct {
	status   int
	location *url.URL
	body     string
}

func fetch(t *testing.T, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(b)}
	if loc := resp.Header.Get("Location"); loc != "" {
		p.location, _ = url.Parse(loc)
	}
	return p
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-abc"

// authorizeQuery is a valid request of client; extra are name, value pairs
// that replace (or, with value "", delete) parameters.
func authorizeQuery(client string, extra ...string) url.Values {
	q := url.Values{"client_id": {client}, "response_type": {"code"}, "redirect_uri": {loopback},
		"scope": {"offline_access openid Mail.Read https://graph.microsoft.com/User.Read"}, "state": {"st-1"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

// codeFrom checks that p redirects to loopback with state and returns the code.
func codeFrom(t *testing.T, p page) string {
	t.Helper()
	if p.status != http.StatusFound || p.location == nil {
		t.Fatalf("authorize: status %d, want a redirect: %s", p.status, p.body)
	}
	q := p.location.Query()
	base := *p.location
	base.RawQuery = ""
	if base.String() != loopback || q.Get("state") != "st-1" || q.Get("code") == "" || len(q) != 2 {
		t.Fatalf("redirect to %s, want %s?code=…&state=st-1", p.location, loopback)
	}
	return q.Get("code")
}

func redeemForm(client, code string, extra ...string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code},
		"redirect_uri": {loopback}, "code_verifier": {verifier}}
	if client == ClientID {
		f.Set("client_secret", ClientSecret)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			f.Del(extra[i])
		} else {
			f.Set(extra[i], extra[i+1])
		}
	}
	return f
}

func meUPN(t *testing.T, s *Server, at string) string {
	t.Helper()
	r := get(t, s, at, "/me")
	if r.status != 200 {
		t.Fatalf("/me: %d %s", r.status, r.body)
	}
	return r.json["userPrincipalName"].(string)
}

func TestAuthorizationCodeFlow(t *testing.T) {
	for _, client := range []string{ClientID, PublicClientID} {
		t.Run(client, func(t *testing.T) {
			s, _ := startDemo(t)
			s.SetAutoApprove(adele)
			code := codeFrom(t, fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(client).Encode(), nil))
			r := postToken(t, s.TokenURL(), redeemForm(client, code), "", "")
			if r.status != 200 {
				t.Fatalf("redeem: %d %v", r.status, r.body)
			}
			if r.body["scope"] != "openid Mail.Read User.Read" || r.body["token_type"] != "Bearer" || r.body["expires_in"] != 3599.0 {
				t.Errorf("token response %v", r.body)
			}
			for _, k := range []string{"access_token", "refresh_token", "id_token"} {
				if v, _ := r.body[k].(string); v == "" {
					t.Errorf("no %s", k)
				}
			}
			if got := meUPN(t, s, r.body["access_token"].(string)); got != adele {
				t.Errorf("/me = %s", got)
			}
			// The refresh token carries the granted scopes only.
			rr := postToken(t, s.TokenURL(), redeemForm(client, "", "grant_type", "refresh_token", "code", "", "redirect_uri", "", "code_verifier", "",
				"refresh_token", r.body["refresh_token"].(string)), "", "")
			if rr.status != 200 || rr.body["scope"] != "openid Mail.Read User.Read" {
				t.Errorf("refresh: %d %v", rr.status, rr.body)
			}
			again := postToken(t, s.TokenURL(), redeemForm(client, code), "", "")
			if again.status != 400 || again.body["error"] != "invalid_grant" || again.aadsts() != 54005 {
				t.Errorf("second redemption: %d %v", again.status, again.body)
			}
		})
	}
}

func TestAuthorizationCodeWithoutOfflineAccess(t *testing.T) {
	s, _ := startDemo(t)
	s.SetAutoApprove(adele)
	code := codeFrom(t, fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID, "scope", "Mail.ReadBasic").Encode(), nil))
	r := postToken(t, s.TokenURL(), redeemForm(PublicClientID, code), "", "")
	if r.status != 200 || r.body["scope"] != "Mail.ReadBasic" || r.body["refresh_token"] != nil || r.body["id_token"] != nil {
		t.Errorf("token response %d %v", r.status, r.body)
	}
}

func TestConsentPage(t *testing.T) {
	s, _ := startDemo(t)
	other := s.Tenant().Users[1].UserPrincipalName
	q := authorizeQuery(ClientID, "login_hint", strings.ToUpper(other), "prompt", "consent")
	p := fetch(t, "GET", s.AuthURL()+"?"+q.Encode(), nil)
	if p.status != 200 {
		t.Fatalf("page: %d %s", p.status, p.body)
	}
	for _, want := range []string{`<button id="consent" name="action" value="accept"`, `<button id="cancel"`, `<select id="user" name="user">`,
		`<option value="` + adele + `">`, `<option value="` + other + `" selected>`, `<li>Mail.Read</li>`, `<li>User.Read</li>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %s:\n%s", want, p.body)
		}
	}
	req := regexp.MustCompile(`name="request" value="([^"]*)"`).FindStringSubmatch(p.body)
	if req == nil {
		t.Fatal("no request field")
	}
	request := html.UnescapeString(req[1])

	accept := fetch(t, "POST", s.AuthURL(), url.Values{"request": {request}, "user": {other}, "action": {"accept"}})
	r := postToken(t, s.TokenURL(), redeemForm(ClientID, codeFrom(t, accept)), "", "")
	if r.status != 200 {
		t.Fatalf("redeem: %v", r.body)
	}
	if got := meUPN(t, s, r.body["access_token"].(string)); got != other {
		t.Errorf("signed in as %s, want %s", got, other)
	}

	cancel := fetch(t, "POST", s.AuthURL(), url.Values{"request": {request}, "user": {other}, "action": {"cancel"}})
	want := url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app."}, "state": {"st-1"}}
	if cancel.status != 302 || !reflect.DeepEqual(cancel.location.Query(), want) {
		t.Errorf("cancel: %d %v, want %v", cancel.status, cancel.location, want)
	}
}

func TestResponseModes(t *testing.T) {
	s, _ := startDemo(t)
	s.SetAutoApprove(adele)
	frag := fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID, "response_mode", "fragment").Encode(), nil)
	if f, _ := url.ParseQuery(frag.location.Fragment); frag.status != 302 || f.Get("code") == "" || f.Get("state") != "st-1" {
		t.Errorf("fragment: %d %v", frag.status, frag.location)
	}
	post := fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID, "response_mode", "form_post").Encode(), nil)
	if post.status != 200 || !strings.Contains(post.body, `<form method="post" action="`+loopback+`">`) || !strings.Contains(post.body, `name="state" value="st-1"`) {
		t.Errorf("form_post: %d %s", post.status, post.body)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	s, _ := startDemo(t)
	tests := []struct {
		name  string
		query url.Values
		page  int    // AADSTS code of an error page; 0 for a redirect
		err   string // the redirect's error
		code  string // the redirect's AADSTS code
	}{
		{"no client", authorizeQuery("", "client_id", ""), 900144, "", ""},
		{"unknown client", authorizeQuery("00000000-0000-0000-0000-00000000000f"), 700016, "", ""},
		{"no redirect", authorizeQuery(ClientID, "redirect_uri", ""), 900144, "", ""},
		{"unregistered redirect", authorizeQuery(ClientID, "redirect_uri", "https://evil.example/cb"), 50011, "", ""},
		{"https loopback", authorizeQuery(ClientID, "redirect_uri", "https://localhost:8080/cb"), 50011, "", ""},
		{"admin-only scope", authorizeQuery(ClientID, "scope", "Mail.Read User.Read.All"), 90094, "", ""},
		{"token response", authorizeQuery(ClientID, "response_type", "token"), 0, "unsupported_response_type", "700054"},
		{"no response type", authorizeQuery(ClientID, "response_type", ""), 0, "invalid_request", "900144"},
		{"no scope", authorizeQuery(ClientID, "scope", ""), 0, "invalid_request", "900144"},
		{"unknown scope", authorizeQuery(ClientID, "scope", "Mail.Reed"), 0, "invalid_scope", "70011"},
		{"other resource", authorizeQuery(ClientID, "scope", "api://other/read"), 0, "invalid_resource", "500011"},
		{"bad challenge method", authorizeQuery(ClientID, "code_challenge_method", "S512"), 0, "invalid_request", "5000811"},
		{"bad prompt", authorizeQuery(ClientID, "prompt", "always"), 0, "invalid_request", "90023"},
		{"prompt none without a session", authorizeQuery(ClientID, "prompt", "none"), 0, "login_required", "50058"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, "GET", s.AuthURL()+"?"+tt.query.Encode(), nil)
			if tt.page != 0 {
				want := regexp.MustCompile(`<p id="error">AADSTS` + strconv.Itoa(tt.page) + `: `)
				if p.status != 400 || p.location != nil || !want.MatchString(p.body) {
					t.Errorf("got %d %v %s, want an error page AADSTS%d", p.status, p.location, p.body, tt.page)
				}
				return
			}
			if p.status != 302 {
				t.Fatalf("status %d, want a redirect: %s", p.status, p.body)
			}
			q := p.location.Query()
			if q.Get("error") != tt.err || !strings.HasPrefix(q.Get("error_description"), "AADSTS"+tt.code+": ") || q.Get("state") != "st-1" || q.Has("code") {
				t.Errorf("redirect %v, want error=%s AADSTS%s", q, tt.err, tt.code)
			}
		})
	}
}

func TestRedeemErrors(t *testing.T) {
	tests := []struct {
		name   string
		auth   []string // authorizeQuery changes
		redeem []string // redeemForm changes
		client string
		status int
		err    string
		code   float64
	}{
		{"wrong verifier", nil, []string{"code_verifier", verifier + "x"}, PublicClientID, 400, "invalid_grant", 501481},
		{"no verifier", nil, []string{"code_verifier", ""}, PublicClientID, 400, "invalid_request", 900144},
		{"plain challenge", []string{"code_challenge", verifier, "code_challenge_method", "plain"}, nil, PublicClientID, 200, "", 0},
		{"challenge without method is plain", []string{"code_challenge", verifier, "code_challenge_method", ""}, nil, PublicClientID, 200, "", 0},
		{"plain challenge, S256 verifier", []string{"code_challenge", challenge(verifier), "code_challenge_method", "plain"}, nil, PublicClientID, 400, "invalid_grant", 501481},
		{"no PKCE", []string{"code_challenge", "", "code_challenge_method", ""}, []string{"code_verifier", ""}, PublicClientID, 200, "", 0},
		{"redirect differs", nil, []string{"redirect_uri", "http://127.0.0.1:53112/callback"}, PublicClientID, 400, "invalid_grant", 500112},
		{"no redirect", nil, []string{"redirect_uri", ""}, PublicClientID, 400, "invalid_request", 900144},
		{"other client", nil, []string{"client_id", ClientID, "client_secret", ClientSecret}, PublicClientID, 400, "invalid_grant", 70000},
		{"unknown code", nil, []string{"code", "0.AQnot-a-code"}, PublicClientID, 400, "invalid_grant", 9002313},
		{"confidential without secret", nil, []string{"client_secret", ""}, ClientID, 401, "invalid_client", 7000218},
		{"public with secret", nil, []string{"client_secret", "x"}, PublicClientID, 401, "invalid_client", 700025},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startDemo(t)
			s.SetAutoApprove(adele)
			code := codeFrom(t, fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(tt.client, tt.auth...).Encode(), nil))
			r := postToken(t, s.TokenURL(), redeemForm(tt.client, code, tt.redeem...), "", "")
			if r.status != tt.status || (tt.err != "" && (r.body["error"] != tt.err || r.aadsts() != tt.code)) {
				t.Errorf("got %d %v, want %d %s AADSTS%v", r.status, r.body, tt.status, tt.err, tt.code)
			}
		})
	}
}

func TestAuthCodeExpires(t *testing.T) {
	s, _ := startDemo(t)
	s.SetAutoApprove(adele)
	s.mu.Lock()
	s.idpDefaults().codeLifetime = -time.Second
	s.mu.Unlock()
	code := codeFrom(t, fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID).Encode(), nil))
	r := postToken(t, s.TokenURL(), redeemForm(PublicClientID, code), "", "")
	if r.status != 400 || r.body["error"] != "invalid_grant" || r.aadsts() != 70008 {
		t.Errorf("expired code: %d %v", r.status, r.body)
	}
}

func TestSetAutoApproveAllowsPromptNone(t *testing.T) {
	s, _ := startDemo(t)
	s.SetAutoApprove(adele)
	codeFrom(t, fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID, "prompt", "none").Encode(), nil))
	s.SetAutoApprove("")
	if p := fetch(t, "GET", s.AuthURL()+"?"+authorizeQuery(PublicClientID).Encode(), nil); p.status != 200 {
		t.Errorf("after SetAutoApprove(\"\"): %d, want the page", p.status)
	}
}

func deviceCodeFor(t *testing.T, s *Server, client, scope string) tokenResp {
	t.Helper()
	return postToken(t, strings.Replace(s.TokenURL(), "/token", "/devicecode", 1), url.Values{"client_id": {client}, "scope": {scope}}, "", "")
}

func poll(t *testing.T, s *Server, client, dc string) tokenResp {
	t.Helper()
	f := url.Values{"grant_type": {deviceCodeGrant}, "client_id": {client}, "device_code": {dc}}
	if client == ClientID {
		f.Set("client_secret", ClientSecret)
	}
	return postToken(t, s.TokenURL(), f, "", "")
}

func wantTokenError(t *testing.T, step string, r tokenResp, err string, code float64) {
	t.Helper()
	if r.status != 400 || r.body["error"] != err || r.aadsts() != code {
		t.Fatalf("%s: %d %v, want %s AADSTS%v", step, r.status, r.body, err, code)
	}
}

func TestDeviceCodeFlow(t *testing.T) {
	s, _ := startDemo(t, WithDeviceCodeInterval(200*time.Millisecond))
	d := deviceCodeFor(t, s, PublicClientID, "offline_access Mail.Read User.Read")
	if d.status != 200 {
		t.Fatalf("devicecode: %d %v", d.status, d.body)
	}
	uc, _ := d.body["user_code"].(string)
	dc, _ := d.body["device_code"].(string)
	wantMsg := "To sign in, use a web browser to open the page " + s.DeviceLoginURL() + " and enter the code " + uc + " to authenticate."
	if !regexp.MustCompile(`^[A-Z2-9]{9}$`).MatchString(uc) || dc == "" || d.body["verification_uri"] != s.DeviceLoginURL() ||
		d.body["expires_in"] != 900.0 || d.body["interval"] != 1.0 || d.body["message"] != wantMsg {
		t.Fatalf("devicecode response %v", d.body)
	}
	wantTokenError(t, "first poll", poll(t, s, PublicClientID, dc), "authorization_pending", 70016)
	wantTokenError(t, "poll at once", poll(t, s, PublicClientID, dc), "slow_down", 70016)
	time.Sleep(200 * time.Millisecond)
	wantTokenError(t, "poll after the interval", poll(t, s, PublicClientID, dc), "authorization_pending", 70016)
	if err := s.ApproveDeviceCode(strings.ToLower(uc), "nobody@contoso.onmicrosoft.com"); err == nil {
		t.Error("approved for an unknown user")
	}
	if err := s.ApproveDeviceCode(strings.ToLower(uc), adele); err != nil {
		t.Fatal(err)
	}
	if err := s.DeclineDeviceCode(uc); err == nil {
		t.Error("declined an approved code")
	}
	time.Sleep(200 * time.Millisecond)
	r := poll(t, s, PublicClientID, dc)
	if r.status != 200 || r.body["scope"] != "Mail.Read User.Read" || r.body["refresh_token"] == nil {
		t.Fatalf("approved poll: %d %v", r.status, r.body)
	}
	if got := meUPN(t, s, r.body["access_token"].(string)); got != adele {
		t.Errorf("/me = %s", got)
	}
	time.Sleep(200 * time.Millisecond)
	wantTokenError(t, "poll after redemption", poll(t, s, PublicClientID, dc), "bad_verification_code", 70000)
}

func TestDeviceCodeErrors(t *testing.T) {
	s, _ := startDemo(t, WithDeviceCodeInterval(100*time.Millisecond), WithDeviceCodeLifetime(300*time.Millisecond))
	wantTokenError(t, "no scope", deviceCodeFor(t, s, PublicClientID, ""), "invalid_request", 900144)
	wantTokenError(t, "bad scope", deviceCodeFor(t, s, PublicClientID, "Mail.Reed"), "invalid_scope", 70011)
	wantTokenError(t, "unknown client", deviceCodeFor(t, s, "00000000-0000-0000-0000-00000000000f", "Mail.Read"), "unauthorized_client", 700016)

	declined := deviceCodeFor(t, s, ClientID, "Mail.Read").body
	if err := s.DeclineDeviceCode(declined["user_code"].(string)); err != nil {
		t.Fatal(err)
	}
	wantTokenError(t, "declined", poll(t, s, ClientID, declined["device_code"].(string)), "authorization_declined", 65004)

	other := deviceCodeFor(t, s, ClientID, "Mail.Read").body
	wantTokenError(t, "other client", poll(t, s, PublicClientID, other["device_code"].(string)), "invalid_grant", 70000)
	wantTokenError(t, "unknown device code", poll(t, s, PublicClientID, "DAQnot-a-code"), "bad_verification_code", 70000)

	expiring := deviceCodeFor(t, s, PublicClientID, "Mail.Read").body
	time.Sleep(350 * time.Millisecond)
	if err := s.ApproveDeviceCode(expiring["user_code"].(string), adele); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("approving an expired code: %v", err)
	}
	wantTokenError(t, "expired", poll(t, s, PublicClientID, expiring["device_code"].(string)), "expired_token", 70019)
}

func TestDeviceLoginPage(t *testing.T) {
	s, _ := startDemo(t, WithDeviceCodeInterval(100*time.Millisecond))
	other := s.Tenant().Users[2].UserPrincipalName
	d := deviceCodeFor(t, s, PublicClientID, "offline_access Mail.ReadBasic User.Read").body
	uc := d["user_code"].(string)

	if p := fetch(t, "GET", s.DeviceLoginURL(), nil); p.status != 200 || !strings.Contains(p.body, `<input id="otc" name="otc"`) {
		t.Fatalf("enter-code page: %d %s", p.status, p.body)
	}
	if p := fetch(t, "POST", s.DeviceLoginURL(), url.Values{"otc": {"AAAAAAAAA"}}); !strings.Contains(p.body, `<p id="error">no device code has the user code &#34;AAAAAAAAA&#34;</p>`) {
		t.Errorf("wrong code: %s", p.body)
	}
	consent := fetch(t, "POST", s.DeviceLoginURL(), url.Values{"otc": {" " + strings.ToLower(uc) + " "}})
	for _, want := range []string{`<button id="consent"`, `<li>offline_access</li>`, `<li>Mail.ReadBasic</li>`, `<option value="` + other + `">`, `name="otc" value="` + uc + `"`} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page lacks %s:\n%s", want, consent.body)
		}
	}
	wantTokenError(t, "before consent", poll(t, s, PublicClientID, d["device_code"].(string)), "authorization_pending", 70016)
	done := fetch(t, "POST", s.DeviceLoginURL(), url.Values{"otc": {uc}, "user": {other}, "action": {"accept"}})
	if !strings.Contains(done.body, `<h1 id="done">You have signed in`) {
		t.Errorf("after accept: %s", done.body)
	}
	time.Sleep(100 * time.Millisecond)
	r := poll(t, s, PublicClientID, d["device_code"].(string))
	if r.status != 200 || r.body["scope"] != "Mail.ReadBasic User.Read" {
		t.Fatalf("poll: %d %v", r.status, r.body)
	}
	if got := meUPN(t, s, r.body["access_token"].(string)); got != other {
		t.Errorf("/me = %s, want %s", got, other)
	}
}
