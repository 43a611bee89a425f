package plan

import (
	"fmt"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// TestKeyArgs: the arguments a nested-loop join fills with the outer row's
// key are those giving a key column one value (=); an IN list, $search and
// $filter arguments are not.
func TestKeyArgs(t *testing.T) {
	att := tables.ByName("attachments")
	msg := tables.ByName("messages")
	usr := tables.ByName("users")
	for _, tc := range []struct {
		name string
		q    sqlQuery
		want string // "column@arg" …
	}{
		{"attachments by message", sqlQuery{t: att, cons: []con{c("message_id", sqlite.OpEQ, "m1")}, cols: []string{"name"}}, "[message_id@0]"},
		{"attachments by mailbox and message", sqlQuery{t: att, cons: []con{c("user_id", sqlite.OpEQ, "a@b"), c("message_id", sqlite.OpEQ, "m1")}, cols: []string{"name"}}, "[user_id@0 message_id@1]"},
		{"messages by mailbox", sqlQuery{t: msg, cons: []con{c("user_id", sqlite.OpEQ, "a@b"), c("is_read", sqlite.OpEQ, int64(0))}, cols: []string{"subject"}}, "[user_id@0]"},
		{"messages by id", sqlQuery{t: msg, cons: []con{c("id", sqlite.OpEQ, "x")}, cols: []string{"subject"}}, "[id@0]"},
		{"messages by ids: an IN list", sqlQuery{t: msg, cons: []con{c("id", sqlite.OpEQ, in("x", "y")).IN()}, cols: []string{"subject"}}, "[]"},
		{"messages by $search", sqlQuery{t: msg, cons: []con{c("search", sqlite.OpEQ, "budget")}, cols: []string{"subject"}}, "[]"},
		{"users by id", sqlQuery{t: usr, cons: []con{c("id", sqlite.OpEQ, "u1")}, cols: []string{"display_name"}}, "[id@0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, _, err := tc.q.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := KeyArgs(tc.q.t, info.IdxStr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, fmt.Sprintf("%s@%d", tc.q.t.Columns[k.Col].Name, k.Arg))
			}
			if s := fmt.Sprint(got); s != tc.want && !(len(got) == 0 && tc.want == "[]") {
				t.Errorf("KeyArgs = %s, want %s", s, tc.want)
			}
		})
	}
	if _, err := KeyArgs(msg, "not json"); err == nil {
		t.Error("KeyArgs of a malformed plan: no error")
	}
}
