package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestExplainBatchedLookup: a nested-loop join whose inner scan was fetched
// ahead shows as a batched lookup (keys, requests, served), and its inner
// scans say how many requests the lookup answered.
func TestExplainBatchedLookup(t *testing.T) {
	f, n := inboxFixture(t)
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages('me', 'inbox') m"
	out, _, err := cli("explain", "-c", f.env.ConnString(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("batched lookup: attachments.message_id from messages.id: %d keys fetched ahead in ", n),
		fmt.Sprintf(", %d served, 0 dropped\n", n),
		fmt.Sprintf("scan 2: attachments × %d  rows=", n), // the inner scans, one line
		fmt.Sprintf(" ahead=%d\n", n),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%.3000s", want, out)
		}
	}
	out, _, err = cli("explain", "-c", f.env.ConnString()+";Lookahead=Off", q)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "batched lookup") || strings.Contains(out, "ahead=") {
		t.Errorf("Lookahead=Off: explain shows a batched lookup:\n%.3000s", out)
	}
}

// inboxFixture is a tenant whose signed-in inbox holds n ≥ 10 messages,
// enough for a join's lookahead to show.
func inboxFixture(t *testing.T) (f *tenantFixture, n int) {
	t.Helper()
	f = newTenantFixture(t)
	u := f.env.Tenant.Users[0]
	inbox := ""
	for _, fo := range u.Folders {
		if fo.WellKnownName == "inbox" {
			inbox = fo.ID
		}
	}
	for _, m := range u.Messages {
		if m.ParentFolderID == inbox {
			n++
		}
	}
	if n < 10 {
		t.Fatalf("the inbox has %d messages: too few to prove anything", n)
	}
	return f, n
}
