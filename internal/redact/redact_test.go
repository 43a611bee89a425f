package redact

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	const secret = "Sx8Q~a+b/c=d*e!f$g h"
	jsonEsc, _ := json.Marshal(secret)
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"raw", "bad secret '" + secret + "'.", []string{secret}, "bad secret '[redacted]'."},
		{"query-escaped", "body: client_secret=" + url.QueryEscape(secret) + "&x=1", []string{secret}, "body: client_secret=[redacted]&x=1"},
		{"path-escaped", "GET /x/" + url.PathEscape(secret) + "/y", []string{secret}, "GET /x/[redacted]/y"},
		{"lower-case hex", "s=" + lowerHex(url.QueryEscape(secret)), []string{secret}, "s=[redacted]"},
		{"escaped twice", "s=" + url.QueryEscape(url.QueryEscape(secret)), []string{secret}, "s=[redacted]"},
		{"JSON-escaped", `{"echo":` + strings.ReplaceAll(string(jsonEsc), "/", `\/`) + `}`, []string{secret}, `{"echo":"[redacted]"}`},
		{"several secrets, overlapping", "a=abcdefghijkl b=ghijklmnop", []string{"abcdefghijkl", "ghijklmnop"}, "a=[redacted] b=[redacted]"},
		{"one inside another", "t=tok-0123456789", []string{"0123456789", "tok-0123456789"}, "t=[redacted]"},
		{"long secret inside a word", "xxSECRETVALUE99yy", []string{"SECRETVALUE99"}, "xx[redacted]yy"},
		{"long secret, case-folded", "lower=" + strings.ToLower(secret) + " upper=" + strings.ToUpper(url.QueryEscape(secret)), []string{secret}, "lower=[redacted] upper=[redacted]"},
		{"short secret keeps its case", "AI ai", []string{"ai"}, "AI [redacted]"},
		{"empty secret", "nothing to hide", []string{""}, "nothing to hide"},
		// A short secret is replaced only where it stands alone.
		{"short, inside words", "Service unavailable: try again", []string{"ai"}, "Service unavailable: try again"},
		{"short, alone", "Service unavailable: token ai was not used", []string{"ai"}, "Service unavailable: token [redacted] was not used"},
		{"short, one letter", "a token a was rejected", []string{"a"}, "[redacted] token [redacted] was rejected"},
		{"short, punctuated", "Try again later. rt-0", []string{"rt-0"}, "Try again later. [redacted]"},
		{"short, URL-encoded alone", "refresh_token=r%2A1&x", []string{"r*1"}, "refresh_token=[redacted]&x"},
		{"short, prefix of a word", "rt-01 is not rt-0", []string{"rt-0"}, "rt-01 is not [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("String(%q) =\n  %q\nwant\n  %q", tt.in, got, tt.want)
			}
		})
	}
}

// lowerHex writes the hex digits of %XX escapes in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = strings.ToLower(string(b[i+1]))[0], strings.ToLower(string(b[i+2]))[0]
		}
	}
	return string(b)
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pa55@graph.example/v1.0", "https://user:xxxxx@graph.example/v1.0"},
		{"http://u:p%40ss@127.0.0.1:8080/v1.0/me?x=a@b", "http://u:xxxxx@127.0.0.1:8080/v1.0/me?x=a@b"},
		{"https://user@graph.example/v1.0", "https://user@graph.example/v1.0"},
		{"https://graph.microsoft.com/v1.0/me/messages?$filter=from eq 'a:b@c'", "https://graph.microsoft.com/v1.0/me/messages?$filter=from eq 'a:b@c'"},
		{"ftp://u:secret@host with space/x", "ftp://u:xxxxx@host with space/x"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
