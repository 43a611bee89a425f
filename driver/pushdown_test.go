package driver_test

import (
	"sort"
	"strings"
	"testing"
)

// TestPushdownRequests pins, for representative queries, the exact Graph
// requests the driver makes (as the fake saw them, query options decoded
// and sorted) and checks the rows against the plain copy. The fake answers
// 400 to whatever Graph rejects (InefficientFilter, $search with $filter,
// endswith on messages, quoted dates, advanced queries without their
// header…), so every request here would be accepted by Graph.
func TestPushdownRequests(t *testing.T) {
	f := newDiffFixturePaged(t, 0) // the requests are pinned: pages of $top
	tenant := f.tenant
	me := tenant.Users[0]
	other := tenant.Users[2]
	withAtt := ""
	for _, m := range me.Messages {
		if len(m.Attachments) > 0 {
			withAtt = m.ID
			break
		}
	}
	first := me.Messages[0].ID
	sel := "$select=id,subject,receivedDateTime"
	r := strings.NewReplacer("{me}", me.UserPrincipalName, "{other}", other.UserPrincipalName,
		"{otherID}", other.ID, "{meID}", me.ID, "{att}", withAtt, "{first}", first)

	for _, tc := range []struct {
		name  string
		sql   string // through the virtual tables
		plain string // over the copy
		// keys are the output columns of a (possibly tied) ORDER BY; nil
		// compares the rows as multisets.
		keys []int
		reqs []string
		// consistency: the requests carry ConsistencyLevel: eventual.
		consistency bool
		// anyOrder: the requests run concurrently (FanOut), so the fake
		// sees them in any order.
		anyOrder bool
		base     bool // run with Pushdown=False
	}{
		{name: "latest N: one request of N, sorted by Graph",
			sql:   "SELECT id, subject, received_date_time FROM messages ORDER BY received_date_time DESC LIMIT 10",
			plain: "SELECT id, subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY received_date_time DESC LIMIT 10",
			keys:  []int{2},
			reqs:  []string{"GET /v1.0/me/messages?$orderby=receivedDateTime desc&" + sel + "&$top=10"}},
		{name: "latest N from a sender: the sort key leads the filter (no InefficientFilter); eq on an address only pre-filters (case), so a page of 100",
			sql:   "SELECT id, subject, received_date_time FROM messages WHERE from_address = 'notifications@github.com' ORDER BY received_date_time DESC LIMIT 5",
			plain: "SELECT id, subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND from_address = 'notifications@github.com' ORDER BY received_date_time DESC LIMIT 5",
			keys:  []int{2},
			reqs: []string{"GET /v1.0/me/messages?$filter=receivedDateTime ge 1900-01-01T00:00:00Z and from/emailAddress/address eq 'notifications@github.com'" +
				"&$orderby=receivedDateTime desc&$select=id,subject,from,receivedDateTime&$top=100"}},
		{name: "latest N focused in the inbox: exact filter, one request of N",
			sql:   "SELECT id, received_date_time FROM messages('me', 'inbox') WHERE inference_classification = 'focused' ORDER BY received_date_time DESC LIMIT 5",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = 'me' AND folder_id = 'inbox' AND inference_classification = 'focused' ORDER BY received_date_time DESC LIMIT 5",
			keys:  []int{1},
			reqs: []string{"GET /v1.0/me/mailFolders/inbox/messages?$filter=receivedDateTime ge 1900-01-01T00:00:00Z and inferenceClassification eq 'focused'" +
				"&$orderby=receivedDateTime desc&$select=id,receivedDateTime,inferenceClassification&$top=5"}},
		{name: "OFFSET becomes $skip when Graph's order is SQLite's",
			sql:   "SELECT id, received_date_time FROM messages WHERE received_date_time >= '2024-06-01T00:00:00Z' ORDER BY received_date_time LIMIT 5 OFFSET 20",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND received_date_time >= '2024-06-01T00:00:00Z' ORDER BY received_date_time LIMIT 5 OFFSET 20",
			keys:  []int{1},
			reqs: []string{"GET /v1.0/me/messages?$filter=receivedDateTime ge 2024-06-01T00:00:00Z&$orderby=receivedDateTime asc" +
				"&$select=id,receivedDateTime&$skip=20&$top=5"}},
		{name: "IN list on importance: one request, an or-chain",
			sql:   "SELECT id, importance FROM messages WHERE importance IN ('high', 'low', 'high')",
			plain: "SELECT id, importance FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance IN ('high', 'low', 'high')",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=(importance eq 'high' or importance eq 'low')&$select=id,importance&$top=1000"}},
		{name: "IN list on user_id: one request per mailbox",
			sql:   "SELECT user_id, id FROM messages WHERE user_id IN ('me', '{other}') AND is_read = 0",
			plain: "SELECT user_id, id FROM messages WHERE user_id IN ('me', '{other}') AND folder_id IS NULL AND is_read = 0",
			reqs: []string{"GET /v1.0/users/{other}/messages?$filter=isRead eq false&$select=id,isRead&$top=1000",
				"GET /v1.0/me/messages?$filter=isRead eq false&$select=id,isRead&$top=1000"},
			anyOrder: true},
		{name: "$search with extra predicates and ORDER BY: both local, Graph gets only $search",
			sql:   "SELECT id, subject, received_date_time FROM messages WHERE search = 'budget' AND is_read = 0 AND subject LIKE 'Budget%' ORDER BY received_date_time DESC",
			plain: "SELECT id, subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND id IN ({budget}) AND is_read = 0 AND subject LIKE 'Budget%' ORDER BY received_date_time DESC",
			keys:  []int{2},
			reqs:  []string{`GET /v1.0/me/messages?$search="budget"&$select=id,subject,receivedDateTime,isRead&$top=1000`}},
		{name: "LIKE prefix is startswith, a pre-filter SQLite re-checks",
			sql:   "SELECT id, subject FROM messages WHERE subject LIKE 'Let''s%'",
			plain: "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject LIKE 'Let''s%'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=startswith(subject,'Let''s')&$select=id,subject&$top=1000"}},
		{name: "LIKE infix is contains",
			sql:   "SELECT id, from_address FROM messages WHERE from_address LIKE '%github%'",
			plain: "SELECT id, from_address FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND from_address LIKE '%github%'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=contains(from/emailAddress/address,'github')&$select=id,from&$top=1000"}},
		{name: "LIKE with _ inside: its literal prefix pre-filters, SQLite checks the rest",
			sql:   "SELECT id FROM messages WHERE subject LIKE 'Invoice _'",
			plain: "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject LIKE 'Invoice _'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=startswith(subject,'Invoice ')&$select=id,subject&$top=1000"}},
		{name: "LIKE with _ first: its longest literal run pre-filters",
			sql:   "SELECT id FROM messages WHERE subject LIKE '_nvoice%'",
			plain: "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject LIKE '_nvoice%'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=contains(subject,'nvoice')&$select=id,subject&$top=1000"}},
		{name: "BETWEEN non-canonical dates: the whole-second range that keeps every match",
			sql:   "SELECT id, received_date_time FROM messages WHERE received_date_time BETWEEN '2024-03' AND '2024-03-31 23:00'",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND received_date_time BETWEEN '2024-03' AND '2024-03-31 23:00'",
			reqs: []string{"GET /v1.0/me/messages?$count=true&$filter=receivedDateTime ge 2024-03-01T00:00:00Z and receivedDateTime lt 2024-03-31T00:00:00Z" +
				"&$select=id,receivedDateTime&$top=1000"}},
		{name: "a quote in a literal is doubled",
			sql:   "SELECT id FROM messages WHERE subject = 'O''Brien''s report #3'",
			plain: "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject = 'O''Brien''s report #3'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=subject eq 'O''Brien''s report #3'&$select=id,subject&$top=1000"}},
		{name: "count(*) selects id and the filter's columns only",
			sql:   "SELECT count(*) FROM messages WHERE is_read = 0 AND has_attachments = 1",
			plain: "SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND is_read = 0 AND has_attachments = 1",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=isRead eq false and hasAttachments eq true&$select=id,isRead,hasAttachments&$top=1000"}},
		{name: "no body unless selected",
			sql:   "SELECT id, subject FROM messages ORDER BY received_date_time DESC LIMIT 3",
			plain: "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY received_date_time DESC LIMIT 3",
			reqs:  []string{"GET /v1.0/me/messages?$orderby=receivedDateTime desc&$select=id,subject,receivedDateTime&$top=3"}},
		{name: "the body when selected, in pages that start at 500 (and adapt)",
			sql:   "SELECT id, body FROM messages WHERE importance = 'low'",
			plain: "SELECT id, body FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'low'",
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$filter=importance eq 'low'&$select=id,body,importance&$top=500"}},
		{name: "GET by id",
			sql:   "SELECT id, subject FROM messages WHERE id = '{first}'",
			plain: "SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND id = '{first}'",
			reqs:  []string{"GET /v1.0/me/messages/{first}?$select=id,subject"}},
		{name: "attachments of one message",
			sql:   "SELECT name, size, is_inline FROM attachments WHERE message_id = '{att}'",
			plain: "SELECT name, size, is_inline FROM attachments WHERE user_id = 'me' AND message_id = '{att}'",
			reqs:  []string{"GET /v1.0/me/messages/{att}/attachments?$select=id,name,size,isInline&$top=1000"}},
		{name: "attachments of this year's mail: one listing, then one request per message",
			sql: "SELECT m.subject, a.name FROM messages m JOIN attachments a ON a.message_id = m.id " +
				"WHERE m.has_attachments = 1 AND m.received_date_time >= '2025'",
			plain: "SELECT m.subject, a.name FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' " +
				"WHERE m.user_id = 'me' AND m.folder_id IS NULL AND m.has_attachments = 1 AND m.received_date_time >= '2025'",
			reqs: []string{"GET /v1.0/me/messages?$count=true&$filter=hasAttachments eq true and receivedDateTime ge 2025-01-01T00:00:00Z&$select=id,subject,receivedDateTime,hasAttachments&$top=1000",
				"{per-message}"}},
		{name: "users: an IN list is one in (…), no advanced query", // sorted by SQLite
			sql:   "SELECT display_name FROM users WHERE department IN ('Retail', 'R&D')",
			plain: "SELECT display_name FROM users WHERE department IN ('Retail', 'R&D')",
			reqs:  []string{"GET /v1.0/users?$filter=department in ('R&D','Retail')&$select=id,displayName,department&$top=999"}},
		{name: "users: endswith needs the advanced query mode; != on text stays local (Graph ignores case)",
			sql:         "SELECT display_name, mail FROM users WHERE department != 'Retail' AND mail LIKE '%@contoso.onmicrosoft.com'",
			plain:       "SELECT display_name, mail FROM users WHERE department != 'Retail' AND mail LIKE '%@contoso.onmicrosoft.com'",
			reqs:        []string{"GET /v1.0/users?$count=true&$filter=endswith(mail,'@contoso.onmicrosoft.com')&$select=id,displayName,mail,department&$top=999"},
			consistency: true},
		{name: "users by id: one id in (…) filter",
			sql:   "SELECT display_name FROM users WHERE id IN ('{meID}', '{otherID}')",
			plain: "SELECT display_name FROM users WHERE id IN ('{meID}', '{otherID}')",
			reqs:  []string{"GET /v1.0/users?$filter=id in ('{meID}','{otherID}')&$select=id,displayName&$top=999"}},
		{name: "users and their unread mail: one request per mailbox",
			sql:   "SELECT u.display_name, count(*) FROM users u JOIN messages m ON m.user_id = u.id WHERE m.is_read = 0 AND m.flag_status = 'flagged' GROUP BY u.display_name",
			plain: "SELECT u.display_name, count(*) FROM users u JOIN messages m ON m.user_id = u.id AND m.folder_id IS NULL WHERE m.is_read = 0 AND m.flag_status = 'flagged' GROUP BY u.display_name",
			reqs:  []string{"GET /v1.0/users?$select=id,displayName&$top=999", "{per-user}"}},
		{name: "Pushdown=False: path keys and $select only, SQLite does the rest",
			sql:   "SELECT id, subject, received_date_time FROM messages WHERE is_read = 0 ORDER BY received_date_time DESC LIMIT 10",
			plain: "SELECT id, subject, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND is_read = 0 ORDER BY received_date_time DESC LIMIT 10",
			keys:  []int{2},
			reqs:  []string{"GET /v1.0/me/messages?$count=true&$select=id,subject,receivedDateTime,isRead&$top=1000"},
			base:  true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := f.e
			if tc.base {
				e = f.base
			}
			q := &diffQuery{vt: r.Replace(tc.sql), plain: r.Replace(tc.plain), keys: tc.keys, limit: -1}
			if strings.Contains(q.plain, "{budget}") {
				found, err := tenant.Search(me.UserPrincipalName, "budget")
				if err != nil || len(found) == 0 {
					t.Fatalf("search oracle: %d messages, %v", len(found), err)
				}
				var ids []string
				for _, m := range found {
					ids = append(ids, sqlLiteral(m.ID))
				}
				q.plain = strings.ReplaceAll(q.plain, "{budget}", strings.Join(ids, ", "))
			}
			q.plainAll = q.plain
			if head, tail, ok := strings.Cut(q.plain, " LIMIT "); ok {
				q.plainAll = head
				lim, off, _ := strings.Cut(tail, " OFFSET ")
				q.limit = parseCount(t, lim)
				if off != "" {
					q.offset = parseCount(t, off)
				}
			}
			res := f.runDiff(e, q)
			if res.failure != "" {
				t.Fatal(res.failure)
			}
			if res.rows == 0 {
				t.Errorf("no rows: the case proves little; pick values that match")
			}
			got := e.requests()
			want := expandRequests(t, f, tc.reqs, got, r)
			if tc.anyOrder {
				got, want = sorted1(got), sorted1(want)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
			for _, fr := range e.Server.Requests() {
				if h := fr.Header.Get("ConsistencyLevel"); (h == "eventual") != tc.consistency {
					t.Errorf("%s: ConsistencyLevel %q, want eventual: %v", fr.Path, h, tc.consistency)
				}
			}
		})
	}
}

func parseCount(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			t.Fatalf("not a number in LIMIT/OFFSET: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// expandRequests fills in the placeholders of want: "{per-message}" is one
// attachments request per message the first request returned, and
// "{per-user}" one messages request per user, each derived from the plain
// copy so the count is pinned too.
func expandRequests(t *testing.T, f *diffFixture, want, got []string, r *strings.Replacer) []string {
	t.Helper()
	var out []string
	for _, w := range want {
		switch w {
		case "{per-message}":
			rows, err := plainRows(t.Context(), f.plain, "SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL "+
				"AND has_attachments = 1 AND received_date_time >= '2025' ORDER BY id", nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatal("no message matches: the case proves nothing")
			}
			var per []string
			for _, row := range rows {
				id := strings.Trim(row[0], `"`)
				per = append(per, "GET /v1.0/me/messages/"+id+"/attachments?$select=id,name&$top=1000")
			}
			// SQLite asks in the order Graph listed the messages.
			out = append(out, orderLike(per, got)...)
		case "{per-user}":
			var per []string
			for _, u := range f.tenant.Users {
				per = append(per, "GET /v1.0/users/"+u.ID+"/messages?$count=true&$filter=isRead eq false and flag/flagStatus eq 'flagged'&$select=id,isRead,flag&$top=1000")
			}
			out = append(out, orderLike(per, got)...)
		default:
			out = append(out, r.Replace(w))
		}
	}
	return out
}

// orderLike returns want reordered as the same strings appear in got; the
// ones got lacks go last, so that a missing request still fails.
func orderLike(want, got []string) []string {
	pos := map[string]int{}
	for i, g := range got {
		if _, ok := pos[g]; !ok {
			pos[g] = i
		}
	}
	out := append([]string(nil), want...)
	rank := func(s string) int {
		if i, ok := pos[s]; ok {
			return i
		}
		return len(got)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j-1]) > rank(out[j]); j-- {
			out[j-1], out[j] = out[j], out[j-1]
		}
	}
	return out
}

// sorted1 returns a sorted copy of xs.
func sorted1(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}
