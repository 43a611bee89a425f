package fakegraph

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

type tokenResp struct {
	status int
	body   map[string]any
}

func postToken(t *testing.T, tokenURL string, form url.Values, basicUser, basicPass string) tokenResp {
	t.Helper()
	req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST token: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("token response is not JSON: %v: %s", err, b)
	}
	return tokenResp{resp.StatusCode, m}
}

func (r tokenResp) aadsts() float64 {
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) == 0 {
		return 0
	}
	return codes[0].(float64)
}

func refreshForm(client, rt string, extra ...string) url.Values {
	f := url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {rt}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestRefreshGrantRotates(t *testing.T) {
	s, _ := startDemo(t)
	rt := s.IssueRefreshToken(adele)
	r := postToken(t, s.TokenURL(), refreshForm(ClientID, rt, "client_secret", ClientSecret, "scope", "offline_access Mail.Read User.Read"), "", "")
	if r.status != 200 {
		t.Fatalf("refresh: %d %v", r.status, r.body)
	}
	at, _ := r.body["access_token"].(string)
	newRT, _ := r.body["refresh_token"].(string)
	if at == "" || newRT == "" || newRT == rt || r.body["token_type"] != "Bearer" || r.body["expires_in"] != 3599.0 {
		t.Fatalf("refresh response %v", r.body)
	}
	if r.body["scope"] != "Mail.Read User.Read" {
		t.Errorf("scope %v", r.body["scope"])
	}
	if g := get(t, s, at, "/me/messages?$top=1"); g.status != 200 {
		t.Errorf("new access token rejected: %d %s", g.status, g.body)
	}
	// Entra does not revoke the old refresh token on use.
	if again := postToken(t, s.TokenURL(), refreshForm(ClientID, rt, "client_secret", ClientSecret), "", ""); again.status != 200 {
		t.Errorf("old refresh token refused: %v", again.body)
	}
	// The secret can come by HTTP Basic too.
	if basic := postToken(t, s.TokenURL(), refreshForm(ClientID, newRT), ClientID, ClientSecret); basic.status != 200 {
		t.Errorf("Basic auth refused: %v", basic.body)
	}
	// A public client sends no secret.
	pub := s.IssueRefreshTokenFor(PublicClientID, adele)
	if p := postToken(t, s.TokenURL(), refreshForm(PublicClientID, pub), "", ""); p.status != 200 {
		t.Errorf("public client: %v", p.body)
	}
	// Revoking old tokens on use.
	s.SetRotatedTokenGrace(0)
	rt2 := s.IssueRefreshToken(adele)
	if first := postToken(t, s.TokenURL(), refreshForm(ClientID, rt2, "client_secret", ClientSecret), "", ""); first.status != 200 {
		t.Fatalf("first use: %v", first.body)
	}
	if second := postToken(t, s.TokenURL(), refreshForm(ClientID, rt2, "client_secret", ClientSecret), "", ""); second.status != 400 || second.body["error"] != "invalid_grant" || second.aadsts() != 700082 {
		t.Errorf("second use with grace 0: %d %v", second.status, second.body)
	}
}

func TestTokenErrors(t *testing.T) {
	s, _ := startDemo(t)
	rt := s.IssueRefreshToken(adele)
	revoked := s.IssueRefreshToken(adele)
	s.RevokeRefreshToken(revoked)
	pub := s.IssueRefreshTokenFor(PublicClientID, adele)
	common := s.URL + "/common/oauth2/v2.0/token"
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {ClientID}, "client_secret": {ClientSecret}, "scope": {"https://graph.microsoft.com/.default"}}
	with := func(v url.Values, k, val string) url.Values {
		c := url.Values{}
		for kk, vv := range v {
			c[kk] = vv
		}
		if val == "" {
			c.Del(k)
		} else {
			c.Set(k, val)
		}
		return c
	}
	cases := []struct {
		name   string
		url    string
		form   url.Values
		status int
		err    string
		code   float64
	}{
		{"bad secret", s.TokenURL(), refreshForm(ClientID, rt, "client_secret", "wrong"), 401, "invalid_client", 7000215},
		{"missing secret", s.TokenURL(), refreshForm(ClientID, rt), 401, "invalid_client", 7000218},
		{"public client with secret", s.TokenURL(), refreshForm(PublicClientID, pub, "client_secret", "x"), 401, "invalid_client", 700025},
		{"revoked refresh token", s.TokenURL(), refreshForm(ClientID, revoked, "client_secret", ClientSecret), 400, "invalid_grant", 700082},
		{"unknown refresh token", s.TokenURL(), refreshForm(ClientID, "1.AQnope", "client_secret", ClientSecret), 400, "invalid_grant", 9002313},
		{"token of another client", s.TokenURL(), refreshForm(PublicClientID, rt), 400, "invalid_grant", 70000},
		{"unknown client", s.TokenURL(), refreshForm("00000000-0000-0000-0000-000000000001", rt), 400, "unauthorized_client", 700016},
		{"unsupported grant", s.TokenURL(), url.Values{"grant_type": {"magic"}, "client_id": {ClientID}}, 400, "unsupported_grant_type", 70003},
		{"no grant type", s.TokenURL(), url.Values{"client_id": {ClientID}}, 400, "invalid_request", 900144},
		{"invalid scope", s.TokenURL(), refreshForm(ClientID, rt, "client_secret", ClientSecret, "scope", "Mail.Raed"), 400, "invalid_scope", 70011},
		{"unconsented scope", s.TokenURL(), refreshForm(ClientID, rt, "client_secret", ClientSecret, "scope", "Files.Read.All"), 400, "invalid_grant", 65001},
		{"client credentials over common", common, cc, 400, "invalid_request", 9001023},
		{"client credentials without .default", s.TokenURL(), with(cc, "scope", "Mail.Read"), 400, "invalid_scope", 1002012},
		{"client credentials other resource", s.TokenURL(), with(cc, "scope", "https://management.azure.com/.default"), 400, "invalid_resource", 500011},
		{"client credentials bad secret", s.TokenURL(), with(cc, "client_secret", "nope"), 401, "invalid_client", 7000215},
		{"client credentials public client", s.TokenURL(), with(with(cc, "client_secret", ""), "client_id", PublicClientID), 401, "invalid_client", 7000218},
		{"unknown tenant", s.URL + "/fabrikam/oauth2/v2.0/token", cc, 400, "invalid_request", 90002},
	}
	for _, c := range cases {
		r := postToken(t, c.url, c.form, "", "")
		if r.status != c.status || r.body["error"] != c.err || r.aadsts() != c.code {
			t.Errorf("%s: got %d %v %v, want %d %s %v", c.name, r.status, r.body["error"], r.aadsts(), c.status, c.err, c.code)
			continue
		}
		desc, _ := r.body["error_description"].(string)
		want := "AADSTS" + strings.TrimSuffix(strings.TrimSuffix(jsonNum(c.code), ".0"), "") + ": "
		if !strings.HasPrefix(desc, want) || !strings.Contains(desc, "\r\nTrace ID: ") || !strings.Contains(desc, "\r\nCorrelation ID: ") || !strings.Contains(desc, "\r\nTimestamp: ") {
			t.Errorf("%s: error_description %q", c.name, desc)
		}
		for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
			if v, _ := r.body[k].(string); v == "" {
				t.Errorf("%s: no %s", c.name, k)
			}
		}
		if strings.Contains(desc, ClientSecret) || strings.Contains(desc, rt) {
			t.Errorf("%s: error echoes a secret", c.name)
		}
	}
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestClientCredentials(t *testing.T) {
	s, _ := startDemo(t)
	r := postToken(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {ClientID}, "client_secret": {ClientSecret}, "scope": {"https://graph.microsoft.com/.default"}}, "", "")
	if r.status != 200 || r.body["refresh_token"] != nil || r.body["expires_in"] != 3599.0 {
		t.Fatalf("client credentials: %d %v", r.status, r.body)
	}
	at := r.body["access_token"].(string)
	if g := get(t, s, at, "/users/"+adele+"/messages?$top=1"); g.status != 200 {
		t.Errorf("app token on a mailbox: %d", g.status)
	}
	if g := get(t, s, at, "/me"); g.status != 400 {
		t.Errorf("app token on /me: %d", g.status)
	}
}

// The client helper uses golang.org/x/oauth2; the fake must work with it.
func TestWithXOAuth2(t *testing.T) {
	s, _ := startDemo(t)
	ctx := context.Background()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleAutoDetect, oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		conf := &oauth2.Config{ClientID: ClientID, ClientSecret: ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL(), AuthURL: s.AuthURL(), AuthStyle: style},
			Scopes: []string{"offline_access", "Mail.Read"}}
		rt := s.IssueRefreshToken(adele)
		tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		if err != nil {
			t.Fatalf("style %v: %v", style, err)
		}
		if tok.RefreshToken == rt || tok.AccessToken == "" || time.Until(tok.Expiry) < 59*time.Minute {
			t.Errorf("style %v: token %+v", style, tok)
		}
		s.RevokeUser(adele)
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Errorf("style %v: after RevokeUser: %v", style, err)
		}
		if g := get(t, s, tok.AccessToken, "/me"); g.status != 401 {
			t.Errorf("revoked access token: %d", g.status)
		}
	}
	cc := &clientcredentials.Config{ClientID: ClientID, ClientSecret: ClientSecret, TokenURL: s.TokenURL(), Scopes: []string{"https://graph.microsoft.com/.default"}}
	tok, err := cc.Token(ctx)
	if err != nil || tok.AccessToken == "" || tok.RefreshToken != "" {
		t.Fatalf("client credentials via x/oauth2: %v %+v", err, tok)
	}
	if g := get(t, s, tok.AccessToken, "/users?$top=1"); g.status != 200 {
		t.Errorf("app token on /users: %d", g.status)
	}
}

func TestExpireAccessTokens(t *testing.T) {
	s, tok := startDemo(t)
	if g := get(t, s, tok, "/me"); g.status != 200 {
		t.Fatalf("fresh token: %d", g.status)
	}
	s.ExpireAccessTokens()
	g := get(t, s, tok, "/me")
	if g.status != 401 || g.errCode() != "InvalidAuthenticationToken" || g.json["error"].(map[string]any)["message"] != "Access token has expired or is not yet valid." {
		t.Fatalf("expired token: %d %s", g.status, g.body)
	}
	if w := g.header.Get("WWW-Authenticate"); !strings.Contains(w, `authorization_uri="`) || !strings.Contains(w, `client_id="00000003-0000-0000-c000-000000000000"`) {
		t.Errorf("WWW-Authenticate %q", w)
	}
	// A refresh gives a working token again.
	r := postToken(t, s.TokenURL(), refreshForm(ClientID, s.IssueRefreshToken(adele), "client_secret", ClientSecret), "", "")
	if g := get(t, s, r.body["access_token"].(string), "/me"); g.status != 200 {
		t.Errorf("token after refresh: %d", g.status)
	}
	// Short-lived tokens expire on their own.
	s2 := New(sharedDemo(), WithAccessTokenLifetime(50*time.Millisecond))
	defer s2.Close()
	short := s2.IssueAccessToken(adele)
	time.Sleep(80 * time.Millisecond)
	if g := get(t, s2, short, "/me"); g.status != 401 {
		t.Errorf("token past its lifetime: %d", g.status)
	}
}

func TestRequestLogRedactsTokens(t *testing.T) {
	s, tok := startDemo(t)
	get(t, s, tok, "/me/messages?$top=2&$select=subject")
	get(t, s, "", "/me")
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	r := reqs[0]
	if r.Method != "GET" || r.Path != "/v1.0/me/messages" || r.RawQuery != "$top=2&$select=subject" || r.Query.Get("$top") != "2" ||
		r.Status != 200 || r.Bytes == 0 || r.Subject != adele || r.TokenSerial == 0 {
		t.Errorf("logged %+v", r)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer [redacted]" {
		t.Errorf("Authorization logged as %q", h)
	}
	if reqs[1].Status != 401 || reqs[1].Subject != "" {
		t.Errorf("second %+v", reqs[1])
	}
	st := s.Stats()
	if st.Requests != 2 || st.Bytes != int64(reqs[0].Bytes+reqs[1].Bytes) {
		t.Errorf("stats %+v", st)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 || s.Stats().Requests != 0 {
		t.Errorf("reset did not clear")
	}
}
