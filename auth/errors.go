package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/redact"
	"github.com/outlooksql/outlooksql/internal/redirect"
)

// expiredGrant are the AADSTS codes meaning the sign-in is gone and only a
// new interactive login helps (REFERENCE §6.4).
var expiredGrant = []int{70008, 700082, 700084, 50173, 54005}

// entraError is the token endpoint's error body.
type entraError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

var aadsts = regexp.MustCompile(`^AADSTS\d+:\s*`)

// tokenError turns a token-endpoint failure into an error that says what
// to do. secrets (client secret, tokens) are scrubbed from everything shown.
func tokenError(err error, doing, tokenURL string, secrets ...string) error {
	if u, perr := url.Parse(tokenURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	tokenURL = redact.URL(tokenURL)
	var red *redirect.Error
	if errors.As(err, &red) {
		// Not err itself: its text quotes the whole Location.
		return fmt.Errorf("auth: %s at %s: %w", doing, tokenURL, red)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("auth: %s at %s: %s", doing, tokenURL, redact.String(err.Error(), secrets...))
	}
	var e entraError
	if json.Unmarshal(re.Body, &e) != nil || e.Error == "" {
		status := ""
		if re.Response != nil {
			status = re.Response.Status
		}
		return fmt.Errorf("auth: %s: the token endpoint %s answered %s: %s", doing, tokenURL, status, clip.String(redact.String(firstLine(string(re.Body)), secrets...)))
	}
	code := e.Error
	if len(e.Codes) > 0 {
		code += fmt.Sprintf(", AADSTS%d", e.Codes[0])
	}
	desc := clip.String(strings.TrimSuffix(redact.String(describe(e.Description), secrets...), "."))
	first := 0
	if len(e.Codes) > 0 {
		first = e.Codes[0]
	}
	switch {
	case first == 700025:
		return fmt.Errorf("auth: %s: the token endpoint rejected the app (%s): %s; the app is a public client (its redirect URI is under \"Mobile and desktop applications\"): remove ClientSecret from the connection string, or register the redirect URI under Web", doing, code, desc)
	case first == 7000218:
		return fmt.Errorf("auth: %s: the token endpoint rejected the app (%s): %s; the app is a confidential client: add ClientSecret, or register the redirect URI under \"Mobile and desktop applications\" and allow public client flows", doing, code, desc)
	case first == 90002:
		return fmt.Errorf("auth: %s: %s: %s; check the tenant in TokenUrl", doing, code, desc)
	case e.Error == "invalid_grant" && len(e.Codes) > 0 && slices.Contains(expiredGrant, e.Codes[0]):
		return fmt.Errorf("auth: sign-in expired or revoked (AADSTS%d): run %q to sign in again", e.Codes[0], loginCommand)
	case e.Error == "invalid_grant" || e.Error == "interaction_required" || e.Error == "consent_required":
		return fmt.Errorf("auth: %s: refused (%s): %s; run %q to sign in again", doing, code, desc, loginCommand)
	case e.Error == "invalid_client" || e.Error == "unauthorized_client":
		return fmt.Errorf("auth: %s: the token endpoint rejected the app (%s): %s; check ClientSecret and ClientId", doing, code, desc)
	}
	return fmt.Errorf("auth: %s: %s: %s", doing, code, desc)
}

// describe keeps error_description's message, without its AADSTS prefix and
// the Trace ID / Correlation ID / Timestamp lines.
func describe(d string) string {
	var keep []string
	for _, line := range strings.Split(strings.ReplaceAll(d, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Trace ID:") || strings.HasPrefix(line, "Correlation ID:") || strings.HasPrefix(line, "Timestamp:") {
			continue
		}
		keep = append(keep, aadsts.ReplaceAllString(line, ""))
	}
	return strings.Join(keep, " ")
}

// firstLine is the first line of s, in valid UTF-8; callers redact, then
// clip it.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "?")
}
