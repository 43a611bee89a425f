package driver_test

import (
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestJSONColumnsEscapeLikeTheOracle: a JSON column's text is written by
// the same escaper as the fake tenant's rows (which the differential test's
// plain SQLite copy holds), so strings with control characters, U+2028 and
// HTML characters read back byte for byte as the copy has them.
func TestJSONColumnsEscapeLikeTheOracle(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 3})
	odd := "a\bb\fc\x01d\u2028e<&>\"\\"
	u := tenant.Users[0]
	m := u.Messages[0]
	m.ToRecipients = []fakegraph.Recipient{{Name: odd, Address: "odd@contoso.com"}}
	m.Categories = []string{odd}
	m.InternetMessageHeaders = []fakegraph.Header{{Name: "X-Odd", Value: odd}}
	e := newEnv(t, tenant, nil)

	cols := []string{"to_recipients", "categories", "internet_message_headers"}
	got := e.query(t, "SELECT to_recipients, categories, internet_message_headers FROM messages WHERE user_id = ? AND id = ?", u.UserPrincipalName, m.ID)
	if len(got) != 1 {
		t.Fatalf("got %d rows, want 1", len(got))
	}
	names, rows := tenant.Rows("messages")
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	for _, r := range rows {
		if r[pos["id"]] != m.ID {
			continue
		}
		for i, c := range cols {
			if want := canon(r[pos[c]]); got[0][i] != want {
				t.Errorf("%s = %s\n   want %s", c, got[0][i], want)
			}
		}
		return
	}
	t.Fatalf("message %s not in the tenant's rows", m.ID)
}
