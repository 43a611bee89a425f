package connect

import (
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
)

func appConfig(t *testing.T, clientID string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("AuthType=ApplicationCredentials;TokenUrl=https://login.example/t/oauth2/v2.0/token;ClientId=" + clientID + ";ClientSecret=s;UserId=alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCacheBounded: a cache shares one Session per configuration and keeps
// at most its bound, dropping the least recently opened.
func TestCacheBounded(t *testing.T) {
	c := NewCache(2)
	a, err := c.Open(appConfig(t, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Open(appConfig(t, "a")); again != a {
		t.Errorf("the same configuration gave a second session")
	}
	b, _ := c.Open(appConfig(t, "b"))
	c.Open(appConfig(t, "a")) // a is now the most recently used
	c.Open(appConfig(t, "c")) // evicts b
	if c.Len() != 2 {
		t.Errorf("Len = %d, want the bound 2", c.Len())
	}
	if again, _ := c.Open(appConfig(t, "a")); again != a {
		t.Errorf("the recently used session was dropped")
	}
	if again, _ := c.Open(appConfig(t, "b")); again == b {
		t.Errorf("the least recently used session was kept")
	}
	if a.Config.ClientID != "a" || a.Client == nil {
		t.Errorf("session = %+v", a)
	}
}

// TestRefuseBatch: a session remembers that its server refused $batch.
func TestRefuseBatch(t *testing.T) {
	s, err := New(appConfig(t, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if s.BatchRefused() {
		t.Fatal("a new session has $batch refused")
	}
	if !s.RefuseBatch() || s.RefuseBatch() || !s.BatchRefused() {
		t.Error("RefuseBatch reports the first refusal once and is kept")
	}
}
