package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// TestSettingsTablesRows: message_rules, master_categories and
// mailbox_settings give the fake tenant's rules, categories and settings
// (the oracle's copy), for the signed-in mailbox and for others, with one
// request per mailbox; mailbox_settings asks for UTC dates.
func TestSettingsTablesRows(t *testing.T) {
	f := newDiffFixturePaged(t, 0)
	other := f.tenant.Users[2]
	plain := func(q string) [][]string {
		t.Helper()
		rows, err := f.plain.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out, err := readRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		vt, plain string
		requests  []string
	}{
		{`SELECT id, display_name, sequence, is_enabled, has_error, is_read_only, conditions, actions, exceptions FROM message_rules ORDER BY sequence`,
			`SELECT id, display_name, sequence, is_enabled, has_error, is_read_only, conditions, actions, exceptions FROM message_rules WHERE user_id = 'me' ORDER BY sequence`,
			[]string{"GET /v1.0/me/mailFolders/inbox/messageRules?$select=id,displayName,sequence,isEnabled,hasError,isReadOnly,conditions,actions,exceptions&$top=100"}},
		{`SELECT user_id, display_name FROM message_rules('` + other.UserPrincipalName + `') WHERE is_enabled = 1 ORDER BY 2`,
			`SELECT user_id, display_name FROM message_rules WHERE user_id = '` + other.UserPrincipalName + `' AND is_enabled = 1 ORDER BY 2`,
			[]string{"GET /v1.0/users/" + other.UserPrincipalName + "/mailFolders/inbox/messageRules?$select=id,displayName,isEnabled&$top=100"}},
		{`SELECT id, display_name, color FROM master_categories ORDER BY display_name`,
			`SELECT id, display_name, color FROM master_categories WHERE user_id = 'me' ORDER BY display_name`,
			[]string{"GET /v1.0/me/outlook/masterCategories?$select=id,displayName,color&$top=100"}},
		{`SELECT * FROM mailbox_settings`,
			`SELECT time_zone, language_locale, date_format, time_format, automatic_replies_status, automatic_replies_external_audience,
			 automatic_replies_start, automatic_replies_end, automatic_replies_internal_message, automatic_replies_external_message,
			 working_hours, user_purpose FROM mailbox_settings WHERE user_id = 'me'`,
			[]string{"GET /v1.0/me/mailboxSettings"}},
		{`SELECT user_id, time_zone, automatic_replies_status, automatic_replies_start, automatic_replies_end FROM mailbox_settings
		  WHERE user_id IN ('me', '` + other.ID + `') ORDER BY user_id`,
			`SELECT user_id, time_zone, automatic_replies_status, automatic_replies_start, automatic_replies_end FROM mailbox_settings
		  WHERE user_id IN ('me', '` + other.ID + `') ORDER BY user_id`,
			[]string{"GET /v1.0/me/mailboxSettings", "GET /v1.0/users/" + other.ID + "/mailboxSettings"}},
	}
	for _, tt := range tests {
		f.e.Server.ResetRequests()
		got := f.e.query(t, tt.vt)
		if want := plain(tt.plain); !reflect.DeepEqual(got, want) || len(got) == 0 {
			t.Errorf("%s:\ngot  %v\nwant %v", tt.vt, got, want)
		}
		reqs := f.e.requests()
		if strings.Contains(tt.vt, " IN (") {
			reqs = sortedCopy(reqs)
		}
		if !reflect.DeepEqual(reqs, tt.requests) {
			t.Errorf("%s: requests\n%q\nwant\n%q", tt.vt, reqs, tt.requests)
		}
		for _, r := range f.e.Server.Requests() {
			prefer := strings.Join(r.Header.Values("Prefer"), ", ")
			if strings.Contains(r.Path, "mailboxSettings") != strings.Contains(prefer, `outlook.timezone="UTC"`) {
				t.Errorf("%s: Prefer %q", r.Path, prefer)
			}
		}
	}
	// Graph's capitalized enums ("Scheduled") leave in the CSDL case, and
	// the schedule's dates as "…Z" text.
	got := f.e.query(t, `SELECT automatic_replies_status, automatic_replies_external_audience, automatic_replies_start FROM mailbox_settings`)
	st := f.tenant.Users[0].Settings
	if want := [][]string{{strconv.Quote(st.ReplyStatus), strconv.Quote(st.ExternalAudience), strconv.Quote(st.ReplyStart.Format("2006-01-02T15:04:05Z"))}}; !reflect.DeepEqual(got, want) || st.TimeZone == "UTC" {
		t.Errorf("got %v, want %v (in %s)", got, want, st.TimeZone)
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

// TestSettingsTablesForbidden: without MailboxSettings.Read (the default
// Scope, or an app registration without the role) Graph answers 403, and
// the error names the permission and how to add it to Scope and to the
// app registration.
func TestSettingsTablesForbidden(t *testing.T) {
	tenant := small()
	delegated := newEnv(t, tenant, nil)
	// A sign-in with the default Scope: no MailboxSettings.Read.
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	body, _ := json.Marshal(map[string]any{"refresh_token": delegated.Server.IssueRefreshToken(delegated.User), "access_token": "", "expires_in": 0})
	if err := os.WriteFile(tokenFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver.Name, strings.Replace(delegated.ConnString(), delegated.TokenFile, tokenFile, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	app := appEnv(t, tenant, tenant.Users[1].UserPrincipalName)
	delegatedAdvice := `; reading inbox rules, categories and mailbox settings needs the MailboxSettings.Read permission (the default Scope lacks it), ` +
		`and another user's mailbox must be shared with you: add MailboxSettings.Read to Scope (the default list followed by ~MailboxSettings.Read) ` +
		`and to the app registration (API permissions → Add a permission → Microsoft Graph → Delegated permissions → MailboxSettings.Read), ` +
		`then run "outlooksql login" again so that the sign-in grants it`
	appAdvice := `; reading inbox rules, categories and mailbox settings needs the MailboxSettings.Read application permission: ` +
		`in the app registration, API permissions → Add a permission → Microsoft Graph → Application permissions → MailboxSettings.Read, then Grant admin consent`
	for _, c := range []struct {
		name   string
		db     *sql.DB
		path   string
		advice string
	}{
		{"default Scope", db, "/me", delegatedAdvice},
		{"app-only", app.db, "/users/" + strings.ReplaceAll(tenant.Users[1].UserPrincipalName, "@", "%40"), appAdvice},
	} {
		for table, path := range map[string]string{"message_rules": "/mailFolders/inbox/messageRules?$select=id,displayName&$top=100",
			"master_categories": "/outlook/masterCategories?$select=id,displayName&$top=100", "mailbox_settings": "/mailboxSettings"} {
			cols := "display_name"
			if table == "mailbox_settings" {
				cols = "time_zone"
			}
			rows, err := c.db.QueryContext(context.Background(), "SELECT "+cols+" FROM "+table)
			if err == nil {
				_, err = readRows(rows)
			}
			want := table + ": graph: GET " + c.path + path + ": 403 ErrorAccessDenied: Access is denied. Check credentials and try again."
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), c.advice) {
				t.Errorf("%s, %s: got %v\nwant %s … %s", c.name, table, err, want, c.advice)
			}
		}
	}
	// Mail still reads with the same token: only the new tables need more.
	if _, err := db.Exec("SELECT count(*) FROM messages"); err != nil {
		t.Errorf("messages: %v", err)
	}
}
