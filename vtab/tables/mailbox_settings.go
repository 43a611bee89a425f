package tables

// mailboxSettingsRead is what the mailbox-settings tables (inbox rules,
// categories, settings) need; the default Scope lacks it.
var mailboxSettingsRead = Need{Scope: "MailboxSettings.Read", Any: []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"}}

// mailboxSettingsForbidden is the advice for a 403 from the
// mailbox-settings tables. Graph's 403 does not say which permission was
// missing, so the advice names the one these tables need and how to grant
// it for the kind of connection; another mailbox's settings also need that
// mailbox shared with the user.
func mailboxSettingsForbidden(s Settings) string {
	if s.AppOnly {
		return `reading inbox rules, categories and mailbox settings needs the MailboxSettings.Read application permission: ` +
			`in the app registration, API permissions → Add a permission → Microsoft Graph → Application permissions → MailboxSettings.Read, then Grant admin consent`
	}
	return `reading inbox rules, categories and mailbox settings needs the MailboxSettings.Read permission (the default Scope lacks it), ` +
		`and another user's mailbox must be shared with you: add MailboxSettings.Read to Scope (the default list followed by ~MailboxSettings.Read) ` +
		`and to the app registration (API permissions → Add a permission → Microsoft Graph → Delegated permissions → MailboxSettings.Read), ` +
		`then run "outlooksql login" again so that the sign-in grants it`
}

// utcHeader asks Graph for dateTimeTimeZone values in UTC, which Column
// type DateTimeZone turns into "…Z" text.
func utcHeader(Settings) map[string]string {
	return map[string]string{"Prefer": `outlook.timezone="UTC"`}
}

// MailboxSettings is the mailbox_settings table: /{mailbox}/mailboxSettings,
// one row per mailbox.
var MailboxSettings = &Table{
	Name:        "mailbox_settings",
	Doc:         "A mailbox's settings, one row per mailbox: automatic replies, time zone, language, formats, working hours.",
	Collection:  "/{mailbox}/mailboxSettings",
	Item:        "/{mailbox}/mailboxSettings",
	Fetch:       Fetch{Entity: true},
	Rows:        1,
	Header:      utcHeader,
	Needs:       []Need{mailboxSettingsRead},
	Forbidden:   mailboxSettingsForbidden,
	MaxTop:      1,
	DefaultPage: 1,
	// No column names a $select: Graph's settings are one small object,
	// read whole.
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: KeyMailbox, Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "time_zone", Type: Text, Path: "timeZone", Doc: "the mailbox's time zone, a Windows or IANA name"},
		{Name: "language_locale", Type: Text, Path: "language.locale", Doc: "language.locale, e.g. en-US"},
		{Name: "date_format", Type: Text, Path: "dateFormat"},
		{Name: "time_format", Type: Text, Path: "timeFormat"},
		{Name: "automatic_replies_status", Type: Enum, Path: "automaticRepliesSetting.status",
			Members: []string{"disabled", "alwaysEnabled", "scheduled"}, Doc: "disabled, alwaysEnabled or scheduled"},
		{Name: "automatic_replies_external_audience", Type: Enum, Path: "automaticRepliesSetting.externalAudience",
			Members: []string{"none", "contactsOnly", "all"}, Doc: "none, contactsOnly or all"},
		{Name: "automatic_replies_start", Type: DateTimeZone, Path: "automaticRepliesSetting.scheduledStartDateTime", Doc: "scheduledStartDateTime, UTC"},
		{Name: "automatic_replies_end", Type: DateTimeZone, Path: "automaticRepliesSetting.scheduledEndDateTime", Doc: "scheduledEndDateTime, UTC"},
		{Name: "automatic_replies_internal_message", Type: Text, Path: "automaticRepliesSetting.internalReplyMessage"},
		{Name: "automatic_replies_external_message", Type: Text, Path: "automaticRepliesSetting.externalReplyMessage"},
		{Name: "working_hours", Type: JSON, Path: "workingHours", Doc: "daysOfWeek, startTime, endTime, timeZone"},
		{Name: "user_purpose", Type: Enum, Path: "userPurpose",
			Members: []string{"user", "linked", "shared", "room", "equipment", "others"}, Doc: "user, linked, shared, room, equipment or others"},
	},
}
