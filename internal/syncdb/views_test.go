package syncdb

import (
	"testing"
)

// TestReportViews: against the fake tenant, message_recipients has one row
// per sender and per element of each recipient list, and
// messages_in_folders gives every message its folder's path.
func TestReportViews(t *testing.T) {
	path := syncGenerated(t, 9, 150)
	for _, c := range []struct{ view, base string }{
		{"SELECT count(*) FROM message_recipients WHERE kind = 'from'", "SELECT count(*) FROM messages WHERE from_address IS NOT NULL"},
		{"SELECT count(*) FROM message_recipients WHERE kind = 'to'", "SELECT coalesce(sum(json_array_length(to_recipients)), 0) FROM messages"},
		{"SELECT count(*) FROM message_recipients WHERE kind = 'cc'", "SELECT coalesce(sum(json_array_length(cc_recipients)), 0) FROM messages"},
		{"SELECT count(*) FROM message_recipients WHERE kind = 'bcc'", "SELECT coalesce(sum(json_array_length(bcc_recipients)), 0) FROM messages"},
		{"SELECT count(*) FROM message_recipients WHERE address IS NULL", "SELECT 0"},
		{"SELECT count(*) FROM messages_in_folders WHERE folder_path IS NOT NULL", "SELECT count(*) FROM messages"},
		{"SELECT count(DISTINCT folder_path) FROM messages_in_folders", "SELECT count(DISTINCT parent_folder_id) FROM messages"},
	} {
		got, want := query(t, path, c.view), query(t, path, c.base)
		if got[0][0] != want[0][0] || got[0][0] == "" {
			t.Errorf("%s = %v, want %v (%s)", c.view, got, want, c.base)
		}
	}
	if n := query(t, path, "SELECT count(*) FROM message_recipients WHERE kind = 'to'"); n[0][0] == "0" {
		t.Error("no recipients at all: the test proves nothing")
	}
}
