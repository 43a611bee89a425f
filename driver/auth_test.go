package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// tokenFile is the token file's content.
type tokenFile struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	raw          string
}

// readTokenFile reads the env's token file and checks that it is private
// (mode 0600) and that no temporary file was left beside it.
func (e *env) readTokenFile(t testing.TB) tokenFile {
	t.Helper()
	b, err := os.ReadFile(e.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	var f tokenFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("the token file is not JSON: %v", err)
	}
	f.raw = string(b)
	st, err := os.Stat(e.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the token file's mode is %v, want 0600", st.Mode().Perm())
	}
	entries, err := os.ReadDir(filepath.Dir(e.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(e.TokenFile)
	for _, d := range entries {
		if d.Name() != base && d.Name() != base+".lock" {
			t.Errorf("unexpected file %s beside the token file", d.Name())
		}
	}
	return f
}

// redeem asks the fake's token endpoint for a token with refresh token rt,
// as another process would, and returns the HTTP status and Entra's error.
func (e *env) redeem(t testing.TB, rt string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(e.Server.TokenURL(), url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {fakegraph.ClientID},
		"client_secret": {fakegraph.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error
}

// seen is what the fake saw of one Graph request.
type seen struct {
	Status  int
	Subject string
	Serial  int
}

func (e *env) seen() []seen {
	var out []seen
	for _, r := range e.Server.Requests() {
		out = append(out, seen{r.Status, r.Subject, r.TokenSerial})
	}
	return out
}

// TestTokenRotation checks that the first query signs in with the token
// file's refresh token and writes the rotated one back: a new refresh token
// the fake accepts, in a private file, with no temporary file left.
func TestTokenRotation(t *testing.T) {
	e := newEnv(t, small(), []string{"ParallelScans=1"}) // pages in sequence, no count
	e.Server.SetRotatedTokenGrace(0)                     // a used refresh token dies at once
	before := e.readTokenFile(t)
	if before.RefreshToken == "" || before.AccessToken != "" {
		t.Fatalf("the initial token file should hold a refresh token only")
	}
	cols := []string{"id", "subject"}
	got := e.query(t, "SELECT id, subject FROM messages")
	diffRows(t, "messages", sorted(got), sorted(oracle(t, e.Tenant, "messages", e.User, cols)))
	want := []seen{{200, e.User, 1}, {200, e.User, 1}}
	if !slices.Equal(e.seen(), want) {
		t.Errorf("the fake saw %v, want %v", e.seen(), want)
	}
	if n := e.Server.Stats().TokenRequests; n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	after := e.readTokenFile(t)
	if after.RefreshToken == "" || after.RefreshToken == before.RefreshToken {
		t.Errorf("the refresh token was not rotated into the file")
	}
	if after.AccessToken == "" {
		t.Errorf("the access token was not saved")
	}
	if strings.Contains(after.raw, fakegraph.ClientSecret) {
		t.Errorf("the token file holds the client secret")
	}
	if status, code := e.redeem(t, before.RefreshToken); status != 400 || code != "invalid_grant" {
		t.Errorf("the used refresh token: %d %s, want 400 invalid_grant", status, code)
	}
	if status, code := e.redeem(t, after.RefreshToken); status != 200 {
		t.Errorf("the saved refresh token: %d %s, want 200", status, code)
	}
}

// TestAccessTokenExpiresMidScan expires every access token between two
// pages of a scan: the driver must get a new one and finish the scan, with
// one 401 and no other failure, whatever the retry mode.
func TestAccessTokenExpiresMidScan(t *testing.T) {
	for _, mode := range []string{"RetryWhenStatusCodeMatch", "None", "RetryAny"} {
		t.Run(mode, func(t *testing.T) {
			extra := []string{"RetryMode=" + mode}
			e := newEnv(t, small(), append([]string{"RetryWaitTime=0.01", "ParallelScans=1"}, extra...))
			rows, err := e.conn.QueryContext(context.Background(), "SELECT id FROM messages")
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, []string{canon(id)})
				if len(got) == 10 { // the first page is in memory
					e.Server.ExpireAccessTokens()
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("rows.Err: %v", err)
			}
			rows.Close()
			diffRows(t, "rows", sorted(got), e.ids(t))
			want := []seen{{200, e.User, 1}, {401, "", 0}, {200, e.User, 2}}
			if !slices.Equal(e.seen(), want) {
				t.Errorf("the fake saw %v, want %v", e.seen(), want)
			}
			if n := e.Server.Stats().TokenRequests; n != 2 {
				t.Errorf("%d token requests, want 2", n)
			}
			if got := clientStatuses(e.clientLog(t)); !slices.Equal(got, []int{200, 401, 200}) {
				t.Errorf("the driver logged %v, want [200 401 200]", got)
			}
		})
	}
}

// leaks returns the secrets of the env found in s: the client secret, the
// given tokens, and anything shaped like an access token (a JWT) or an
// Entra refresh token.
func leaks(s string, tokens ...string) []string {
	var out []string
	for _, x := range append([]string{fakegraph.ClientSecret}, tokens...) {
		if x != "" && strings.Contains(s, x) {
			out = append(out, x[:8]+"…")
		}
	}
	for _, re := range []string{`eyJ[A-Za-z0-9_-]{8,}`, `1\.AQ[A-Za-z0-9_-]{8,}`} {
		if m := regexp.MustCompile(re).FindString(s); m != "" {
			out = append(out, m[:8]+"…")
		}
	}
	return out
}

// TestRevokedSignIn checks that a sign-in Entra no longer honours ends the
// query with an error saying to run outlooksql login, without a token or
// the secret in it, and leaves the token file as it was.
func TestRevokedSignIn(t *testing.T) {
	const login = `auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login" to sign in again`
	for _, tc := range []struct {
		name    string
		warm    bool // run a query first, so an access token is in use
		revoke  func(e *env, f tokenFile)
		want    []seen // what the fake sees of the failing query
		wantErr string // regexp of the whole error
	}{
		{"revoked sessions", true,
			func(e *env, _ tokenFile) { e.Server.RevokeUser(e.User) },
			[]seen{{401, "", 0}},
			`^messages: graph: ` + regexp.QuoteMeta(countedPage+": "+login) + ` \(gave up after 2 attempts\)$`},
		{"revoked refresh token, expired access token", true,
			func(e *env, f tokenFile) {
				e.Server.RevokeRefreshToken(f.RefreshToken)
				e.Server.ExpireAccessTokens()
			},
			[]seen{{401, "", 0}},
			`^messages: graph: ` + regexp.QuoteMeta(countedPage+": "+login) + ` \(gave up after 2 attempts\)$`},
		{"revoked before the first query", false,
			func(e *env, f tokenFile) { e.Server.RevokeRefreshToken(f.RefreshToken) },
			nil,
			`^messages: graph: ` + regexp.QuoteMeta(countedPage+": "+login) + `$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, small(), nil)
			initial := e.readTokenFile(t)
			if tc.warm {
				e.query(t, "SELECT id FROM messages LIMIT 1")
			}
			f := e.readTokenFile(t)
			tc.revoke(e, f)
			e.Server.ResetRequests()
			got, err := e.run(context.Background(), "SELECT id FROM messages")
			if len(got) != 0 {
				t.Errorf("%d rows, want none", len(got))
			}
			matchErr(t, "error", err, tc.wantErr)
			if !slices.Equal(e.seen(), tc.want) {
				t.Errorf("the fake saw %v, want %v", e.seen(), tc.want)
			}
			if n := e.Server.Stats().TokenRequests; n != 1 {
				t.Errorf("%d token requests for the failing query, want 1 (the refused refresh)", n)
			}
			if err != nil {
				if l := leaks(err.Error(), initial.RefreshToken, f.RefreshToken, f.AccessToken); len(l) > 0 {
					t.Errorf("the error shows secrets: %v", l)
				}
			}
			after := e.readTokenFile(t)
			if after != f {
				t.Errorf("a refused refresh changed the token file")
			}
			if strings.Contains(after.raw, fakegraph.ClientSecret) {
				t.Errorf("the token file holds the client secret")
			}
		})
	}
}

// appEnv is an env signed in with ApplicationCredentials for mailbox.
func appEnv(t testing.TB, tenant *fakegraph.Tenant, mailbox string, extra ...string) *env {
	t.Helper()
	de, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Close)
	e := &env{Env: de}
	e.db, err = sql.Open(driver.Name, de.AppConnString(mailbox, extra...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	e.conn, err = e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.Close() })
	return e
}

// TestApplicationCredentials reads a mailbox with an app-only token: the
// UserId key is the default mailbox, and 'me' is Graph's clear 400.
func TestApplicationCredentials(t *testing.T) {
	tenant := small()
	upn := tenant.Users[1].UserPrincipalName
	e := appEnv(t, tenant, upn, "ParallelScans=1") // one request per page

	cols := visibleColumns(tenant, "messages")
	got := e.query(t, "SELECT "+strings.Join(cols, ", ")+" FROM messages")
	diffRows(t, "messages", sorted(got), sorted(oracle(t, tenant, "messages", upn, cols)))
	for _, r := range e.Server.Requests() {
		if r.Status != 200 || r.Subject != "app" || !strings.HasPrefix(r.Path, "/v1.0/users/"+upn+"/messages") {
			t.Errorf("request %s %s: status %d as %q, want 200 as app on the mailbox", r.Method, r.Path, r.Status, r.Subject)
		}
	}
	// Pages of $top rows: the planner asks for fewer when bodies are selected.
	if reqs := e.Server.Requests(); len(reqs) > 0 {
		top, _ := strconv.Atoi(reqs[0].Query.Get("$top"))
		if want := (len(got) + top - 1) / max(top, 1); len(reqs) != want || top == 0 {
			t.Errorf("%d requests of $top=%d for %d rows, want %d", len(reqs), top, len(got), want)
		}
	}
	if n := e.Server.Stats().TokenRequests; n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}

	e.Server.ResetRequests()
	got, err := e.run(context.Background(), "SELECT id FROM messages('me')")
	if len(got) != 0 {
		t.Errorf("%d rows, want none", len(got))
	}
	matchErr(t, "messages('me')", err, `^messages: graph: `+
		regexp.QuoteMeta("GET /me/messages?$select=id&$top=1000: 400 BadRequest: /me request is only valid with delegated authentication flow.")+
		` `+requestID+regexp.QuoteMeta("; AuthType=ApplicationCredentials has no signed-in user (me): name a mailbox, e.g. WHERE user_id = 'alice@contoso.com'")+`$`)
	if err != nil {
		if l := leaks(err.Error()); len(l) > 0 {
			t.Errorf("the error shows secrets: %v", l)
		}
	}
	want := []seen{{400, "app", 1}}
	if !slices.Equal(e.seen(), want) {
		t.Errorf("the fake saw %v, want %v", e.seen(), want)
	}
}
