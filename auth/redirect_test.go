package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// newWitness starts a second host that records what reaches it.
func newWitness(t *testing.T) *fakegraph.Witness {
	w := fakegraph.NewWitness()
	t.Cleanup(w.Close)
	return w
}

const neverFollows = "; outlooksql never follows redirects (they could carry the token or secret elsewhere): check that the URL in the connection string is the service's final address"

// TestTokenRedirectIsRefused: a 307 from the token endpoint, which would
// make a client repeat the POST (client secret, refresh token, code,
// device code) to the host it names, is an error naming that host, in every
// flow that posts to it, with the default client and with a caller's client
// that follows redirects. The host receives nothing, and no token file is
// written or changed.
func TestTokenRedirectIsRefused(t *testing.T) {
	flows := []struct {
		name  string
		doing string
		run   func(t *testing.T, s *fakegraph.Server, hc *http.Client, dir string) (file string, err error)
	}{
		{"refresh token", "refreshing the access token", func(t *testing.T, s *fakegraph.Server, hc *http.Client, dir string) (string, error) {
			path := dir + "/token.json"
			if err := (TokenFile{path}).Save(&oauth2.Token{AccessToken: "at-old", RefreshToken: s.IssueRefreshToken(adele), Expiry: time.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			src, err := newUserSource(UserConfig{TokenURL: s.TokenURL(), ClientID: fakegraph.ClientID, ClientSecret: fakegraph.ClientSecret,
				Scopes: []string{"offline_access", "Mail.Read"}, TokenFile: path, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.AccessToken(context.Background())
			return path, err
		}},
		{"client credentials", "getting an app-only access token", func(t *testing.T, s *fakegraph.Server, hc *http.Client, dir string) (string, error) {
			src := ApplicationCredentials(AppConfig{TokenURL: s.TokenURL(), ClientID: fakegraph.ClientID, ClientSecret: fakegraph.ClientSecret, HTTPClient: hc})
			_, err := src.AccessToken(context.Background())
			return "", err
		}},
		{"authorization code", "redeeming the authorization code", func(t *testing.T, s *fakegraph.Server, hc *http.Client, dir string) (string, error) {
			s.SetAutoApprove(adele)
			cfg := loginConfig(s, fakegraph.ClientID, &tokenLog{}, dir)
			cfg.HTTPClient = hc
			b := newBrowser()
			cfg.OpenBrowser = b.open
			_, err := LoginCode(context.Background(), cfg)
			b.page(t)
			return cfg.TokenFile, err
		}},
		{"device code", "waiting for the device code sign-in", func(t *testing.T, s *fakegraph.Server, hc *http.Client, dir string) (string, error) {
			cfg := loginConfig(s, fakegraph.ClientID, &tokenLog{}, dir)
			cfg.AuthURL, cfg.ReturnURL, cfg.HTTPClient = "", "", hc
			cfg.Prompt = &deviceUser{s: s, action: "approve"}
			_, err := LoginDevice(context.Background(), cfg)
			return cfg.TokenFile, err
		}},
	}
	clients := []struct {
		name string
		hc   *http.Client
	}{{"default client", nil}, {"caller's client", &http.Client{}}}
	for _, f := range flows {
		for _, c := range clients {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				s := startFake(t, fakegraph.WithDeviceCodeInterval(time.Second))
				w := newWitness(t)
				s.RedirectTokenRequests(http.StatusTemporaryRedirect, w.URL)
				dir := t.TempDir()
				file, err := f.run(t, s, c.hc, dir)
				want := "auth: " + f.doing + " at " + s.TokenURL() + ": the server answered 307 redirecting to " + w.Host() + neverFollows
				if err == nil || err.Error() != want {
					t.Fatalf("error %v\n want %s", err, want)
				}
				noSecrets(t, err, fakegraph.ClientSecret)
				if r := w.Received(); len(r) != 0 {
					t.Errorf("the other host received %q", r)
				}
				if file != "" {
					tok, lerr := (TokenFile{file}).Load()
					if f.name == "refresh token" && (lerr != nil || tok.AccessToken != "at-old") || f.name != "refresh token" && lerr == nil {
						t.Errorf("token file: %+v, %v", tok, lerr)
					}
				}
			})
		}
	}
}

// TestWhoAmIRedirectIsRefused: /me answered with a redirect does not send
// the access token on.
func TestWhoAmIRedirectIsRefused(t *testing.T) {
	w := newWitness(t)
	g := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, w.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer g.Close()
	for _, hc := range []*http.Client{nil, {}} {
		upn, _, err := WhoAmI(context.Background(), hc, g.URL+"/v1.0", &oauth2.Token{AccessToken: "at-secret", RefreshToken: "rt-secret"})
		want := "auth: reading " + g.URL + "/v1.0/me: the server answered 302 redirecting to " + w.Host() + neverFollows
		if upn != "" || err == nil || err.Error() != want {
			t.Errorf("WhoAmI = %q, %v\n want %s", upn, err, want)
		}
		noSecrets(t, err, "at-secret")
	}
	if r := w.Received(); len(r) != 0 {
		t.Errorf("the other host received %q", r)
	}
}
