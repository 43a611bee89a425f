package driver_test

import (
	"strings"
	"testing"
)

// TestTablesMatchOracle scans every table through the driver and compares
// every row and column with the fake tenant's model, computed without HTTP.
func TestTablesMatchOracle(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	other := tenant.Users[1].UserPrincipalName
	for _, tc := range []struct {
		table   string
		from    string // FROM clause
		mailbox string // oracle rows of this mailbox
	}{
		{"messages", "messages", e.User},
		{"messages", "messages('" + other + "')", other},
		{"mail_folders", "mail_folders", e.User},
		{"attachments", "attachments", e.User},
		{"users", "users", ""},
	} {
		t.Run(tc.from, func(t *testing.T) {
			cols := visibleColumns(tenant, tc.table)
			got := e.query(t, "SELECT "+strings.Join(cols, ", ")+" FROM "+tc.from)
			want := oracle(t, tenant, tc.table, tc.mailbox, cols)
			if len(want) == 0 {
				t.Fatalf("the oracle has no %s rows: the test would prove nothing", tc.table)
			}
			diffRows(t, tc.from, sorted(got), sorted(want))
		})
	}
}

// TestHiddenColumnsEcho checks that hidden columns return the value the
// query gave, and the default mailbox when it gave none.
func TestHiddenColumnsEcho(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	other := tenant.Users[2].UserPrincipalName
	for _, tc := range []struct {
		q    string
		want [][]string
	}{
		{"SELECT user_id, folder_id, search FROM messages LIMIT 1", [][]string{{`"me"`, "NULL", "NULL"}}},
		{"SELECT user_id, folder_id FROM messages('" + other + "', 'inbox') LIMIT 1", [][]string{{`"` + other + `"`, `"inbox"`}}},
		{"SELECT user_id FROM mail_folders WHERE user_id = '" + other + "' LIMIT 1", [][]string{{`"` + other + `"`}}},
	} {
		got := e.query(t, tc.q)
		diffRows(t, tc.q, got, tc.want)
	}
}

// TestFolderScope checks folder_id against the model: the inbox's rows are
// exactly the messages whose parent folder is the inbox.
func TestFolderScope(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	u := tenant.Users[0]
	var inbox string
	for _, f := range u.Folders {
		if f.WellKnownName == "inbox" {
			inbox = f.ID
		}
	}
	var want [][]string
	for _, m := range u.Messages {
		if m.ParentFolderID == inbox {
			want = append(want, []string{`"` + m.ID + `"`})
		}
	}
	if len(want) == 0 {
		t.Fatal("the inbox is empty: the test would prove nothing")
	}
	got := e.query(t, "SELECT id FROM messages WHERE folder_id = 'Inbox'")
	diffRows(t, "inbox", sorted(got), sorted(want))
	got = e.query(t, "SELECT id FROM messages WHERE folder_id = ?", inbox)
	diffRows(t, "inbox by id", sorted(got), sorted(want))
}
