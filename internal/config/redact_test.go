package config

import (
	"strings"
	"testing"
)

// TestURLPasswordsHidden: a password in a URL key (https://user:pass@host)
// never shows in String or in an error, yet still tells configurations
// apart in Key.
func TestURLPasswordsHidden(t *testing.T) {
	const pass = "pw-Secret-123"
	for _, key := range []string{"BaseUrl", "TokenUrl", "AuthUrl"} {
		base := "ClientId=cid;RefreshTokenFilePath=/tmp/t.json;"
		if key != "TokenUrl" {
			base += "TokenUrl=https://login.example/token;"
		}
		c, err := Parse(base + key + "=https://user:" + pass + "@host.example/x")
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if s := c.String(); strings.Contains(s, pass) || !strings.Contains(s, key+"=https://user:xxxxx@host.example/x") {
			t.Errorf("String() = %s", s)
		}
		other, err := Parse(base + key + "=https://user:other-pass@host.example/x")
		if err != nil {
			t.Fatal(err)
		}
		if c.Key() == other.Key() {
			t.Errorf("%s: configurations that differ only in the URL's password have the same Key", key)
		}
		_, err = Parse(base + key + "=ftp://user:" + pass + "@host.example/x")
		want := key + `: "ftp://user:xxxxx@host.example/x" is not an absolute http(s) URL (e.g. ` + example(key) + ")"
		if err == nil || err.Error() != want {
			t.Errorf("error:\n  %v\nwant\n  %s", err, want)
		}
	}
}
