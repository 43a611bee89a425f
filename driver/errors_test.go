package driver_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// openErr opens the driver on connStr and returns the error of sql.Open
// or, if it succeeded, of db.Ping.
func openErr(t testing.TB, connStr string) error {
	t.Helper()
	db, err := sql.Open(driver.Name, connStr)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

// TestBadConnectionStrings opens the driver with connection strings that
// are wrong in one way each: the error must say exactly what is wrong, come
// before any request, and never show the secret.
func TestBadConnectionStrings(t *testing.T) {
	de, err := demo.Start(small())
	if err != nil {
		t.Fatal(err)
	}
	defer de.Close()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	garbled := filepath.Join(dir, "garbled.json")
	if err := os.WriteFile(garbled, []byte("refresh_token="+fakegraph.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := fakegraph.ClientSecret
	// good are the pairs of a working connection string, by key.
	good := [][2]string{
		{"BaseUrl", de.Server.GraphURL()},
		{"TokenUrl", de.Server.TokenURL()},
		{"ClientId", fakegraph.ClientID},
		{"ClientSecret", secret},
		{"RefreshTokenFilePath", de.TokenFile},
	}
	// build returns the good connection string with key replaced by
	// "k=v" pairs ("" drops it) and extra pairs appended.
	build := func(key string, repl []string, extra ...string) string {
		var parts []string
		for _, kv := range good {
			if kv[0] == key {
				parts = append(parts, repl...)
				continue
			}
			parts = append(parts, kv[0]+"="+kv[1])
		}
		return strings.Join(append(parts, extra...), ";")
	}
	for _, tc := range []struct {
		name    string
		connStr string
		want    string
	}{
		{"near miss", build("ClientSecret", []string{"ClientSecrt=" + secret}),
			`unknown key "ClientSecrt" (did you mean ClientSecret?)`},
		{"missing RefreshTokenFilePath", build("RefreshTokenFilePath", nil),
			`AuthType=UserCredentials (the default) requires RefreshTokenFilePath, TokenUrl, ClientId; missing: RefreshTokenFilePath`},
		{"bad RetryMode", build("", nil, "RetryMode=Sometimes"),
			`RetryMode: "Sometimes" is not valid; use one of None, RetryAny, RetryWhenStatusCodeMatch`},
		{"secret as RetryMode", build("", nil, "RetryMode="+secret),
			`RetryMode: (value not shown: it looks like a secret) is not valid; use one of None, RetryAny, RetryWhenStatusCodeMatch`},
		{"bad RetryStatusCodeList", build("", nil, "RetryStatusCodeList=429|abc"),
			`RetryStatusCodeList: "abc" is not an HTTP status code (100-599); separate codes with |, e.g. 429|503`},
		{"negative RetryWaitTime", build("", nil, "RetryWaitTime=-1"),
			`RetryWaitTime: "-1" is not a number of seconds from 0 to 3600 (e.g. 0.5)`},
		{"app-only without UserId", build("RefreshTokenFilePath", nil, "AuthType=ApplicationCredentials"),
			`UserId is required with AuthType=ApplicationCredentials: app-only tokens have no /me`},
		{"missing token file", build("RefreshTokenFilePath", []string{"RefreshTokenFilePath=" + missing}),
			`sign-in: auth: RefreshTokenFilePath ` + missing + ` does not exist: run "outlooksql login" to sign in and create it`},
		{"garbled token file", build("RefreshTokenFilePath", []string{"RefreshTokenFilePath=" + garbled}),
			`sign-in: auth: RefreshTokenFilePath ` + garbled + ` is not a token file: want JSON {"access_token": …, "refresh_token": …, "expires_in": …} (at byte 1); run "outlooksql login" to recreate it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			de.Server.ResetRequests()
			err := openErr(t, tc.connStr)
			if err == nil {
				t.Fatalf("no error, want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n %s\nwant\n %s", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the client secret")
			}
			if st := de.Server.Stats(); st.Requests != 0 || st.TokenRequests != 0 {
				t.Errorf("the fake saw %d Graph and %d token requests, want none", st.Requests, st.TokenRequests)
			}
		})
	}
}

// nonexistentID is a well-formed Exchange id that names nothing.
var nonexistentID = base64.URLEncoding.EncodeToString(append([]byte{0x00, 0x03, 0x24}, make([]byte, 40)...))

// TestGraphErrors checks that Graph's refusals end the query with an error
// that has the request, HTTP status, Graph's code and message and the
// request-id, after exactly one request (4xx are not retried).
func TestGraphErrors(t *testing.T) {
	e := newEnv(t, small(), []string{"RetryWaitTime=0.01"})
	escaped := strings.ReplaceAll(nonexistentID, "=", "%3D")
	for _, tc := range []struct {
		name   string
		q      string
		status int
		text   string // the error up to the request-id
		hint   string // what follows the request-id: how to fix it
	}{
		{"unknown mailbox", "SELECT id FROM messages WHERE user_id = 'nobody@contoso.onmicrosoft.com'", 404,
			"messages: graph: GET /users/nobody%40contoso.onmicrosoft.com/messages?$select=id&$top=1000&$count=true: 404 ErrorNonExistentMailbox: The SMTP address has no mailbox associated with it. (user 'nobody@contoso.onmicrosoft.com')", ""},
		{"unknown folder id", "SELECT id FROM messages WHERE folder_id = '" + nonexistentID + "'", 404,
			"messages: graph: GET /me/mailFolders/" + escaped + "/messages?$select=id&$top=1000&$count=true: 404 ErrorItemNotFound: The specified object was not found in the store.",
			"; folder_id \"" + nonexistentID + "\" is neither a folder id nor a well-known name (inbox, sentitems, drafts, deleteditems, archive, junkemail, outbox, …): SELECT id, path FROM mail_folders lists them"},
		{"misspelt folder name", "SELECT id FROM messages('me', 'Inbx')", 400,
			"messages: graph: GET /me/mailFolders/Inbx/messages?$select=id&$top=1000&$count=true: 400 ErrorInvalidIdMalformed: Id is malformed.",
			"; folder_id \"Inbx\" is neither a folder id nor a well-known name (inbox, sentitems, drafts, deleteditems, archive, junkemail, outbox, …): SELECT id, path FROM mail_folders lists them"},
		{"settings of an unknown mailbox", "SELECT time_zone FROM mailbox_settings('nobody@contoso.onmicrosoft.com')", 404,
			"mailbox_settings: graph: GET /users/nobody%40contoso.onmicrosoft.com/mailboxSettings: 404 ErrorNonExistentMailbox: The SMTP address has no mailbox associated with it. (user 'nobody@contoso.onmicrosoft.com')", ""},
		{"a message by id in an unknown mailbox", "SELECT id FROM messages WHERE user_id = 'nobody@contoso.onmicrosoft.com' AND id = '" + nonexistentID + "'", 404,
			"messages: graph: GET /users/nobody%40contoso.onmicrosoft.com/messages/" + escaped + "?$select=id: 404 ErrorNonExistentMailbox: The SMTP address has no mailbox associated with it. (user 'nobody@contoso.onmicrosoft.com')", ""},
		{"folders of an unknown mailbox", "SELECT id FROM mail_folders('nobody@contoso.onmicrosoft.com')", 404,
			"mail_folders: graph: GET /users/nobody%40contoso.onmicrosoft.com/mailFolders?includeHiddenFolders=true&$select=id,displayName,parentFolderId,childFolderCount&$top=1000: 404 ErrorNonExistentMailbox: The SMTP address has no mailbox associated with it. (user 'nobody@contoso.onmicrosoft.com')", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Server.ResetRequests()
			got, err := e.run(context.Background(), tc.q)
			if len(got) != 0 {
				t.Errorf("%d rows, want none", len(got))
			}
			matchErr(t, tc.q, err, `^`+regexp.QuoteMeta(tc.text)+` `+requestID+regexp.QuoteMeta(tc.hint)+`$`)
			if want := []int{tc.status}; !slices.Equal(e.fakeStatuses(), want) {
				t.Errorf("the fake saw %v, want %v", e.fakeStatuses(), want)
			}
			if w := e.warnings(t); len(w) != 0 {
				t.Errorf("warnings %q, want none", w)
			}
		})
	}
}

// warnings returns the warnings of the last statement on the env's connection.
func (e *env) warnings(t testing.TB) []string {
	t.Helper()
	w, err := driver.Warnings(e.conn)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestNoRowsNotErrors checks the answers of Graph that mean "nothing" in
// SQL: an id that names nothing is no row, and a user without a mailbox
// has no mail (with a warning), alone or in a join over users.
func TestNoRowsNotErrors(t *testing.T) {
	tenant := fakegraph.Demo()
	var noMailbox string
	for _, u := range tenant.Users {
		if u.NoMailbox {
			noMailbox = u.UserPrincipalName
		}
	}
	if noMailbox == "" {
		t.Fatal("the demo tenant has no user without a mailbox")
	}
	e := newEnv(t, tenant, nil)
	warning := "messages: " + noMailbox + " has no mailbox Graph can read (MailboxNotEnabledForRESTAPI); it counts as empty"

	// The join's answer: every user's number of messages.
	var counts [][]string
	for _, u := range tenant.Users {
		counts = append(counts, []string{canon(u.UserPrincipalName), canon(int64(len(u.Messages)))})
	}
	for _, tc := range []struct {
		name     string
		q        string
		want     [][]string
		statuses []int // sorted
		warnings []string
	}{
		{"message id that names nothing", "SELECT id FROM messages WHERE id = '" + nonexistentID + "'",
			nil, []int{404}, nil},
		{"malformed message id", "SELECT id FROM messages WHERE id = 'nonexistent'",
			nil, []int{400}, nil},
		{"mailbox-less user", "SELECT id FROM messages('" + noMailbox + "')",
			nil, []int{404}, []string{warning}},
		{"mailbox-less user in a join",
			"SELECT u.user_principal_name, count(m.id) FROM users u LEFT JOIN messages m ON m.user_id = u.user_principal_name GROUP BY 1 ORDER BY 1",
			sorted(counts), append(slices.Repeat([]int{200}, len(tenant.Users)), 404), []string{warning}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Server.ResetRequests()
			got := e.query(t, tc.q)
			diffRows(t, tc.q, got, tc.want)
			if st := slices.Sorted(slices.Values(e.fakeStatuses())); !slices.Equal(st, tc.statuses) {
				t.Errorf("the fake saw %v, want %v", st, tc.statuses)
			}
			if w := e.warnings(t); !slices.Equal(w, tc.warnings) {
				t.Errorf("warnings %q, want %q", w, tc.warnings)
			}
		})
	}
}
