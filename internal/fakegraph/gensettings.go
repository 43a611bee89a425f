package fakegraph

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// genSettings gives every mailbox inbox rules, a master category list and
// mailbox settings. It draws from its own random source, so the mail the
// generator made before it is the same as without it.
func genSettings(seed uint64, t *Tenant) {
	r := rand.New(rand.NewPCG(seed, 0x5e771265c0ffee))
	guid := func() string {
		a, b := r.Uint64(), r.Uint64()
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
	}
	zones := []string{"Pacific Standard Time", "W. Europe Standard Time", "UTC", "Tokyo Standard Time", "Eastern Standard Time", "GMT Standard Time"}
	statuses := []string{"scheduled", "alwaysEnabled", "disabled"}
	audiences := []string{"all", "contactsOnly", "none"}
	purposes := []string{"user", "user", "shared", "room", "user"}
	for ui, u := range t.Users {
		if u.NoMailbox {
			continue
		}
		for i, name := range categoryPool {
			color := fmt.Sprintf("preset%d", r.IntN(25))
			if i == len(categoryPool)-1 {
				color = "none"
			}
			u.Categories = append(u.Categories, &Category{ID: guid(), DisplayName: name, Color: color})
		}
		u.Rules = genRules(r, u)
		for i, rule := range u.Rules {
			rule.ID = "AQAAA" + fmt.Sprintf("%03d%03dBQ8=", ui, i)
		}
		locale, display := "en-US", "English (United States)"
		if u.PreferredLanguage != nil {
			locale = *u.PreferredLanguage
			display = locale
		}
		start := genStart.Add(time.Duration(r.Int64N(int64(genEnd.Sub(genStart)/time.Hour))) * time.Hour)
		zone := zones[ui%len(zones)]
		u.Settings = &Settings{
			TimeZone: zone, Locale: locale, LocaleDisplayName: display,
			DateFormat: []string{"MM/dd/yyyy", "dd.MM.yyyy", "yyyy/MM/dd"}[ui%3], TimeFormat: []string{"hh:mm tt", "HH:mm"}[ui%2],
			ReplyStatus: statuses[ui%len(statuses)], ExternalAudience: audiences[ui%len(audiences)],
			ReplyStart: start, ReplyEnd: start.Add(time.Duration(24+r.IntN(24*14)) * time.Hour),
			InternalReply: "<html>\n<body>\n<p>I'm away & back soon — " + u.DisplayName + "</p></body>\n</html>\n",
			ExternalReply: "<html>\n<body>\n<p>Out of office: 100% offline.</p></body>\n</html>\n",
			WorkDays:      []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			WorkStart:     "08:00:00.0000000", WorkEnd: "17:00:00.0000000", WorkTimeZone: zone,
			UserPurpose: purposes[ui%len(purposes)],
		}
		if ui%2 == 1 {
			u.Settings.WorkDays = []string{"monday", "tuesday", "wednesday", "thursday"}
			u.Settings.WorkStart = "09:30:00.0000000"
		}
	}
}

// genRules makes a mailbox's inbox rules: moves to its folders, categories,
// forwards, one disabled, one in error, one read-only, some with exceptions.
func genRules(r *rand.Rand, u *User) []*Rule {
	folder := func(name string) string {
		for _, f := range u.Folders {
			if f.DisplayName == name {
				return f.ID
			}
		}
		return ""
	}
	js := func(build func(o *obj)) string {
		o := obj{b: []byte{'{'}}
		build(&o)
		return string(append(o.b, '}'))
	}
	strs := func(o *obj, k string, v ...string) {
		o.key(k)
		o.b = appendStrs(o.b, v)
	}
	rules := []*Rule{
		{DisplayName: "Receipts to their folder", IsEnabled: true,
			Conditions: js(func(o *obj) { strs(o, "subjectContains", "receipt", "invoice", "Rechnung") }),
			Actions:    js(func(o *obj) { o.str("moveToFolder", folder("Receipts")); o.boolean("stopProcessingRules", true) })},
		{DisplayName: "Newsletters: read & filed", IsEnabled: true,
			Conditions: js(func(o *obj) { strs(o, "senderContains", "newsletter", "digest") }),
			Actions: js(func(o *obj) {
				o.str("moveToFolder", folder("Newsletters"))
				o.boolean("markAsRead", true)
			}),
			Exceptions: js(func(o *obj) { strs(o, "subjectContains", "100% urgent") })},
		{DisplayName: "VIP's mail", IsEnabled: true,
			Conditions: js(func(o *obj) {
				o.key("fromAddresses")
				o.b = appendRecipients(o.b, []Recipient{{Name: "Seán O'Brien", Address: "Sean.OBrien@contoso.onmicrosoft.com"}})
			}),
			Actions: js(func(o *obj) { strs(o, "assignCategories", "VIP's"); o.str("markImportance", "high") })},
		{DisplayName: "Large attachments", IsEnabled: false,
			Conditions: js(func(o *obj) {
				o.boolean("hasAttachments", true)
				o.key("withinSizeRange")
				s := obj{b: []byte{'{'}}
				s.num("minimumSize", 1024)
				s.num("maximumSize", int64(2048+r.IntN(4096)))
				o.b = append(append(o.b, s.b...), '}')
			}),
			Actions: js(func(o *obj) { strs(o, "assignCategories", "Follow_up 100%", "Projet été") })},
		{DisplayName: "Forward to assistant", IsEnabled: true, HasError: true,
			Conditions: js(func(o *obj) { o.boolean("sentToMe", true); o.str("importance", "high") }),
			Actions: js(func(o *obj) {
				o.key("forwardTo")
				o.b = appendRecipients(o.b, []Recipient{{Name: "Assistant <desk>", Address: "assistant@contoso.onmicrosoft.com"}})
			})},
		{DisplayName: "Junk by policy (managed)", IsEnabled: true, IsReadOnly: true,
			Conditions: js(func(o *obj) { strs(o, "headerContains", "X-Spam-Flag: YES") }),
			Actions:    js(func(o *obj) { o.boolean("delete", true) })},
	}
	// Each mailbox keeps a deterministic subset, in sequence order.
	n := 2 + r.IntN(len(rules)-1)
	out := rules[:n]
	seq := 0
	for _, rule := range out {
		seq++
		if r.IntN(4) == 0 {
			seq++ // gaps, as after deletions
		}
		rule.Sequence = seq
	}
	return out
}
