package fakegraph

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// The mailbox-settings endpoints: inbox rules, the master category list
// and mailboxSettings. They need MailboxSettings.Read (or .ReadWrite), as
// a scope or an application role, and none of the Mail permissions.

// MaxSettingsTop is the largest $top the fake accepts on inbox rules and
// categories.
const MaxSettingsTop = 1000

// zoneOffsets are the time zones the fake converts dateTimeTimeZone values
// to, by Windows name, as fixed offsets (the fake knows no daylight time).
var zoneOffsets = map[string]time.Duration{
	"UTC":                     0,
	"GMT Standard Time":       0,
	"W. Europe Standard Time": time.Hour,
	"Eastern Standard Time":   -5 * time.Hour,
	"Pacific Standard Time":   -8 * time.Hour,
	"Tokyo Standard Time":     9 * time.Hour,
}

// DefaultSettings are the settings of a mailbox whose User.Settings is nil.
func DefaultSettings() *Settings {
	return &Settings{
		TimeZone: "UTC", Locale: "en-US", LocaleDisplayName: "English (United States)",
		DateFormat: "M/d/yyyy", TimeFormat: "h:mm tt", ReplyStatus: "disabled", ExternalAudience: "all",
		WorkDays:  []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
		WorkStart: "08:00:00.0000000", WorkEnd: "17:00:00.0000000", WorkTimeZone: "UTC", UserPurpose: "user",
		ReplyStart: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), ReplyEnd: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
	}
}

func (u *User) settings() *Settings {
	if u.Settings != nil {
		return u.Settings
	}
	return DefaultSettings()
}

// settingsPath reports whether rest is one of the mailbox-settings paths:
// mailboxSettings, outlook/masterCategories or
// mailFolders/{folder}/messageRules.
func settingsPath(rest []segment) bool {
	name := func(i int) string {
		if i >= len(rest) {
			return ""
		}
		return strings.ToLower(rest[i].name)
	}
	switch name(0) {
	case "mailboxsettings", "outlook":
		return true
	case "mailfolders":
		if rest[0].hasKey {
			return name(1) == "messagerules"
		}
		return name(2) == "messagerules"
	}
	return false
}

// serveSettings serves the mailbox-settings paths of u's mailbox.
func (c *call) serveSettings(u *User, rest []segment) {
	if !c.p.has("MailboxSettings.Read", "MailboxSettings.ReadWrite") ||
		(!c.p.app && c.p.user != u && !c.p.has("Mail.Read.Shared", "Mail.ReadBasic.Shared", "Mail.ReadWrite.Shared")) {
		c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	if u.NoMailbox {
		c.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	if !c.acquire(strings.ToLower(u.ID)) {
		return
	}
	c.user = u
	switch strings.ToLower(rest[0].name) {
	case "mailboxsettings":
		if len(rest) != 1 || rest[0].hasKey {
			c.notFoundSegment(rest[len(rest)-1].name)
			return
		}
		c.getSettings(u.settings())
	case "outlook":
		if len(rest) != 2 || !strings.EqualFold(rest[1].name, "masterCategories") || rest[1].hasKey {
			c.notFoundSegment(rest[len(rest)-1].name)
			return
		}
		c.listCategories(u)
	default: // mailFolders/{folder}/messageRules
		if rest[0].hasKey {
			rest = append([]segment{{name: rest[0].name}, {name: rest[0].key}}, rest[1:]...)
		}
		mb := c.s.idx.mailbox(u)
		f, err := mb.folder(rest[1].name)
		if err != nil {
			c.answer(err)
			return
		}
		if !strings.EqualFold(f.WellKnownName, "inbox") {
			c.fail(http.StatusBadRequest, "ErrorInvalidRequest", "Rules are only supported on the Inbox folder.")
			return
		}
		if len(rest) != 3 || rest[2].hasKey {
			c.notFoundSegment(rest[len(rest)-1].name)
			return
		}
		c.listRules(u)
	}
}

// settingsPage is the page of a rules or categories listing.
func (c *call) settingsPage(q *query) (int, bool) {
	page := DefaultMessagesPage
	if q.has["$top"] {
		if q.top < 1 || q.top > MaxSettingsTop {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", MaxSettingsTop, q.top))
			return 0, false
		}
		page = q.top
	}
	return page, true
}

var ruleProps = []string{"displayName", "sequence", "isEnabled", "hasError", "isReadOnly", "conditions", "actions", "exceptions"}

// settingsList reads the query of a list of rules or categories: the
// options Graph takes there, the page size, the $select over props and the
// @odata.context of path. ok is false when it answered an error.
func (c *call) settingsList(props []string, typeName, path string) (q *query, page int, sel selection, ctx string, ok bool) {
	q = c.q()
	if err := q.allow("$select", "$top", "$skip"); err != nil {
		c.answer(err)
		return nil, 0, nil, "", false
	}
	if page, ok = c.settingsPage(q); !ok {
		return nil, 0, nil, "", false
	}
	sel, canon, err := parseSelect(q.sel, props, typeName)
	if err != nil {
		c.answer(err)
		return nil, 0, nil, "", false
	}
	ctx = fmt.Sprintf("users('%s')/%s", c.user.ID, path)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	return q, page, sel, ctx, true
}

func (c *call) listRules(u *User) {
	q, page, sel, ctx, ok := c.settingsList(ruleProps, "microsoft.graph.messageRule", "mailFolders('inbox')/messageRules")
	if !ok {
		return
	}
	writeList(c, q, ctx, u.Rules, page, func(b []byte, r *Rule) []byte {
		o := obj{b: append(b, '{')}
		o.str("id", r.ID)
		for _, p := range ruleProps {
			if !sel.has(p, true) {
				continue
			}
			switch p {
			case "displayName":
				o.str(p, r.DisplayName)
			case "sequence":
				o.num(p, int64(r.Sequence))
			case "isEnabled":
				o.boolean(p, r.IsEnabled)
			case "hasError":
				o.boolean(p, r.HasError)
			case "isReadOnly":
				o.boolean(p, r.IsReadOnly)
			case "conditions", "actions", "exceptions":
				v := map[string]string{"conditions": r.Conditions, "actions": r.Actions, "exceptions": r.Exceptions}[p]
				if v != "" {
					o.key(p)
					o.b = append(o.b, v...)
				}
			}
		}
		return append(o.b, '}')
	})
}

var categoryProps = []string{"displayName", "color"}

func (c *call) listCategories(u *User) {
	q, page, sel, ctx, ok := c.settingsList(categoryProps, "microsoft.graph.outlookCategory", "outlook/masterCategories")
	if !ok {
		return
	}
	writeList(c, q, ctx, u.Categories, page, func(b []byte, k *Category) []byte {
		o := obj{b: append(b, '{')}
		o.str("id", k.ID)
		if sel.has("displayName", true) {
			o.str("displayName", k.DisplayName)
		}
		if sel.has("color", true) {
			o.str("color", k.Color)
		}
		return append(o.b, '}')
	})
}

// capitalized is an enum member as Graph's mailboxSettings sample writes
// it: "Scheduled" for scheduled.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// getSettings writes mailboxSettings. Its dateTimeTimeZone values are in
// the zone a Prefer: outlook.timezone names (when the fake knows it), else
// in the mailbox's own time zone, as Graph does.
func (c *call) getSettings(st *Settings) {
	if err := c.q().allow(); err != nil {
		c.answer(err)
		return
	}
	zone := st.TimeZone
	if c.timeZone != "" {
		zone = c.timeZone
	}
	off, ok := zoneOffsets[zone]
	if !ok {
		zone, off = "UTC", 0
	}
	dtz := func(t time.Time) []byte {
		b := []byte(`{"dateTime":"`)
		b = t.UTC().Add(off).AppendFormat(b, "2006-01-02T15:04:05.0000000")
		b = append(b, `","timeZone":`...)
		b = jsonx.AppendString(b, zone)
		return append(b, '}')
	}
	o := obj{b: []byte{'{'}}
	o.str("@odata.context", c.context(fmt.Sprintf("users('%s')/mailboxSettings", c.user.ID)))
	o.key("automaticRepliesSetting")
	a := obj{b: []byte{'{'}}
	a.str("status", capitalized(st.ReplyStatus))
	a.str("externalAudience", capitalized(st.ExternalAudience))
	a.key("scheduledStartDateTime")
	a.b = append(a.b, dtz(st.ReplyStart)...)
	a.key("scheduledEndDateTime")
	a.b = append(a.b, dtz(st.ReplyEnd)...)
	a.str("internalReplyMessage", st.InternalReply)
	a.str("externalReplyMessage", st.ExternalReply)
	o.b = append(append(o.b, a.b...), '}')
	o.str("timeZone", st.TimeZone)
	o.key("language")
	l := obj{b: []byte{'{'}}
	l.str("locale", st.Locale)
	l.str("displayName", st.LocaleDisplayName)
	o.b = append(append(o.b, l.b...), '}')
	o.key("workingHours")
	o.b = append(o.b, workingHoursJSON(st)...)
	o.str("dateFormat", st.DateFormat)
	o.str("timeFormat", st.TimeFormat)
	o.str("userPurpose", st.UserPurpose)
	o.str("delegateMeetingMessageDeliveryOptions", "sendToDelegateOnly")
	c.writeJSON(append(o.b, '}'))
}

// workingHoursJSON is workingHours, the same in Graph and in SCHEMA.md.
func workingHoursJSON(st *Settings) string {
	w := obj{b: []byte{'{'}}
	w.key("daysOfWeek")
	w.b = appendStrs(w.b, orEmpty(st.WorkDays))
	w.str("startTime", st.WorkStart)
	w.str("endTime", st.WorkEnd)
	w.key("timeZone")
	z := obj{b: []byte{'{'}}
	z.str("name", st.WorkTimeZone)
	w.b = append(append(w.b, z.b...), '}')
	return string(append(w.b, '}'))
}

// The SCHEMA.md values of the settings tables, for Rows.

func ruleValue(r *Rule, c string) any {
	switch c {
	case "id":
		return r.ID
	case "display_name":
		return r.DisplayName
	case "sequence":
		return int64(r.Sequence)
	case "is_enabled":
		return b01(r.IsEnabled)
	case "has_error":
		return b01(r.HasError)
	case "is_read_only":
		return b01(r.IsReadOnly)
	case "conditions":
		return nullIfEmpty(r.Conditions)
	case "actions":
		return nullIfEmpty(r.Actions)
	case "exceptions":
		return nullIfEmpty(r.Exceptions)
	}
	panic("fakegraph: Rows: no value for message_rules." + c)
}

func categoryValue(k *Category, c string) any {
	switch c {
	case "id":
		return k.ID
	case "display_name":
		return k.DisplayName
	case "color":
		return k.Color
	}
	panic("fakegraph: Rows: no value for master_categories." + c)
}

func settingsValue(st *Settings, c string) any {
	switch c {
	case "time_zone":
		return st.TimeZone
	case "language_locale":
		return st.Locale
	case "date_format":
		return st.DateFormat
	case "time_format":
		return st.TimeFormat
	case "automatic_replies_status":
		return st.ReplyStatus
	case "automatic_replies_external_audience":
		return st.ExternalAudience
	case "automatic_replies_start":
		return dateText(st.ReplyStart)
	case "automatic_replies_end":
		return dateText(st.ReplyEnd)
	case "automatic_replies_internal_message":
		return st.InternalReply
	case "automatic_replies_external_message":
		return st.ExternalReply
	case "working_hours":
		return workingHoursJSON(st)
	case "user_purpose":
		return st.UserPurpose
	}
	panic("fakegraph: Rows: no value for mailbox_settings." + c)
}
