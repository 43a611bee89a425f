package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTokenEndpointEchoesSecrets: a token endpoint that echoes the request
// body sends the secrets back URL-encoded, as they were posted. The error
// must keep the message around them and show none of them, in any form.
func TestTokenEndpointEchoesSecrets(t *testing.T) {
	const (
		odd   = "Sx8Q~a+b/c=d*e!f$" // a client secret with characters that URL encoding changes
		rt    = "M.C5_BAY.-CRx*Ob!Ib$tok"
		short = "ai"
	)
	tests := []struct {
		name     string
		rt       string
		status   int
		body     func(form string) string
		want     string
		contains []string // forms of the secrets that must not appear
	}{
		{"JSON description echoes the form", rt, 400,
			func(form string) string {
				return fmt.Sprintf(`{"error":"invalid_request","error_description":"AADSTS900144: bad request body: %s","error_codes":[900144]}`, form)
			},
			"auth: refreshing the access token: invalid_request, AADSTS900144: bad request body: client_id=cid&client_secret=[redacted]&grant_type=refresh_token&refresh_token=[redacted]",
			[]string{"%2B", "%2A", "Ib%24tok", "Ib$tok", "~a+b"}},
		{"plain body echoes the form", rt, 400,
			func(form string) string { return "echo " + form },
			"auth: refreshing the access token: the token endpoint {url} answered 400 Bad Request: echo client_id=cid&client_secret=[redacted]&grant_type=refresh_token&refresh_token=[redacted]",
			[]string{"%2B", "%2A", "Ib%24tok", "~a+b"}},
		{"short refresh token, message kept", short, 503,
			func(string) string {
				return `{"error":"temporarily_unavailable","error_description":"Service unavailable; refresh token ai was not used."}`
			},
			"auth: refreshing the access token: temporarily_unavailable: Service unavailable; refresh token [redacted] was not used",
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body(string(b)))
			}))
			defer srv.Close()
			path := writeFile(t, "", tt.rt, time.Now().Add(-time.Hour))
			cfg := UserConfig{TokenURL: srv.URL + "/token", ClientID: "cid", ClientSecret: odd,
				Scopes: []string{"offline_access", "Mail.Read"}, TokenFile: path, HTTPClient: srv.Client()}
			s, err := newUserSource(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.AccessToken(context.Background())
			want := strings.ReplaceAll(tt.want, "{url}", srv.URL+"/token")
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n  %v\nwant\n  %s", err, want)
			}
			for _, s := range tt.contains {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error shows %q", s)
				}
			}
		})
	}
}

// TestTokenURLPasswordHidden: a password in TokenUrl is shown as xxxxx in
// the error, and found nowhere else in it, whatever the failure.
func TestTokenURLPasswordHidden(t *testing.T) {
	const pw = "PASSW0RDX-long"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, "no such tenant; you sent "+strings.ToLower(pw))
	}))
	defer srv.Close()
	tokenURL := strings.Replace(srv.URL, "http://", "http://bob:"+pw+"@", 1) + "/token"
	for _, tt := range []struct{ name, url, want string }{
		{"endpoint answers", tokenURL, "auth: getting an app-only access token: the token endpoint " +
			strings.Replace(tokenURL, pw, "xxxxx", 1) + " answered 400 Bad Request: no such tenant; you sent [redacted]"},
		{"nobody listens", "http://bob:" + pw + "@127.0.0.1:1/token", "auth: getting an app-only access token at http://bob:xxxxx@127.0.0.1:1/token: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := ApplicationCredentials(AppConfig{TokenURL: tt.url, ClientID: "cid", ClientSecret: "client-secret-1"})
			_, err := s.AccessToken(context.Background())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant prefix %s", err, tt.want)
			}
			if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(pw)) {
				t.Errorf("the password shows: %v", err)
			}
		})
	}
}
