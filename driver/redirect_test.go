package driver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// newWitness starts a second host that records what reaches it.
func newWitness(t *testing.T) *fakegraph.Witness {
	w := fakegraph.NewWitness()
	t.Cleanup(w.Close)
	return w
}

const neverFollows = "; outlooksql never follows redirects (they could carry the token or secret elsewhere): check that the URL in the connection string is the service's final address"

// TestGraphRedirectOnPage2: a 302 on a scan's second page to another host
// ends the query with an error naming that host; the host receives nothing
// (no bearer token) and no row of it is counted, whatever RetryMode.
func TestGraphRedirectOnPage2(t *testing.T) {
	for _, extra := range [][]string{nil, {"RetryMode=RetryAny", "RetryCountMax=3", "RetryWaitTime=1"}} {
		t.Run(strings.Join(extra, ";"), func(t *testing.T) {
			e := newEnv(t, small(), append([]string{"ParallelScans=1"}, extra...)) // page 2 in sequence
			w := newWitness(t)
			e.Server.RedirectPages(http.StatusFound, w.URL)
			u := e.Tenant.Users[0].UserPrincipalName
			rows, err := e.conn.QueryContext(t.Context(), "SELECT id FROM messages WHERE user_id = ?", u)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readRows(rows)
			if err == nil || !strings.Contains(err.Error(), "the server answered 302 redirecting to "+w.Host()+neverFollows) {
				t.Fatalf("%d rows, error %v; want the redirect refused", len(got), err)
			}
			for _, r := range got {
				if strings.Contains(r[0], "planted") {
					t.Errorf("a row from the other host was returned")
				}
			}
			if r := w.Received(); len(r) != 0 {
				t.Errorf("the other host received %q", r)
			}
			pages := 0
			for _, r := range e.Server.Requests() {
				if r.Query.Has("$skip") {
					pages++
				}
			}
			if pages != 1 {
				t.Errorf("page 2 was asked for %d times, want once (a redirect is not retried)", pages)
			}
		})
	}
}

// TestTokenEndpointRedirect: a 307 from the token endpoint (which would
// make a client repeat the POST, client secret and refresh token included,
// to another host) ends the query with an error naming the host; the host
// receives nothing and the token file keeps its refresh token.
func TestTokenEndpointRedirect(t *testing.T) {
	e := newEnv(t, small(), nil)
	w := newWitness(t)
	before := e.readTokenFile(t)
	e.Server.RedirectTokenRequests(http.StatusTemporaryRedirect, w.URL)
	err := e.queryErr("SELECT count(*) FROM mail_folders")
	want := "auth: refreshing the access token at " + e.Server.TokenURL() + ": the server answered 307 redirecting to " + w.Host() + neverFollows
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v\nwant it to hold %s", err, want)
	}
	for _, s := range []string{fakegraph.ClientSecret, before.RefreshToken} {
		if strings.Contains(err.Error(), s) {
			t.Error("the error shows a secret")
		}
	}
	if r := w.Received(); len(r) != 0 {
		t.Errorf("the other host received %q", r)
	}
	if after := e.readTokenFile(t); after.raw != before.raw {
		t.Errorf("the token file changed:\n%s", after.raw)
	}
	if n := e.Server.Stats().TokenRequests; n != 1 {
		t.Errorf("%d token requests, want 1 (not retried)", n)
	}
}
