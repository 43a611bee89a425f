package driver_test

import (
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestShortLivedAccessToken: access tokens that live less than the
// one-minute early-expiry margin are not renewed for every Graph request:
// 12 statements, each with its own Graph request, take one refresh.
func TestShortLivedAccessToken(t *testing.T) {
	e := newEnv(t, small(), nil, fakegraph.WithAccessTokenLifetime(50*time.Second))
	const n = 12
	for range n {
		e.query(t, "SELECT count(*) FROM mail_folders")
	}
	st := e.Server.Stats()
	if st.Requests < n {
		t.Fatalf("%d Graph requests, want at least %d", st.Requests, n)
	}
	if st.TokenRequests != 1 {
		t.Errorf("%d token requests for %d Graph requests, want 1", st.TokenRequests, st.Requests)
	}
	e.readTokenFile(t)
}
