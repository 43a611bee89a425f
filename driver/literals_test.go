package driver_test

import (
	"strings"
	"testing"
)

// TestNULAndControlCharactersInLiterals compares, with the plain copy,
// queries whose literals hold NUL or other control characters. SQLite's
// LIKE and GLOB end a pattern at its first NUL ('%' || char(0) || 'zz%' is
// '%'), so the planner must not send what follows; and a literal with a
// control character is never sent to Graph at all (how Graph reads one is
// not documented), so SQLite checks it.
func TestNULAndControlCharactersInLiterals(t *testing.T) {
	f := newDiffFixture(t)
	scope := " AND user_id = 'me' AND folder_id IS NULL"
	for _, tc := range []struct {
		name, where string
		users       bool // on users, which needs no scope
		wantRows    bool
	}{
		{name: "LIKE with a NUL after %", where: "subject LIKE '%' || char(0) || 'zz%'", wantRows: true},
		{name: "LIKE with a NUL on from_address", where: "from_address LIKE '%' || char(0) || 'zz%'", wantRows: true},
		{name: "LIKE: a prefix, then NUL", where: "subject LIKE 'Re' || char(0) || 'zz%'"},
		{name: "LIKE: a prefix and %, then NUL", where: "subject LIKE 'Bud%' || char(0) || 'zz'", wantRows: true},
		{name: "GLOB with a NUL", where: "subject GLOB '*' || char(0) || 'zz*'", wantRows: true},
		{name: "LIKE starting with NUL", where: "subject LIKE char(0) || '%'"},
		{name: "= with a NUL", where: "subject = 'Budget' || char(0)"},
		{name: "IN with a tab", where: "from_address IN ('a' || char(9) || 'b', 'x')"},
		{name: "LIKE with a newline", where: "subject LIKE '%' || char(10) || '%'"},
		{name: "users: LIKE with a NUL", where: "display_name LIKE '%' || char(0) || 'x%'", users: true, wantRows: true},
		{name: "users: = with DEL", where: "department = 'R&D' || char(127)", users: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &diffQuery{limit: -1}
			if tc.users {
				q.vt = "SELECT id FROM users WHERE " + tc.where
				q.plain = q.vt
			} else {
				q.vt = "SELECT id FROM messages WHERE " + tc.where
				q.plain = q.vt + scope
			}
			q.plainAll = q.plain
			res := f.runDiff(f.e, q)
			if res.failure != "" {
				t.Fatal(res.failure)
			}
			if tc.wantRows && res.rows == 0 {
				t.Fatal("no rows: the case proves little")
			}
			for _, r := range f.e.Server.Requests() {
				if filter := r.Query.Get("$filter"); strings.ContainsFunc(filter, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
					t.Errorf("a control character was sent: $filter=%q", filter)
				}
			}
		})
	}
}
