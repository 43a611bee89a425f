package driver_test

import (
	"strings"
	"testing"
)

// TestScopeKeyFromSubqueryWithOr runs, through the differential comparison,
// queries whose mailbox or folder comes from a subquery (scalar, IN,
// correlated) next to an OR. SQLite runs an OR as one scan per branch when
// that is cheaper, and codes each branch without the terms that hold a
// subquery: a branch would read the default mailbox (/me) and lose every
// row. The planner prices such splits away; these queries must read the
// mailbox the subquery names.
func TestScopeKeyFromSubqueryWithOr(t *testing.T) {
	f := newDiffFixture(t)
	other := f.tenant.Users[2].UserPrincipalName
	prefix := sqlLiteral(other[:4] + "%")
	byUPN := "(SELECT id FROM users WHERE user_principal_name LIKE " + prefix + ")"
	for _, tc := range []struct {
		name, vt, plain string
		keys            []int
	}{
		{name: "user_id = (SELECT …) AND (a OR b)",
			vt:    "SELECT count(*) FROM messages WHERE user_id = " + byUPN + " AND (is_read = 0 OR importance = 'high')",
			plain: "SELECT count(*) FROM messages WHERE user_id = " + byUPN + " AND folder_id IS NULL AND (is_read = 0 OR importance = 'high')"},
		{name: "user_id = (SELECT …) AND (a OR b) ORDER BY",
			vt: "SELECT id, received_date_time FROM messages WHERE user_id = " + byUPN +
				" AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = " + byUPN +
				" AND folder_id IS NULL AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC", keys: []int{1}},
		{name: "user_id IN (SELECT …) AND (a OR b)",
			vt:    "SELECT count(*) FROM messages WHERE user_id IN " + byUPN + " AND (is_read = 0 OR importance = 'high')",
			plain: "SELECT count(*) FROM messages WHERE user_id IN " + byUPN + " AND folder_id IS NULL AND (is_read = 0 OR importance = 'high')"},
		{name: "user_id = (SELECT …) AND (id = x OR id IS y)",
			vt: "SELECT id FROM messages WHERE user_id = " + byUPN + " AND (id = " + sqlLiteral(f.tenant.Users[2].Messages[0].ID) +
				" OR id IS " + sqlLiteral(f.tenant.Users[2].Messages[1].ID) + ")",
			plain: "SELECT id FROM messages WHERE user_id = " + byUPN + " AND folder_id IS NULL AND (id = " + sqlLiteral(f.tenant.Users[2].Messages[0].ID) +
				" OR id IS " + sqlLiteral(f.tenant.Users[2].Messages[1].ID) + ")"},
		{name: "a correlated scalar subquery names each user's mailbox",
			vt: "SELECT u.user_principal_name, (SELECT count(*) FROM messages m WHERE m.user_id = (SELECT u2.id FROM users u2 WHERE u2.id = u.id) " +
				"AND (m.is_read = 0 OR m.importance = 'high')) FROM users u",
			plain: "SELECT u.user_principal_name, (SELECT count(*) FROM messages m WHERE m.user_id = (SELECT u2.id FROM users u2 WHERE u2.id = u.id) " +
				"AND m.folder_id IS NULL AND (m.is_read = 0 OR m.importance = 'high')) FROM users u"},
		{name: "a correlated mailbox with an OR",
			vt: "SELECT u.user_principal_name, (SELECT count(*) FROM messages m WHERE m.user_id = u.user_principal_name " +
				"AND (m.is_read = 0 OR m.importance = 'high')) FROM users u",
			plain: "SELECT u.user_principal_name, (SELECT count(*) FROM messages m WHERE m.user_id = u.user_principal_name " +
				"AND m.folder_id IS NULL AND (m.is_read = 0 OR m.importance = 'high')) FROM users u"},
		{name: "folder_id = (SELECT …) AND (a OR b)",
			vt:    "SELECT count(*) FROM messages WHERE folder_id = (SELECT 'inbox') AND (is_read = 0 OR importance = 'high')",
			plain: "SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id = 'inbox' AND (is_read = 0 OR importance = 'high')"},
		{name: "user_id and folder_id from subqueries, OR, ORDER BY",
			vt: "SELECT id, received_date_time FROM messages WHERE user_id = " + byUPN + " AND folder_id = (SELECT 'inbox') " +
				"AND (is_read = 0 OR flag_status = 'flagged') ORDER BY received_date_time",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = " + byUPN + " AND folder_id = 'inbox' " +
				"AND (is_read = 0 OR flag_status = 'flagged') ORDER BY received_date_time", keys: []int{1}},
		{name: "an OR across mailboxes is one scan per branch",
			vt: "SELECT id FROM messages WHERE (user_id = 'me' AND is_read = 0) OR (user_id = " + sqlLiteral(other) +
				" AND importance = 'high') OR (user_id = " + byUPN + " AND flag_status = 'flagged')",
			plain: "SELECT id FROM messages WHERE folder_id IS NULL AND ((user_id = 'me' AND is_read = 0) OR (user_id = " + sqlLiteral(other) +
				" AND importance = 'high') OR (user_id = " + byUPN + " AND flag_status = 'flagged'))"},
		{name: "users LEFT JOIN messages, a user without a mailbox included",
			vt: "SELECT u.user_principal_name, count(m.id) FROM users u LEFT JOIN messages m ON m.user_id = u.id " +
				"AND (m.is_read = 0 OR m.importance = 'high') GROUP BY u.user_principal_name",
			plain: "SELECT u.user_principal_name, count(m.id) FROM users u LEFT JOIN messages m ON m.user_id = u.id AND m.folder_id IS NULL " +
				"AND (m.is_read = 0 OR m.importance = 'high') GROUP BY u.user_principal_name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &diffQuery{vt: tc.vt, plain: tc.plain, plainAll: tc.plain, limit: -1, keys: tc.keys}
			res := f.runDiff(f.e, q)
			if res.failure != "" {
				t.Fatal(res.failure)
			}
			if res.rows == 0 {
				t.Fatal("no rows: the case proves little")
			}
			// Not the signed-in mailbox only: the answer names other's rows.
			rows := f.e.query(t, tc.vt)
			if strings.HasPrefix(tc.vt, "SELECT count(*)") && rows[0][0] == "0" {
				t.Fatalf("count 0: %v", rows)
			}
		})
	}
}
