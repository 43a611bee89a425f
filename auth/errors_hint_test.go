package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestTokenErrorHints checks that Entra's client-type and tenant errors say
// which connection-string key to fix, and never show the secret.
func TestTokenErrorHints(t *testing.T) {
	for _, tc := range []struct {
		code int
		kind string
		want string
	}{
		{700025, "invalid_client", "remove ClientSecret from the connection string, or register the redirect URI under Web"},
		{7000218, "invalid_client", "the app is a confidential client: add ClientSecret"},
		{90002, "invalid_request", "check the tenant in TokenUrl"},
	} {
		body := fmt.Sprintf(`{"error":%q,"error_description":"AADSTS%d: something about s3cret.\r\nTrace ID: x","error_codes":[%d]}`, tc.kind, tc.code, tc.code)
		err := tokenError(&oauth2.RetrieveError{Body: []byte(body)}, "redeeming the authorization code", "https://login.example/token", "s3cret")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "Trace ID") {
			t.Errorf("AADSTS%d: %v; want a message containing %q and no secret", tc.code, err, tc.want)
		}
		if errors.Unwrap(err) != nil && strings.Contains(errors.Unwrap(err).Error(), "s3cret") {
			t.Errorf("AADSTS%d: the wrapped error shows the secret", tc.code)
		}
	}
}
