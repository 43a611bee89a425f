package fakegraph

import (
	"net/http"
	"testing"

	"github.com/tidwall/gjson"
)

// TestMailboxSettingsTimeZone: the automatic-replies schedule comes in the
// zone Prefer: outlook.timezone names, else in the mailbox's own zone, as
// Graph does; the enums come capitalized, as in Graph's sample.
func TestMailboxSettingsTimeZone(t *testing.T) {
	s, _ := startDemo(t)
	tok := s.IssueAccessToken(adele, append(DelegatedScopes, "MailboxSettings.Read")...)
	st := sharedDemo().Users[0].Settings
	if st.TimeZone != "Pacific Standard Time" || st.ReplyStatus != "scheduled" {
		t.Fatalf("the demo's first mailbox: %s, %s", st.TimeZone, st.ReplyStatus)
	}
	utc := st.ReplyStart.Format("2006-01-02T15:04:05") + ".0000000"
	pacific := st.ReplyStart.Add(-8*3600e9).Format("2006-01-02T15:04:05") + ".0000000"
	tests := []struct {
		prefer, dateTime, zone, applied string
	}{
		{`outlook.timezone="UTC"`, utc, "UTC", `outlook.timezone="UTC"`},
		{`IdType="ImmutableId", outlook.timezone="UTC"`, utc, "UTC", `IdType="ImmutableId",outlook.timezone="UTC"`},
		{"", pacific, "Pacific Standard Time", ""},
	}
	for _, tt := range tests {
		var h []string
		if tt.prefer != "" {
			h = []string{"Prefer", tt.prefer}
		}
		r := get(t, s, tok, "/me/mailboxSettings", h...)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		b := gjson.ParseBytes(r.body)
		if got := b.Get("automaticRepliesSetting.scheduledStartDateTime"); got.Get("dateTime").String() != tt.dateTime || got.Get("timeZone").String() != tt.zone {
			t.Errorf("Prefer %q: start %s, want %s in %s", tt.prefer, got.Raw, tt.dateTime, tt.zone)
		}
		if got := r.header.Get("Preference-Applied"); got != tt.applied {
			t.Errorf("Prefer %q: Preference-Applied %q, want %q", tt.prefer, got, tt.applied)
		}
		if got := b.Get("automaticRepliesSetting.status").String(); got != "Scheduled" {
			t.Errorf("status %q", got)
		}
	}
}

// TestSettingsPermission: rules, categories and settings need
// MailboxSettings.Read (the default delegated scopes and the app roles
// lack it); a sign-in that asks for it by name gets it.
func TestSettingsPermission(t *testing.T) {
	s, without := startDemo(t)
	with := s.IssueAccessToken(adele, append(DelegatedScopes, "MailboxSettings.Read")...)
	paths := []string{"/me/mailboxSettings", "/me/mailFolders/inbox/messageRules", "/me/outlook/masterCategories",
		"/users/" + adele + "/mailFolders('Inbox')/messageRules"}
	for _, p := range paths {
		if r := get(t, s, without, p); r.status != http.StatusForbidden || r.errCode() != "ErrorAccessDenied" {
			t.Errorf("%s without MailboxSettings.Read: %d %s", p, r.status, r.body)
		}
		if r := get(t, s, with, p); r.status != http.StatusOK {
			t.Errorf("%s with MailboxSettings.Read: %d %s", p, r.status, r.body)
		}
	}
	if r := get(t, s, s.IssueAppToken(), "/users/"+adele+"/mailboxSettings"); r.status != http.StatusForbidden {
		t.Errorf("app-only without the role: %d %s", r.status, r.body)
	}
	if granted, e, _ := grantScopes("offline_access Mail.Read MailboxSettings.Read"); e != nil || len(granted) != 3 || granted[2] != "MailboxSettings.Read" {
		t.Errorf("grantScopes: %v, %v", granted, e)
	}
	rules := all(t, s, with, "/me/mailFolders/inbox/messageRules?$top=2")
	if want := len(sharedDemo().Users[0].Rules); len(rules) != want || want < 2 {
		t.Errorf("%d rules over pages of 2, want %d", len(rules), want)
	}
}
