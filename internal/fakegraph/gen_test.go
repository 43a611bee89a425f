package fakegraph

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(GenConfig{Seed: 42, Users: 3, MessagesPerUser: 300})
	b := Generate(GenConfig{Seed: 42, Users: 3, MessagesPerUser: 300})
	c := Generate(GenConfig{Seed: 43, Users: 3, MessagesPerUser: 300})
	for _, table := range []string{"users", "messages", "mail_folders", "attachments"} {
		_, ra := a.Rows(table)
		_, rb := b.Rows(table)
		_, rc := c.Rows(table)
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s: same seed, different rows", table)
		}
		if table != "users" && reflect.DeepEqual(ra, rc) {
			t.Errorf("%s: different seeds, same rows", table)
		}
	}
	if n := len(a.Users[1].Messages); n != 300 {
		t.Errorf("%d messages, want 300", n)
	}
}

// TestGenerateLarge checks the size of a benchmark tenant; how long it
// takes is measured by BenchmarkGenerate100k, not asserted here.
func TestGenerateLarge(t *testing.T) {
	tn := Generate(GenConfig{Seed: 1, Users: 1, MessagesPerUser: 100_000})
	if n := len(tn.Users[0].Messages); n != 100_000 {
		t.Errorf("%d messages", n)
	}
}

func TestDemoRealism(t *testing.T) {
	d := sharedDemo()
	total := 0
	var sawNullUserField, noMailbox bool
	for _, u := range d.Users {
		total += len(u.Messages)
		if u.MobilePhone == nil || u.JobTitle == nil || u.PreferredLanguage == nil {
			sawNullUserField = true
		}
		noMailbox = noMailbox || u.NoMailbox
	}
	if total < 2000 || total > 5000 || len(d.Users) < 5 {
		t.Errorf("demo: %d users, %d messages", len(d.Users), total)
	}
	if !sawNullUserField || !noMailbox {
		t.Errorf("demo users lack null fields (%v) or a mailbox-less user (%v)", sawNullUserField, noMailbox)
	}
	u := d.Users[0]
	if u.Messages[0].ID == u.Messages[1].ID || !strings.EqualFold(u.Messages[0].ID, u.Messages[1].ID) {
		t.Errorf("first two ids should differ only by case: %s %s", u.Messages[0].ID, u.Messages[1].ID)
	}
	wk := map[string]bool{}
	var hidden bool
	for _, f := range u.Folders {
		wk[f.WellKnownName] = true
		hidden = hidden || f.IsHidden
	}
	for _, w := range []string{"inbox", "sentitems", "drafts", "deleteditems", "archive", "junkemail", "outbox"} {
		if !wk[w] {
			t.Errorf("no %s folder", w)
		}
	}
	if !hidden {
		t.Errorf("no hidden folder")
	}
	seen := map[string]bool{}
	mark := func(k string, ok bool) {
		if ok {
			seen[k] = true
		}
	}
	first := map[time.Month]bool{}
	var minT, maxT time.Time
	for _, m := range u.Messages {
		mark("flag "+flagStatus(m), true)
		mark("importance "+m.Importance, true)
		mark("read", m.IsRead)
		mark("unread", !m.IsRead)
		mark("draft", m.IsDraft)
		mark("draft without from", m.IsDraft && m.From == nil)
		mark("categories", len(m.Categories) > 0)
		mark("quote", strings.Contains(m.Subject, "'"))
		mark("percent", strings.Contains(m.Subject, "%"))
		mark("underscore", strings.Contains(m.Subject, "_"))
		mark("accent", strings.ContainsAny(m.Subject, "éß"))
		mark("cjk", strings.Contains(m.Subject, "日本語"))
		mark("emoji", strings.Contains(m.Subject, "🎉"))
		mark("apostrophe name", m.From != nil && strings.Contains(m.From.Name, "O'"))
		mark("focused", m.InferenceClassification == "focused")
		mark("other", m.InferenceClassification == "other")
		for _, a := range m.Attachments {
			mark("attachment "+a.Kind, true)
			mark("inline with contentId", a.IsInline && a.ContentID != "")
			mark("large", len(a.Content) > MaxInlineContent)
		}
		for _, tm := range []time.Time{m.ReceivedDateTime, m.SentDateTime, m.CreatedDateTime, m.LastModifiedDateTime} {
			if tm.Nanosecond() != 0 || tm.Location() != time.UTC {
				t.Fatalf("date %v is not whole-second UTC", tm)
			}
		}
		first[m.ReceivedDateTime.Month()] = true
		if minT.IsZero() || m.ReceivedDateTime.Before(minT) {
			minT = m.ReceivedDateTime
		}
		if m.ReceivedDateTime.After(maxT) {
			maxT = m.ReceivedDateTime
		}
	}
	for _, k := range []string{"flag notFlagged", "flag flagged", "flag complete", "importance low", "importance normal", "importance high",
		"read", "unread", "draft", "draft without from", "categories", "quote", "percent", "underscore", "accent", "cjk", "emoji",
		"apostrophe name", "focused", "other", "attachment file", "attachment item", "attachment reference", "inline with contentId", "large"} {
		if !seen[k] {
			t.Errorf("demo mailbox has no %s", k)
		}
	}
	if maxT.Sub(minT) < 600*24*time.Hour {
		t.Errorf("dates span only %v", maxT.Sub(minT))
	}
}

// BenchmarkGenerate100k measures building a 100,000-message mailbox.
func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		Generate(GenConfig{Seed: 1, Users: 1, MessagesPerUser: 100_000})
	}
}
