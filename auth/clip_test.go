package auth

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestTokenErrorClipsLongMessages: a token endpoint's 100 KB description
// or body is cut to 200 bytes with its length, after the secrets are
// removed (a secret cut in two would no longer be recognised).
func TestTokenErrorClipsLongMessages(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	const secret = "s3cr3t-VALUE-abc123"
	for _, tc := range []struct{ name, body, want string }{
		{"JSON description", `{"error":"invalid_request","error_description":"AADSTS900144: bad ` + big + `"}`,
			"auth: redeeming: invalid_request: bad " + strings.Repeat("x", 196) + "… (100004 bytes)"},
		{"plain body", strings.Repeat("y", 195) + secret + big,
			"auth: redeeming: the token endpoint https://login.example/token answered 400 Bad Request: " + strings.Repeat("y", 195) + "[reda… (100205 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			re := &oauth2.RetrieveError{Response: &http.Response{Status: "400 Bad Request", StatusCode: 400}, Body: []byte(tc.body)}
			err := tokenError(errors.Join(re), "redeeming", "https://login.example/token", secret)
			if got := err.Error(); got != tc.want || strings.Contains(got, secret[:5]) {
				t.Errorf("got %d bytes %.300q…\nwant %d bytes %.300q…", len(got), got, len(tc.want), tc.want)
			}
		})
	}
}
