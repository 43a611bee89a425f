package tables

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// decodeRow decodes every non-hidden column of t from item, by name.
func decodeRow(t *testing.T, tab *Table, item gjson.Result) map[string]any {
	t.Helper()
	row := map[string]any{}
	for i := range tab.Columns {
		c := &tab.Columns[i]
		if c.Hidden {
			continue
		}
		v, err := c.Value(item.Get(c.Path))
		if err != nil {
			t.Fatalf("%s.%s: %v", tab.Name, c.Name, err)
		}
		row[c.Name] = v
	}
	return row
}

// TestMailboxSettingsDecode decodes Graph's own mailboxSettings sample
// (testdata/get-mailboxsettings.json, from the Graph docs): its enums come
// capitalized ("Scheduled", "All") and leave as the CSDL members, its
// dateTimeTimeZone values as "…Z" text.
func TestMailboxSettingsDecode(t *testing.T) {
	b, err := os.ReadFile("testdata/get-mailboxsettings.json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeRow(t, MailboxSettings, gjson.ParseBytes(b))
	want := map[string]any{
		"time_zone":                           "UTC",
		"language_locale":                     "en-US",
		"date_format":                         "MM/dd/yyyy",
		"time_format":                         "hh:mm tt",
		"automatic_replies_status":            "scheduled",
		"automatic_replies_external_audience": "all",
		"automatic_replies_start":             "2016-03-14T07:00:00Z",
		"automatic_replies_end":               "2016-03-28T07:00:00Z",
		"automatic_replies_internal_message":  "<html>\n<body>\n<p>I'm at our company's worldwide reunion and will respond to your message as soon as I return.<br>\n</p></body>\n</html>\n",
		"automatic_replies_external_message":  "<html>\n<body>\n<p>I'm at the Contoso worldwide reunion and will respond to your message as soon as I return.<br>\n</p></body>\n</html>\n",
		"working_hours":                       `{"daysOfWeek":["monday","tuesday","wednesday","thursday","friday"],"startTime":"08:00:00.0000000","endTime":"17:00:00.0000000","timeZone":{"name":"Pacific Standard Time"}}`,
		"user_purpose":                        nil,
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s = %#v, want %#v", k, got[k], want[k])
			}
		}
	}
}

// TestMasterCategoriesDecode decodes the docs' list-categories sample.
func TestMasterCategoriesDecode(t *testing.T) {
	b, err := os.ReadFile("testdata/list-mastercategories.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, item := range gjson.GetBytes(b, "value").Array() {
		got = append(got, decodeRow(t, MasterCategories, item))
	}
	want := []map[string]any{
		{"id": "98f4fcf5-7c1f-4c5b-8be6-97b2be0fa8bc", "display_name": "Red category", "color": "preset0"},
		{"id": "ee71f200-2a3d-457a-a25d-1f84fd44b507", "display_name": "Orange category", "color": "preset1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestEnumMembers: an Enum column with Members returns a member in the
// CSDL case whatever case Graph writes; other values pass unchanged.
func TestEnumMembers(t *testing.T) {
	c := Column{Name: "automatic_replies_status", Type: Enum, Members: []string{"disabled", "alwaysEnabled", "scheduled"}}
	for in, want := range map[string]string{"Scheduled": "scheduled", "ALWAYSENABLED": "alwaysEnabled",
		"disabled": "disabled", "Unknown": "Unknown"} {
		if got, err := c.Value(gjson.Parse(`"` + in + `"`)); err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %s", in, got, err, want)
		}
	}
}

// TestDateTimeZone: dateTimeTimeZone values become UTC "…Z" text with whole
// seconds; a zone that is not UTC and not an IANA name is an error naming
// the header that should have prevented it.
func TestDateTimeZone(t *testing.T) {
	c := Column{Name: "automatic_replies_start", Type: DateTimeZone}
	tests := []struct{ json, want string }{
		{`{"dateTime":"2016-03-14T07:00:00.0000000","timeZone":"UTC"}`, "2016-03-14T07:00:00Z"},
		{`{"dateTime":"2016-03-14T07:00:00.9999999","timeZone":"utc"}`, "2016-03-14T07:00:00Z"},
		{`{"dateTime":"2016-03-14T07:00:00","timeZone":"UTC"}`, "2016-03-14T07:00:00Z"},
	}
	for _, tt := range tests {
		if got, err := c.Value(gjson.Parse(tt.json)); err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %s", tt.json, got, err, tt.want)
		}
	}
	if got, err := c.Value(gjson.Parse(`null`)); got != nil || err != nil {
		t.Errorf("null: got %v, %v", got, err)
	}
	_, err := c.Value(gjson.Parse(`{"dateTime":"2016-03-13T23:00:00.0000000","timeZone":"Pacific Standard Time"}`))
	if err == nil || !strings.Contains(err.Error(), `automatic_replies_start: Graph sent 2016-03-13T23:00:00.0000000 in time zone "Pacific Standard Time", not UTC as asked (Prefer: outlook.timezone="UTC")`) {
		t.Errorf("Windows zone: got %v", err)
	}
}

// TestSettingsTablesDeclare: the three mailbox-settings tables ask for UTC
// dates (mailbox_settings), need MailboxSettings.Read, and say how to add
// it on a 403; mailbox_settings reads one entity.
func TestSettingsTablesDeclare(t *testing.T) {
	if h := MailboxSettings.Header(Settings{}); !reflect.DeepEqual(h, map[string]string{"Prefer": `outlook.timezone="UTC"`}) {
		t.Errorf("mailbox_settings headers: %v", h)
	}
	if !MailboxSettings.Fetch.Entity || MailboxSettings.Fetch.Flat() {
		t.Errorf("mailbox_settings fetch: %+v", MailboxSettings.Fetch)
	}
	for _, tab := range []*Table{MessageRules, MasterCategories, MailboxSettings} {
		if len(tab.Needs) != 1 || tab.Needs[0].Scope != "MailboxSettings.Read" {
			t.Errorf("%s needs %v", tab.Name, tab.Needs)
		}
		for _, part := range []string{"MailboxSettings.Read", "Scope", "app registration", "outlooksql login", "Delegated permissions"} {
			if a := tab.Forbidden(Settings{}); !strings.Contains(a, part) {
				t.Errorf("%s: the delegated 403 advice does not name %q: %s", tab.Name, part, a)
			}
		}
		// App-only has no Scope and no sign-in: the advice is the
		// application permission and admin consent, and nothing else.
		a := tab.Forbidden(Settings{AppOnly: true})
		for _, part := range []string{"MailboxSettings.Read application permission", "Application permissions", "Grant admin consent"} {
			if !strings.Contains(a, part) {
				t.Errorf("%s: the app-only 403 advice does not name %q: %s", tab.Name, part, a)
			}
		}
		for _, part := range []string{"Scope", "login"} {
			if strings.Contains(a, part) {
				t.Errorf("%s: the app-only 403 advice names %q: %s", tab.Name, part, a)
			}
		}
	}
	found := false
	for _, p := range Permissions() {
		if p.Scope == "MailboxSettings.Read" {
			found = true
			if p.For != "the message_rules, master_categories and mailbox_settings tables" {
				t.Errorf("MailboxSettings.Read is for %q", p.For)
			}
		}
	}
	if !found {
		t.Error("Permissions() lacks MailboxSettings.Read")
	}
}
