package graph

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fixedToken always gives the same access token.
type fixedToken string

func (t fixedToken) AccessToken(context.Context) (string, error) { return string(t), nil }
func (t fixedToken) Reject(string)                               {}

// TestErrorsHideSecrets: a Graph error that echoes the bearer token, raw or
// URL-encoded, shows it as [redacted] with the rest of the message intact,
// and a BaseUrl password never shows in errors or in the request log.
func TestErrorsHideSecrets(t *testing.T) {
	const token = "eyJ0eXAi.abc+def/ghi=="
	echo := step{status: 400, body: `{"error":{"code":"BadRequest","message":"Bad token '` + token + `' (as sent: Bearer%20` + url.QueryEscape(token) + `)."}}`}
	s := serve(t, echo)
	c := New(Options{BaseURL: s.URL + "/v1.0", Tokens: fixedToken(token), Retry: Retry{Mode: RetryNone},
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	_, err := c.Get(context.Background(), "", "/me", nil)
	want := `graph: GET /me: 400 BadRequest: Bad token '[redacted]' (as sent: Bearer%20[redacted]).`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n  %v\nwant\n  %s", err, want)
	}

	const password = "Pa55-w0rd-XYZ"
	base := strings.Replace(s.URL, "://", "://graphuser:"+password+"@", 1) + "/v1.0"
	shownBase := strings.Replace(s.URL, "://", "://graphuser:xxxxx@", 1) + "/v1.0"
	c = New(Options{BaseURL: base, Tokens: fixedToken(token), Retry: Retry{Mode: RetryNone, Wait: time.Millisecond},
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	log := &Log{}
	ctx := WithLog(context.Background(), log)
	tests := []struct{ path, want string }{
		{"https://evil.example.com/v1.0/me", `graph: refusing to send the access token to https://evil.example.com: the URL "https://evil.example.com/v1.0/me" is not on BaseUrl ` + shownBase},
		{"https://u:" + password + "@evil.example.com/v1.0/me", `graph: refusing to send the access token to https://evil.example.com: the URL "https://u:xxxxx@evil.example.com/v1.0/me" is not on BaseUrl ` + shownBase},
		{"/me", `graph: GET /me: 400 BadRequest: Bad token '[redacted]' (as sent: Bearer%20[redacted]).`},
	}
	for _, tt := range tests {
		_, err := c.Get(ctx, "", tt.path, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Get(%q) error:\n  %v\nwant\n  %s", tt.path, err, tt.want)
		}
	}
	recs := log.Records()
	if len(recs) != 1 || recs[0].URL != shownBase+"/me" {
		t.Errorf("log: %+v, want one request to %s/me", recs, shownBase)
	}
}
