package plan

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// con is one constraint of a test query and the value SQLite would pass.
type con struct {
	col  string
	op   sqlite.Op
	v    any  // the argument (an InList for a whole IN)
	in   bool // IsIn
	rhs  bool // HasRHS, with RHS = v
	coll string
	off  bool // not usable
}

func c(col string, op sqlite.Op, v any) con { return con{col: col, op: op, v: v} }
func (x con) IN() con                       { x.in = true; return x }
func (x con) RHS() con                      { x.rhs = true; return x }
func (x con) Coll(s string) con             { x.coll = s; return x }
func (x con) Unusable() con                 { x.off = true; return x }
func limit(n int64) con                     { return con{op: sqlite.OpLIMIT, v: n, rhs: true} }
func offset(n int64) con                    { return con{op: sqlite.OpOFFSET, v: n, rhs: true} }
func in(v ...any) sqlite.InList             { return sqlite.InList(v) }

type ob struct {
	col  string
	desc bool
}

// query is a test query on one table.
type sqlQuery struct {
	t     *tables.Table
	cons  []con
	order []ob
	cols  []string // columns used
	opt   *Options // nil: pushdown
	d     Defaults
}

func (q sqlQuery) info() *sqlite.IndexInfo {
	info := &sqlite.IndexInfo{}
	for _, x := range q.cons {
		col := 0
		if x.col != "" {
			col = q.t.Column(x.col)
			if col < 0 {
				panic("no column " + x.col)
			}
		}
		coll := x.coll
		if coll == "" {
			coll = "BINARY"
		}
		k := sqlite.Constraint{Column: col, Op: x.op, Usable: !x.off, Collation: coll, IsIn: x.in}
		if x.rhs {
			k.RHS, k.HasRHS = x.v, true
		}
		info.Constraints = append(info.Constraints, k)
	}
	info.ConstraintUsage = make([]sqlite.ConstraintUsage, len(info.Constraints))
	for _, o := range q.order {
		info.OrderBy = append(info.OrderBy, sqlite.OrderBy{Column: q.t.Column(o.col), Desc: o.desc})
	}
	for _, name := range q.cols {
		info.ColUsed |= 1 << uint(q.t.Column(name))
	}
	return info
}

// plan runs BestIndex, then Filter with the arguments SQLite would pass.
func (q sqlQuery) plan(t *testing.T) (*sqlite.IndexInfo, *Scan, error) {
	t.Helper()
	info := q.info()
	opt := Options{Pushdown: true}
	if q.opt != nil {
		opt = *q.opt
	}
	if err := BestIndex(q.t, info, opt); err != nil {
		t.Fatalf("BestIndex: %v", err)
	}
	n := 0
	for _, u := range info.ConstraintUsage {
		if u.ArgvIndex > 0 {
			n++
		}
	}
	args := make([]any, n)
	for i, u := range info.ConstraintUsage {
		if u.ArgvIndex == 0 {
			continue
		}
		v := q.cons[i].v
		if list, ok := v.(sqlite.InList); ok && !u.In {
			v = list[0] // SQLite would call Filter once per value
		}
		args[u.ArgvIndex-1] = v
	}
	d := q.d
	if d.UserID == "" {
		d.UserID = "me"
	}
	s, err := Filter(q.t, info.IdxNum, info.IdxStr, args, d)
	return info, s, err
}

// usage writes ConstraintUsage compactly: "2" argv 2, "2x" omitted, "2i" a
// whole IN list, "-" not used.
func usage(us []sqlite.ConstraintUsage) []string {
	out := make([]string, len(us))
	for i, u := range us {
		if u.ArgvIndex == 0 {
			out[i] = "-"
			continue
		}
		s := strconv.Itoa(u.ArgvIndex)
		if u.Omit {
			s += "x"
		}
		if u.In {
			s += "i"
		}
		out[i] = s
	}
	return out
}

// me is a request on the default mailbox.
func me(url string) Request {
	return Request{Mailbox: "me", MailboxPath: "/me", URL: url, Echo: map[int]any{0: "me"}}
}

func (r Request) lim(n int64) Request { r.Limit = n; return r }

// adapt marks a request whose pages carry a heavy column (Request.Adapt).
func (r Request) adapt() Request { r.Adapt = true; return r }
func (r Request) echo(e map[int]any) Request {
	r.Echo = e
	return r
}

type want struct {
	usage    []string
	consumed bool
	flags    int
	rows     int64 // EstimatedRows, when not 0
	reqs     []Request
	limit    int64
	pushed   []string
	local    []string
	distinct bool
	err      string // a Filter error containing this
}

func check(t *testing.T, q sqlQuery, w want) {
	t.Helper()
	info, s, err := q.plan(t)
	if got := usage(info.ConstraintUsage); !reflect.DeepEqual(got, w.usage) {
		t.Errorf("usage: got %q, want %q", got, w.usage)
	}
	if info.OrderByConsumed != w.consumed {
		t.Errorf("OrderByConsumed: got %v, want %v", info.OrderByConsumed, w.consumed)
	}
	if info.IdxFlags != w.flags {
		t.Errorf("IdxFlags: got %d, want %d", info.IdxFlags, w.flags)
	}
	if w.rows != 0 && info.EstimatedRows != w.rows {
		t.Errorf("EstimatedRows: got %d, want %d", info.EstimatedRows, w.rows)
	}
	if w.err != "" {
		if err == nil || !strings.Contains(err.Error(), w.err) {
			t.Fatalf("Filter error: got %v, want one containing %q", err, w.err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Filter: %v", err)
	}
	if len(s.Requests) != len(w.reqs) {
		t.Errorf("got %d requests, want %d", len(s.Requests), len(w.reqs))
	}
	for i := range min(len(s.Requests), len(w.reqs)) {
		got := s.Requests[i]
		if got.Part != nil {
			// a listing that may be split asks for its count on its first
			// page (partition_test.go checks the rest)
			u, ok := strings.CutSuffix(got.URL, "&$count=true")
			if !ok {
				t.Errorf("request %d has a Partition, but its URL %s lacks $count=true", i, got.URL)
			}
			got.URL = u
		}
		got.Part = nil // partition_test.go checks it
		if !reflect.DeepEqual(got, w.reqs[i]) {
			t.Errorf("request %d:\n got %+v\nwant %+v", i, got, w.reqs[i])
		}
	}
	for i := len(w.reqs); i < len(s.Requests); i++ {
		t.Errorf("extra request %d: %+v", i, s.Requests[i])
	}
	if s.Limit != w.limit {
		t.Errorf("Scan.Limit: got %d, want %d", s.Limit, w.limit)
	}
	if got := Strings(s.Pushed); !reflect.DeepEqual(got, w.pushed) {
		t.Errorf("Pushed:\n got %q\nwant %q", got, w.pushed)
	}
	if got := Strings(s.Local); !reflect.DeepEqual(got, w.local) {
		t.Errorf("Local:\n got %q\nwant %q", got, w.local)
	}
	if s.Distinct != w.distinct {
		t.Errorf("Distinct: got %v, want %v", s.Distinct, w.distinct)
	}
}

var (
	messages    = tables.Messages
	users       = tables.Users
	folders     = tables.MailFolders
	attachments = tables.AttachmentsTable
)

const (
	eq    = sqlite.OpEQ
	ne    = sqlite.OpNE
	lt    = sqlite.OpLT
	le    = sqlite.OpLE
	gt    = sqlite.OpGT
	ge    = sqlite.OpGE
	like  = sqlite.OpLIKE
	glob  = sqlite.OpGLOB
	is    = sqlite.OpIS
	isnot = sqlite.OpISNOT
	null  = sqlite.OpISNULL
	nnull = sqlite.OpISNOTNULL
	match = sqlite.OpMATCH
)

func TestMessages(t *testing.T) {
	tests := []struct {
		name string
		q    sqlQuery
		w    want
	}{
		{"latest N",
			sqlQuery{t: messages, cons: []con{limit(10)}, order: []ob{{"received_date_time", true}},
				cols: []string{"subject", "received_date_time"}},
			want{usage: []string{"1"}, consumed: true, rows: 10,
				reqs:   []Request{me("/me/messages?$orderby=receivedDateTime%20desc&$select=id,subject,receivedDateTime&$top=10").lim(10)},
				limit:  10,
				pushed: []string{"ORDER BY received_date_time DESC → $orderby=receivedDateTime desc", "LIMIT 10 → stop after 10 rows"}}},
		{"SELECT id LIMIT 10 is one request of 10",
			sqlQuery{t: messages, cons: []con{limit(10)}, cols: []string{"id"}},
			want{usage: []string{"1"},
				reqs:   []Request{me("/me/messages?$select=id&$top=10").lim(10)},
				limit:  10,
				pushed: []string{"LIMIT 10 → stop after 10 rows"}}},
		{"count(*) selects only id, in pages of MaxTop",
			sqlQuery{t: messages},
			want{usage: []string{}, reqs: []Request{me("/me/messages?$select=id&$top=1000")}}},
		{"LIMIT over MaxTop pages and stops",
			sqlQuery{t: messages, cons: []con{limit(2500)}, cols: []string{"id"}},
			want{usage: []string{"1"},
				reqs:   []Request{me("/me/messages?$select=id&$top=1000").lim(2500)},
				limit:  2500,
				pushed: []string{"LIMIT 2500 → stop after 2500 rows"}}},
		{"LIMIT 0 sends nothing",
			sqlQuery{t: messages, cons: []con{limit(0)}},
			want{usage: []string{"1"}, pushed: []string{"LIMIT 0 → no rows, no request"}}},
		{"ORDER BY with a filter: tautology on the sort key first",
			sqlQuery{t: messages, cons: []con{c("from_address", eq, "bob@contoso.com")},
				order: []ob{{"received_date_time", true}}, cols: []string{"id"}},
			want{usage: []string{"1"}, consumed: true,
				reqs: []Request{me("/me/messages?$filter=receivedDateTime%20ge%201900-01-01T00:00:00Z%20and%20from/emailAddress/address%20eq%20'bob@contoso.com'&$orderby=receivedDateTime%20desc&$select=id&$top=1000")},
				pushed: []string{"from_address = 'bob@contoso.com' → from/emailAddress/address eq 'bob@contoso.com'",
					"ORDER BY received_date_time DESC → $orderby=receivedDateTime desc"},
				local: []string{"from_address = 'bob@contoso.com'"}}},
		{"ORDER BY: the sort key's predicate moves first; exact, so LIMIT/OFFSET become $top/$skip",
			sqlQuery{t: messages, cons: []con{c("is_read", eq, int64(0)).RHS(),
				c("received_date_time", ge, "2024-03-01T00:00:00Z").RHS(), offset(20), limit(5)},
				order: []ob{{"received_date_time", false}}, cols: []string{"id", "is_read"}},
			want{usage: []string{"1x", "2x", "3x", "4"}, consumed: true,
				reqs:  []Request{me("/me/messages?$filter=receivedDateTime%20ge%202024-03-01T00:00:00Z%20and%20isRead%20eq%20false&$orderby=receivedDateTime%20asc&$select=id,isRead&$skip=20&$top=5").lim(5)},
				limit: 5,
				pushed: []string{"is_read = 0 → isRead eq false", "received_date_time >= '2024-03-01T00:00:00Z' → receivedDateTime ge 2024-03-01T00:00:00Z",
					"ORDER BY received_date_time → $orderby=receivedDateTime asc", "LIMIT 5 → stop after 5 rows", "OFFSET 20 → $skip=20"}}},
		{"OFFSET not exact: SQLite skips, Graph pages LIMIT+OFFSET",
			sqlQuery{t: messages, cons: []con{c("subject", eq, "x"), limit(10), offset(5)}, cols: []string{"id"}},
			want{usage: []string{"1", "2", "3"},
				reqs:   []Request{me("/me/messages?$filter=subject%20eq%20'x'&$select=id&$top=100")},
				pushed: []string{"subject = 'x' → subject eq 'x'", "LIMIT 10 → pages of 100"},
				local:  []string{"subject = 'x'"}}},
		{"a value known only at Filter time that turns out exact still caps the scan",
			sqlQuery{t: messages, cons: []con{c("is_read", eq, int64(1)), limit(3)}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{me("/me/messages?$filter=isRead%20eq%20true&$select=id&$top=3").lim(3)},
				limit:  3,
				pushed: []string{"is_read = 1 → isRead eq true", "LIMIT 3 → stop after 3 rows"},
				local:  []string{"is_read = 1"}}},
		{"a constraint Graph cannot check: LIMIT is no page size",
			sqlQuery{t: messages, cons: []con{c("body_preview", like, "a_c%"), limit(10)}},
			want{usage: []string{"1", "2"},
				reqs:  []Request{me("/me/messages?$select=id&$top=1000")},
				local: []string{"body_preview LIKE 'a_c%'"}}},
		{"bodies: pages start at 500 and adapt, even under a larger LIMIT",
			sqlQuery{t: messages, cons: []con{limit(800)}, cols: []string{"body"}},
			want{usage: []string{"1"},
				reqs:   []Request{me("/me/messages?$select=id,body&$top=500").lim(800).adapt()},
				limit:  800,
				pushed: []string{"LIMIT 800 → stop after 800 rows"}}},
		{"ORDER BY not consumed: LIMIT is neither cap nor page size",
			sqlQuery{t: messages, cons: []con{limit(10)}, order: []ob{{"subject", false}}, cols: []string{"subject"}},
			want{usage: []string{"1"},
				reqs: []Request{me("/me/messages?$select=id,subject&$top=1000")}}},
		{"two ORDER BY terms are left to SQLite",
			sqlQuery{t: messages, order: []ob{{"received_date_time", true}, {"created_date_time", false}}},
			want{usage: []string{}, reqs: []Request{me("/me/messages?$select=id&$top=1000")}}},
		{"ORDER BY sent_date_time (nullable) alone is left to SQLite",
			sqlQuery{t: messages, order: []ob{{"sent_date_time", true}}},
			want{usage: []string{}, reqs: []Request{me("/me/messages?$select=id&$top=1000")}}},
		{"ORDER BY sent_date_time with a constraint that excludes NULL",
			sqlQuery{t: messages, cons: []con{c("sent_date_time", gt, "2024-01-01T00:00:00Z").RHS()},
				order: []ob{{"sent_date_time", true}}},
			want{usage: []string{"1x"}, consumed: true,
				reqs:   []Request{me("/me/messages?$filter=sentDateTime%20ge%202024-01-01T00:00:01Z&$orderby=sentDateTime%20desc&$select=id&$top=1000")},
				pushed: []string{"sent_date_time > '2024-01-01T00:00:00Z' → sentDateTime ge 2024-01-01T00:00:01Z", "ORDER BY sent_date_time DESC → $orderby=sentDateTime desc"}}},
		{"IN list as one or-chain",
			sqlQuery{t: messages, cons: []con{c("importance", eq, in("high", "low")).IN()}, cols: []string{"importance"}},
			want{usage: []string{"1i"},
				reqs:   []Request{me("/me/messages?$filter=(importance%20eq%20'high'%20or%20importance%20eq%20'low')&$select=id,importance&$top=1000")},
				pushed: []string{"importance IN ('high', 'low') → (importance eq 'high' or importance eq 'low')"},
				local:  []string{"importance IN ('high', 'low')"}}},
		{"IN list with ORDER BY stays one request, sort key first",
			sqlQuery{t: messages, cons: []con{c("conversation_id", eq, in("c1", "c2")).IN()}, order: []ob{{"received_date_time", true}}},
			want{usage: []string{"1i"}, consumed: true,
				reqs: []Request{me("/me/messages?$filter=receivedDateTime%20ge%201900-01-01T00:00:00Z%20and%20(conversationId%20eq%20'c1'%20or%20conversationId%20eq%20'c2')&$orderby=receivedDateTime%20desc&$select=id&$top=1000")},
				pushed: []string{"conversation_id IN ('c1', 'c2') → (conversationId eq 'c1' or conversationId eq 'c2')",
					"ORDER BY received_date_time DESC → $orderby=receivedDateTime desc"},
				local: []string{"conversation_id IN ('c1', 'c2')"}}},
		{"IN list of dates and booleans",
			sqlQuery{t: messages, cons: []con{
				c("received_date_time", eq, in("2024-03-01T09:00:00Z", "2024-03", nil)).IN(),
				c("is_read", eq, in(int64(0), int64(7))).IN()}},
			want{usage: []string{"1i", "2i"},
				reqs: []Request{me("/me/messages?$filter=receivedDateTime%20ge%202024-03-01T09:00:00Z%20and%20receivedDateTime%20lt%202024-03-01T09:00:01Z%20and%20isRead%20eq%20false&$select=id&$top=1000")},
				pushed: []string{"received_date_time IN ('2024-03-01T09:00:00Z', '2024-03', NULL) → receivedDateTime ge 2024-03-01T09:00:00Z and receivedDateTime lt 2024-03-01T09:00:01Z",
					"is_read IN (0, 7) → isRead eq false"},
				local: []string{"received_date_time IN ('2024-03-01T09:00:00Z', '2024-03', NULL)", "is_read IN (0, 7)"}}},
		{"literals: quotes, %, _, unicode and emoji are escaped",
			sqlQuery{t: messages, cons: []con{c("subject", eq, "it's 100% _ü & ?=+#😀")}},
			want{usage: []string{"1"},
				reqs:   []Request{me("/me/messages?$filter=subject%20eq%20'it''s%20100%25%20_%C3%BC%20%26%20%3F=%2B%23%F0%9F%98%80'&$select=id&$top=1000")},
				pushed: []string{"subject = 'it''s 100% _ü & ?=+#😀' → subject eq 'it''s 100% _ü & ?=+#😀'"},
				local:  []string{"subject = 'it''s 100% _ü & ?=+#😀'"}}},
		{"LIKE forms",
			sqlQuery{t: messages, cons: []con{c("subject", like, "Re:%"), c("from_address", like, "%@contoso.com"),
				c("sender_address", like, "bob%"), c("subject", like, "%budget%%")}},
			want{usage: []string{"1", "2", "3", "4"},
				reqs: []Request{me("/me/messages?$filter=startswith(subject,'Re:')%20and%20contains(from/emailAddress/address,'@contoso.com')%20and%20contains(sender/emailAddress/address,'bob')%20and%20contains(subject,'budget')&$select=id&$top=1000")},
				pushed: []string{"subject LIKE 'Re:%' → startswith(subject,'Re:')", "from_address LIKE '%@contoso.com' → contains(from/emailAddress/address,'@contoso.com')",
					"sender_address LIKE 'bob%' → contains(sender/emailAddress/address,'bob')", "subject LIKE '%budget%%' → contains(subject,'budget')"},
				local: []string{"subject LIKE 'Re:%'", "from_address LIKE '%@contoso.com'", "sender_address LIKE 'bob%'", "subject LIKE '%budget%%'"}}},
		{"LIKE with _ or an inner %: its prefix, or its longest literal run, pre-filters; LIKE without wildcards is eq",
			sqlQuery{t: messages, cons: []con{c("subject", like, "ab_c%"), c("subject", like, "a%cd"), c("subject", like, "_x_yz%"), c("subject", like, "%_%"), c("subject", like, "Budget")}},
			want{usage: []string{"1", "2", "3", "4", "5"},
				reqs: []Request{me("/me/messages?$filter=startswith(subject,'ab')%20and%20startswith(subject,'a')%20and%20contains(subject,'yz')%20and%20subject%20eq%20'Budget'&$select=id&$top=1000")},
				pushed: []string{"subject LIKE 'ab_c%' → startswith(subject,'ab')", "subject LIKE 'a%cd' → startswith(subject,'a')",
					"subject LIKE '_x_yz%' → contains(subject,'yz')", "subject LIKE 'Budget' → subject eq 'Budget'"},
				local: []string{"subject LIKE 'ab_c%'", "subject LIKE 'a%cd'", "subject LIKE '_x_yz%'", "subject LIKE '%_%'", "subject LIKE 'Budget'"}}},
		{"the NOCASE range terms SQLite derives from LIKE are not pushed on text",
			sqlQuery{t: messages, cons: []con{c("subject", ge, "ABC").Coll("NOCASE"), c("subject", lt, "abd").Coll("NOCASE"), c("subject", like, "abc%")}},
			want{usage: []string{"1", "2", "3"},
				reqs:   []Request{me("/me/messages?$filter=startswith(subject,'abc')&$select=id&$top=1000")},
				pushed: []string{"subject LIKE 'abc%' → startswith(subject,'abc')"},
				local:  []string{"subject >= 'ABC' COLLATE NOCASE", "subject < 'abd' COLLATE NOCASE", "subject LIKE 'abc%'"}}},
		{"LIKE on a date: the derived NOCASE range becomes a time range",
			sqlQuery{t: messages, cons: []con{c("received_date_time", ge, "2024-03").Coll("NOCASE"),
				c("received_date_time", lt, "2024-04").Coll("NOCASE"), c("received_date_time", like, "2024-03%")}},
			want{usage: []string{"1", "2", "3"},
				reqs: []Request{me("/me/messages?$filter=receivedDateTime%20ge%202024-03-01T00:00:00Z%20and%20receivedDateTime%20lt%202024-04-01T00:00:00Z&$select=id&$top=1000")},
				pushed: []string{"received_date_time >= '2024-03' COLLATE NOCASE → receivedDateTime ge 2024-03-01T00:00:00Z",
					"received_date_time < '2024-04' COLLATE NOCASE → receivedDateTime lt 2024-04-01T00:00:00Z"},
				local: []string{"received_date_time >= '2024-03' COLLATE NOCASE", "received_date_time < '2024-04' COLLATE NOCASE", "received_date_time LIKE '2024-03%'"}}},
		{"GLOB is a pre-filter only",
			sqlQuery{t: messages, cons: []con{c("subject", glob, "Re*").RHS(), c("subject", glob, "*x?*")}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{me("/me/messages?$filter=startswith(subject,'Re')%20and%20contains(subject,'x')&$select=id&$top=1000")},
				pushed: []string{"subject GLOB 'Re*' → startswith(subject,'Re')", "subject GLOB '*x?*' → contains(subject,'x')"},
				local:  []string{"subject GLOB 'Re*'", "subject GLOB '*x?*'"}}},
		{"dates: canonical values are exact (whole-second ranges), others a superset",
			sqlQuery{t: messages, cons: []con{
				c("received_date_time", gt, "2024-03-01T09:00:00Z").RHS(),
				c("received_date_time", le, "2024-03-31T23:59:59Z").RHS(),
				c("created_date_time", eq, "2024-02-29T12:00:00Z").RHS(),
				c("last_modified_date_time", lt, "2024-13").RHS(),
				c("sent_date_time", ge, "2024-02-30").RHS()}},
			want{usage: []string{"1x", "2x", "3x", "4", "5"},
				reqs: []Request{me("/me/messages?$filter=receivedDateTime%20ge%202024-03-01T09:00:01Z%20and%20receivedDateTime%20lt%202024-04-01T00:00:00Z" +
					"%20and%20createdDateTime%20ge%202024-02-29T12:00:00Z%20and%20createdDateTime%20lt%202024-02-29T12:00:01Z" +
					"%20and%20lastModifiedDateTime%20lt%202025-01-01T00:00:00Z%20and%20sentDateTime%20ge%202024-03-01T00:00:00Z&$select=id&$top=1000")},
				pushed: []string{
					"received_date_time > '2024-03-01T09:00:00Z' → receivedDateTime ge 2024-03-01T09:00:01Z",
					"received_date_time <= '2024-03-31T23:59:59Z' → receivedDateTime lt 2024-04-01T00:00:00Z",
					"created_date_time = '2024-02-29T12:00:00Z' → createdDateTime ge 2024-02-29T12:00:00Z and createdDateTime lt 2024-02-29T12:00:01Z",
					"last_modified_date_time < '2024-13' → lastModifiedDateTime lt 2025-01-01T00:00:00Z",
					"sent_date_time >= '2024-02-30' → sentDateTime ge 2024-03-01T00:00:00Z"},
				local: []string{"last_modified_date_time < '2024-13'", "sent_date_time >= '2024-02-30'"}}},
		{"date != canonical",
			sqlQuery{t: messages, cons: []con{c("received_date_time", ne, "2024-03-01T09:00:00Z").RHS()}},
			want{usage: []string{"1x"},
				reqs:   []Request{me("/me/messages?$filter=(receivedDateTime%20lt%202024-03-01T09:00:00Z%20or%20receivedDateTime%20ge%202024-03-01T09:00:01Z)&$select=id&$top=1000")},
				pushed: []string{"received_date_time != '2024-03-01T09:00:00Z' → (receivedDateTime lt 2024-03-01T09:00:00Z or receivedDateTime ge 2024-03-01T09:00:01Z)"}}},
		{"date = a non-canonical string matches nothing",
			sqlQuery{t: messages, cons: []con{c("received_date_time", eq, "2024-03-01")}},
			want{usage: []string{"1"}, pushed: []string{"received_date_time = '2024-03-01' → no rows, no request"}}},
		{"a date compared with a number, or under RTRIM, is left to SQLite",
			sqlQuery{t: messages, cons: []con{c("received_date_time", gt, int64(5)), c("received_date_time", lt, "2025").Coll("RTRIM")}},
			want{usage: []string{"1", "2"}, reqs: []Request{me("/me/messages?$select=id&$top=1000")},
				local: []string{"received_date_time > 5", "received_date_time < '2025' COLLATE RTRIM"}}},
		{"booleans: 0/1 exact, other values decide alone",
			sqlQuery{t: messages, cons: []con{c("has_attachments", ne, int64(0)).RHS(), c("is_draft", is, int64(0)).RHS(), c("is_read", ne, int64(2)).RHS()}},
			want{usage: []string{"1x", "2x", "3x"},
				reqs: []Request{me("/me/messages?$filter=hasAttachments%20ne%20false%20and%20isDraft%20eq%20false&$select=id&$top=1000")},
				pushed: []string{"has_attachments != 0 → hasAttachments ne false", "is_draft IS 0 → isDraft eq false",
					"is_read != 2 → true for every row"}}},
		{"is_read = 2 matches nothing",
			sqlQuery{t: messages, cons: []con{c("is_read", eq, int64(2))}},
			want{usage: []string{"1"}, pushed: []string{"is_read = 2 → no rows, no request"}}},
		{"= NULL matches nothing",
			sqlQuery{t: messages, cons: []con{c("subject", eq, nil), c("body", like, "%x%")}},
			want{usage: []string{"1", "2"}, pushed: []string{"subject = NULL → no rows, no request"}}},
		{"enums: members in Graph's case; others left to SQLite",
			sqlQuery{t: messages, cons: []con{c("importance", eq, "HIGH"), c("flag_status", eq, "urgent"), c("inference_classification", like, "FOCUSED")}},
			want{usage: []string{"1", "2", "3"},
				reqs:   []Request{me("/me/messages?$filter=importance%20eq%20'high'%20and%20inferenceClassification%20eq%20'focused'&$select=id&$top=1000")},
				pushed: []string{"importance = 'HIGH' → importance eq 'high'", "inference_classification LIKE 'FOCUSED' → inferenceClassification eq 'focused'"},
				local:  []string{"importance = 'HIGH'", "flag_status = 'urgent'", "inference_classification LIKE 'FOCUSED'"}}},
		{"text: NOCASE is pushed on a case-insensitive property, RTRIM and != are not",
			sqlQuery{t: messages, cons: []con{c("subject", eq, "a").Coll("NOCASE"), c("subject", eq, "b").Coll("RTRIM"), c("subject", ne, "c"), c("subject", eq, int64(5))}},
			want{usage: []string{"1", "2", "3", "4"},
				reqs:   []Request{me("/me/messages?$filter=subject%20eq%20'a'&$select=id&$top=1000")},
				pushed: []string{"subject = 'a' COLLATE NOCASE → subject eq 'a'"},
				local:  []string{"subject = 'a' COLLATE NOCASE", "subject = 'b' COLLATE RTRIM", "subject != 'c'", "subject = 5"}}},
		{"columns Graph cannot filter stay local",
			sqlQuery{t: messages, cons: []con{c("body_preview", like, "%x%"), c("to_recipients", like, "%bob%"), c("categories", eq, "x")}},
			want{usage: []string{"1", "2", "3"}, reqs: []Request{me("/me/messages?$select=id&$top=1000")},
				local: []string{"body_preview LIKE '%x%'", "to_recipients LIKE '%bob%'", "categories = 'x'"}}},
		{"heavy columns: smaller pages that adapt, body selected once",
			sqlQuery{t: messages, cols: []string{"subject", "body", "body_content_type", "internet_message_headers"}},
			want{usage: []string{}, reqs: []Request{me("/me/messages?$select=id,subject,body,internetMessageHeaders&$top=500").adapt()}}},
		{"search: $search only, other predicates local, no $orderby",
			sqlQuery{t: messages, cons: []con{c("search", eq, `from:"bob" budget\x`), c("subject", like, "%x%"), c("is_read", eq, int64(0)).RHS(), limit(5)},
				order: []ob{{"received_date_time", true}}},
			want{usage: []string{"1x", "2", "3", "4"},
				reqs: []Request{{Mailbox: "me", MailboxPath: "/me", Search: true, Echo: map[int]any{0: "me", 2: `from:"bob" budget\x`},
					URL: "/me/messages?$search=%22from:%5C%22bob%5C%22%20budget%5C%5Cx%22&$select=id&$top=1000"}},
				pushed: []string{`search = 'from:"bob" budget\x' → $search`},
				local:  []string{"subject LIKE '%x%'", "is_read = 0"}}},
		{"search alone with LIMIT is exact; no $skip with $search",
			sqlQuery{t: messages, cons: []con{c("search", eq, "budget"), c("folder_id", eq, "inbox"), limit(5), offset(10)}},
			want{usage: []string{"1x", "2x", "3", "4"},
				reqs: []Request{{Mailbox: "me", MailboxPath: "/me", Search: true, Echo: map[int]any{0: "me", 1: "inbox", 2: "budget"}, Limit: 15,
					URL: "/me/mailFolders/inbox/messages?$search=%22budget%22&$select=id&$top=15"}},
				limit:  15,
				pushed: []string{"search = 'budget' → $search", "folder_id = 'inbox' → path", "LIMIT 5 → stop after 15 rows"}}},
		{"search MATCH",
			sqlQuery{t: messages, cons: []con{c("search", match, "budget"), c("subject", match, "x")}},
			want{usage: []string{"1x", "-"},
				reqs:   []Request{{Mailbox: "me", MailboxPath: "/me", Search: true, Echo: map[int]any{0: "me", 2: "budget"}, URL: "/me/messages?$search=%22budget%22&$select=id&$top=1000"}},
				pushed: []string{"search MATCH 'budget' → $search"}}},
		{"empty search is an error",
			sqlQuery{t: messages, cons: []con{c("search", eq, "  ")}},
			want{usage: []string{"1x"}, err: "search is empty"}},
		{"id lookup: one GET, escaped",
			sqlQuery{t: messages, cons: []con{c("id", eq, "AAMk/+=x"), c("is_read", eq, int64(1)).RHS()}, order: []ob{{"received_date_time", true}},
				cols: []string{"subject"}},
			want{usage: []string{"1", "2"}, consumed: true, flags: sqlite.ScanUnique, rows: 1,
				reqs:   []Request{{Mailbox: "me", MailboxPath: "/me", Single: true, Echo: map[int]any{0: "me"}, URL: "/me/messages/AAMk%2F%2B%3Dx?$select=id,subject"}},
				pushed: []string{"id = 'AAMk/+=x' → GET by id"},
				local:  []string{"id = 'AAMk/+=x'", "is_read = 1"}}},
		{"id IN: one GET each, not sorted by the table",
			sqlQuery{t: messages, cons: []con{c("id", eq, in("A", "B", "", "..")).IN()}, order: []ob{{"received_date_time", true}}},
			want{usage: []string{"1i"},
				reqs: []Request{
					{Mailbox: "me", MailboxPath: "/me", Single: true, Echo: map[int]any{0: "me"}, URL: "/me/messages/A?$select=id"},
					{Mailbox: "me", MailboxPath: "/me", Single: true, Echo: map[int]any{0: "me"}, URL: "/me/messages/B?$select=id"}},
				pushed:   []string{"id IN ('A', 'B', '', '..') → GET by id"},
				local:    []string{"id IN ('A', 'B', '', '..')"},
				distinct: true}},
		{"id in a folder is a filter",
			sqlQuery{t: messages, cons: []con{c("folder_id", eq, "sentitems"), c("id", eq, "A'1")}},
			want{usage: []string{"1x", "2"},
				reqs:   []Request{me("/me/mailFolders/sentitems/messages?$filter=id%20eq%20'A''1'&$select=id&$top=1000").echo(map[int]any{0: "me", 1: "sentitems"})},
				pushed: []string{"folder_id = 'sentitems' → path", "id = 'A''1' → id eq 'A''1'"},
				local:  []string{"id = 'A''1'"}}},
		{"fan-out over user_id IN, ORDER BY left to SQLite, LIMIT caps each request",
			sqlQuery{t: messages, cons: []con{c("user_id", eq, in("alice@contoso.com", "ME")).IN(), limit(5)}, cols: []string{"user_id", "subject"}},
			want{usage: []string{"1xi", "2"},
				reqs: []Request{
					{Mailbox: "alice@contoso.com", MailboxPath: "/users/alice%40contoso.com", Echo: map[int]any{0: "alice@contoso.com"}, Limit: 5,
						URL: "/users/alice%40contoso.com/messages?$select=id,subject&$top=5"},
					{Mailbox: "me", MailboxPath: "/me", Echo: map[int]any{0: "ME"}, Limit: 5,
						URL: "/me/messages?$select=id,subject&$top=5"}},
				limit:  5,
				pushed: []string{"user_id IN ('alice@contoso.com', 'ME') → path", "LIMIT 5 → stop after 5 rows"}}},
		{"fan-out is never sorted by the table",
			sqlQuery{t: messages, cons: []con{c("folder_id", eq, in("inbox", "archive")).IN()}, order: []ob{{"received_date_time", true}}},
			want{usage: []string{"1xi"},
				reqs: []Request{
					me("/me/mailFolders/inbox/messages?$select=id&$top=1000").echo(map[int]any{0: "me", 1: "inbox"}),
					me("/me/mailFolders/archive/messages?$select=id&$top=1000").echo(map[int]any{0: "me", 1: "archive"})},
				pushed: []string{"folder_id IN ('inbox', 'archive') → path"}}},
		{"mailbox and folder path segments",
			sqlQuery{t: messages, cons: []con{c("folder_id", eq, "AQMk/a b"), c("user_id", eq, "bob@x.com")}, d: Defaults{UserID: "ignored@x.com"}},
			want{usage: []string{"1x", "2x"},
				reqs: []Request{{Mailbox: "bob@x.com", MailboxPath: "/users/bob%40x.com", Echo: map[int]any{0: "bob@x.com", 1: "AQMk/a b"},
					URL: "/users/bob%40x.com/mailFolders/AQMk%2Fa%20b/messages?$select=id&$top=1000"}},
				pushed: []string{"folder_id = 'AQMk/a b' → path", "user_id = 'bob@x.com' → path"}}},
		{"a UPN starting with $ uses the key-in-parentheses form",
			sqlQuery{t: messages, cons: []con{c("user_id", eq, "$it's@x.com")}},
			want{usage: []string{"1x"},
				reqs: []Request{{Mailbox: "$it's@x.com", MailboxPath: "/users('$it%27%27s%40x.com')", Echo: map[int]any{0: "$it's@x.com"},
					URL: "/users('$it%27%27s%40x.com')/messages?$select=id&$top=1000"}},
				pushed: []string{"user_id = '$it''s@x.com' → path"}}},
		{"the default mailbox from the connection",
			sqlQuery{t: messages, d: Defaults{UserID: "svc@contoso.com"}},
			want{usage: []string{}, reqs: []Request{{Mailbox: "svc@contoso.com", MailboxPath: "/users/svc%40contoso.com",
				Echo: map[int]any{0: "svc@contoso.com"}, URL: "/users/svc%40contoso.com/messages?$select=id&$top=1000"}}}},
		{"a second user_id constraint is checked by SQLite",
			sqlQuery{t: messages, cons: []con{c("user_id", eq, "a"), c("user_id", eq, "b")}},
			want{usage: []string{"1x", "2"},
				reqs:   []Request{{Mailbox: "a", MailboxPath: "/users/a", Echo: map[int]any{0: "a"}, URL: "/users/a/messages?$select=id&$top=1000"}},
				pushed: []string{"user_id = 'a' → path"}, local: []string{"user_id = 'b'"}}},
		{"user_id = NULL has no rows",
			sqlQuery{t: messages, cons: []con{c("user_id", is, nil)}},
			want{usage: []string{"1x"}, pushed: []string{"user_id IS NULL → no rows, no request"}}},
		{"an empty user_id is an error",
			sqlQuery{t: messages, cons: []con{c("user_id", eq, "")}},
			want{usage: []string{"1x"}, err: `user_id "" is not a mailbox`}},
		{"folder .. is an error",
			sqlQuery{t: messages, cons: []con{c("folder_id", eq, "..")}},
			want{usage: []string{"1x"}, err: `folder_id ".." is not a folder`}},
		{"a constraint that cannot be used blocks LIMIT",
			sqlQuery{t: messages, cons: []con{c("subject", eq, "x").Unusable(), limit(10)}},
			want{usage: []string{"-", "-"}, reqs: []Request{me("/me/messages?$select=id&$top=1000")}}},
		{"Pushdown=false: keys and $select only",
			sqlQuery{t: messages, cons: []con{c("subject", eq, "x"), c("user_id", eq, "a"), c("search", eq, "kql"), limit(10)},
				order: []ob{{"received_date_time", true}}, cols: []string{"subject", "body"}, opt: &Options{}},
			want{usage: []string{"-", "1x", "2x", "-"},
				reqs: []Request{{Mailbox: "a", MailboxPath: "/users/a", Search: true, Echo: map[int]any{0: "a", 2: "kql"},
					URL: "/users/a/messages?$search=%22kql%22&$select=id,subject,body&$top=500", Adapt: true}},
				pushed: []string{"user_id = 'a' → path", "search = 'kql' → $search"}}},
		{"Pushdown=false: id is still a GET",
			sqlQuery{t: messages, cons: []con{c("id", eq, "X")}, opt: &Options{}},
			want{usage: []string{"1"}, flags: sqlite.ScanUnique, rows: 1,
				reqs:   []Request{{Mailbox: "me", MailboxPath: "/me", Single: true, Echo: map[int]any{0: "me"}, URL: "/me/messages/X?$select=id"}},
				pushed: []string{"id = 'X' → GET by id"}, local: []string{"id = 'X'"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.q, tt.w) })
	}
}

func TestINListSplit(t *testing.T) {
	defer func(n int) { maxURL = n }(maxURL)
	maxURL = 160
	vals := in("aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc", "dddddddddddddddddddd")
	base := "/me/messages?$filter=isRead%20eq%20true%20and%20"
	check(t, sqlQuery{t: messages, cons: []con{c("is_read", eq, int64(1)).RHS(), c("subject", eq, vals).IN(), limit(7)}},
		want{usage: []string{"1x", "2i", "3"},
			reqs: []Request{
				me(base + "(subject%20eq%20'aaaaaaaaaaaaaaaaaaaa'%20or%20subject%20eq%20'bbbbbbbbbbbbbbbbbbbb')&$select=id&$top=100"),
				me(base + "(subject%20eq%20'cccccccccccccccccccc'%20or%20subject%20eq%20'dddddddddddddddddddd')&$select=id&$top=100")},
			pushed: []string{"is_read = 1 → isRead eq true",
				"subject IN ('aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc', 'dddddddddddddddddddd') → " +
					"(subject eq 'aaaaaaaaaaaaaaaaaaaa' or subject eq 'bbbbbbbbbbbbbbbbbbbb' or subject eq 'cccccccccccccccccccc' or subject eq 'dddddddddddddddddddd') (split into 2 requests)",
				"LIMIT 7 → pages of 100"},
			local:    []string{"subject IN ('aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc', 'dddddddddddddddddddd')"},
			distinct: true})

	// Graph's eq ignores case, so the requests of a split case-insensitive
	// list may overlap: 'AAA…' and 'aaa…' both match a subject "aaa…". The
	// scan keeps the first row of each message (Distinct); exact lists
	// (dates, booleans, ids) split into disjoint requests.
	mixed := in("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	_, s, err := sqlQuery{t: messages, cons: []con{c("subject", eq, mixed).IN()}}.plan(t)
	if err != nil || len(s.Requests) < 2 || !s.Distinct {
		t.Errorf("a split case-insensitive list: %d requests, Distinct %v, %v; want several, true", len(s.Requests), s.Distinct, err)
	}
	dates := in("2024-03-01T09:00:00Z", "2024-03-02T09:00:00Z", "2024-03-03T09:00:00Z", "2024-03-04T09:00:00Z")
	_, s, err = sqlQuery{t: messages, cons: []con{c("received_date_time", eq, dates).IN()}}.plan(t)
	if err != nil || len(s.Requests) < 2 || s.Distinct {
		t.Errorf("a split exact list: %d requests, Distinct %v, %v; want several, false", len(s.Requests), s.Distinct, err)
	}

	// With a consumed ORDER BY one request must stay one: the list is left
	// to SQLite instead, and the page-size hint goes with it.
	check(t, sqlQuery{t: messages, cons: []con{c("subject", eq, vals).IN(), limit(7)}, order: []ob{{"received_date_time", true}}},
		want{usage: []string{"1i", "2"}, consumed: true,
			reqs:   []Request{me("/me/messages?$orderby=receivedDateTime%20desc&$select=id&$top=1000")},
			pushed: []string{"ORDER BY received_date_time DESC → $orderby=receivedDateTime desc"},
			local:  []string{"subject IN ('aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc', 'dddddddddddddddddddd')"}})

	// A single literal longer than the budget is left to SQLite.
	long := strings.Repeat("x", 200)
	check(t, sqlQuery{t: messages, cons: []con{c("subject", like, long+"%")}},
		want{usage: []string{"1"}, reqs: []Request{me("/me/messages?$select=id&$top=1000")}, local: []string{"subject LIKE '" + long + "%'"}})
}

func TestUsers(t *testing.T) {
	u := func(url string) Request { return Request{URL: url} }
	adv := func(url string) Request {
		return Request{URL: url, Header: map[string]string{"ConsistencyLevel": "eventual"}}
	}
	guid1, guid2 := "6e7b768e-07e2-4810-8459-485f84f8f204", "87d349ed-44d7-43e1-9a83-5f2406dee5bd"
	tests := []struct {
		name string
		q    sqlQuery
		w    want
	}{
		{"startswith, LIMIT as page size",
			sqlQuery{t: users, cons: []con{c("display_name", like, "Al%"), limit(5)}, cols: []string{"display_name"}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{u("/users?$filter=startswith(displayName,'Al')&$select=id,displayName&$top=100")},
				pushed: []string{"display_name LIKE 'Al%' → startswith(displayName,'Al')", "LIMIT 5 → pages of 100"},
				local:  []string{"display_name LIKE 'Al%'"}}},
		{"endswith needs advanced query mode",
			sqlQuery{t: users, cons: []con{c("mail", like, "%@contoso.com")}},
			want{usage: []string{"1"},
				reqs:   []Request{adv("/users?$filter=endswith(mail,'@contoso.com')&$select=id&$top=999&$count=true")},
				pushed: []string{"mail LIKE '%@contoso.com' → endswith(mail,'@contoso.com')"},
				local:  []string{"mail LIKE '%@contoso.com'"}}},
		{"an advanced-only property",
			sqlQuery{t: users, cons: []con{c("office_location", eq, "B1")}},
			want{usage: []string{"1"},
				reqs:   []Request{adv("/users?$filter=officeLocation%20eq%20'B1'&$select=id&$top=999&$count=true")},
				pushed: []string{"office_location = 'B1' → officeLocation eq 'B1'"},
				local:  []string{"office_location = 'B1'"}}},
		{"IS NULL is exact and advanced; LIMIT caps",
			sqlQuery{t: users, cons: []con{c("mail", null, nil), limit(3)}},
			want{usage: []string{"1x", "2"},
				reqs:   []Request{adv("/users?$filter=mail%20eq%20null&$select=id&$top=3&$count=true").lim(3)},
				limit:  3,
				pushed: []string{"mail IS NULL → mail eq null", "LIMIT 3 → stop after 3 rows"}}},
		{"IN list with in (…)",
			sqlQuery{t: users, cons: []con{c("department", eq, in("Sales", "R&D")).IN()}},
			want{usage: []string{"1i"},
				reqs:   []Request{u("/users?$filter=department%20in%20('Sales','R%26D')&$select=id&$top=999")},
				pushed: []string{"department IN ('Sales', 'R&D') → department in ('Sales','R&D')"},
				local:  []string{"department IN ('Sales', 'R&D')"}}},
		{"!= and ORDER BY are left to SQLite; no $skip",
			sqlQuery{t: users, cons: []con{c("display_name", ne, "x"), limit(5), offset(5)}, order: []ob{{"display_name", false}}},
			want{usage: []string{"1", "2", "3"},
				reqs:  []Request{u("/users?$select=id&$top=999")},
				local: []string{"display_name != 'x'"}}},
		{"no skip even when exact",
			sqlQuery{t: users, cons: []con{limit(5), offset(5)}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{u("/users?$select=id&$top=10").lim(10)},
				limit:  10,
				pushed: []string{"LIMIT 5 → stop after 10 rows"}}},
		{"id: one GET; a UPN works as the key",
			sqlQuery{t: users, cons: []con{c("id", eq, "alice@contoso.com")}},
			want{usage: []string{"1"}, flags: sqlite.ScanUnique, rows: 1,
				reqs:   []Request{{Single: true, URL: "/users/alice%40contoso.com?$select=id"}},
				pushed: []string{"id = 'alice@contoso.com' → GET by id"}, local: []string{"id = 'alice@contoso.com'"}}},
		{"id of a $ UPN",
			sqlQuery{t: users, cons: []con{c("id", eq, "$x@y")}},
			want{usage: []string{"1"}, flags: sqlite.ScanUnique, rows: 1,
				reqs:   []Request{{Single: true, URL: "/users('$x%40y')?$select=id"}},
				pushed: []string{"id = '$x@y' → GET by id"}, local: []string{"id = '$x@y'"}}},
		{"id IN of GUIDs: one filter, with the other predicates",
			sqlQuery{t: users, cons: []con{c("id", eq, in(guid1, guid2)).IN(), c("given_name", eq, "Al")}},
			want{usage: []string{"1i", "2"},
				reqs: []Request{u("/users?$filter=id%20in%20('" + guid1 + "','" + guid2 + "')%20and%20givenName%20eq%20'Al'&$select=id&$top=999")},
				pushed: []string{"id IN ('" + guid1 + "', '" + guid2 + "') → id in ('" + guid1 + "','" + guid2 + "')",
					"given_name = 'Al' → givenName eq 'Al'"},
				local: []string{"id IN ('" + guid1 + "', '" + guid2 + "')", "given_name = 'Al'"}}},
		{"id IN of other ids: one GET each, which may name one user twice (Distinct)",
			sqlQuery{t: users, cons: []con{c("id", eq, in(guid1, "bob@x.com")).IN()}},
			want{usage: []string{"1i"},
				reqs:     []Request{{Single: true, URL: "/users/" + guid1 + "?$select=id"}, {Single: true, URL: "/users/bob%40x.com?$select=id"}},
				pushed:   []string{"id IN ('" + guid1 + "', 'bob@x.com') → GET by id"},
				local:    []string{"id IN ('" + guid1 + "', 'bob@x.com')"},
				distinct: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.q, tt.w) })
	}
}

func TestFoldersAndAttachments(t *testing.T) {
	tree := "?includeHiddenFolders=true&$select=id,displayName,parentFolderId,childFolderCount"
	folder := func(url, children string) Request {
		r := me(url)
		r.Children = children
		return r
	}
	att := func(url string, msg string) Request {
		return me(url).echo(map[int]any{0: "me", 1: msg})
	}
	expand := func(url string) Request {
		r := me(url)
		r.Expand = true
		return r
	}
	tests := []struct {
		name string
		q    sqlQuery
		w    want
	}{
		{"folder tree",
			sqlQuery{t: folders, cols: []string{"display_name", "path"}},
			want{usage: []string{}, reqs: []Request{folder("/me/mailFolders"+tree+"&$top=1000", "/me/mailFolders/{id}/childFolders"+tree+"&$top=1000")}}},
		{"folder tree: counts selected, LIMIT caps the walk, ORDER BY is SQLite's",
			sqlQuery{t: folders, cons: []con{c("user_id", eq, "bob"), limit(5)}, cols: []string{"unread_item_count"}},
			want{usage: []string{"1x", "2"},
				reqs: []Request{{Mailbox: "bob", MailboxPath: "/users/bob", Echo: map[int]any{0: "bob"}, Limit: 5,
					URL:      "/users/bob/mailFolders" + tree + ",unreadItemCount&$top=5",
					Children: "/users/bob/mailFolders/{id}/childFolders" + tree + ",unreadItemCount&$top=5"}},
				limit:  5,
				pushed: []string{"user_id = 'bob' → path", "LIMIT 5 → stop after 5 rows"}}},
		{"folders: filters stay local",
			sqlQuery{t: folders, cons: []con{c("display_name", eq, "Inbox")}, order: []ob{{"display_name", false}}},
			want{usage: []string{"1"}, reqs: []Request{folder("/me/mailFolders"+tree+"&$top=1000", "/me/mailFolders/{id}/childFolders"+tree+"&$top=1000")},
				local: []string{"display_name = 'Inbox'"}}},
		{"attachments of one message",
			sqlQuery{t: attachments, cons: []con{c("message_id", eq, "M/1")}, cols: []string{"name", "size"}},
			want{usage: []string{"1x"}, reqs: []Request{att("/me/messages/M%2F1/attachments?$select=id,name,size&$top=1000", "M/1")},
				pushed: []string{"message_id = 'M/1' → path"}}},
		{"attachments of several messages; content means the full representation",
			sqlQuery{t: attachments, cons: []con{c("message_id", eq, in("M1", "M2")).IN(), c("is_inline", eq, int64(0))}, cols: []string{"content", "content_id"}},
			want{usage: []string{"1xi", "2"},
				reqs:   []Request{att("/me/messages/M1/attachments?$top=10", "M1").adapt(), att("/me/messages/M2/attachments?$top=10", "M2").adapt()},
				pushed: []string{"message_id IN ('M1', 'M2') → path"},
				local:  []string{"is_inline = 0"}}},
		{"attachments of every message: $expand",
			sqlQuery{t: attachments, cols: []string{"message_id", "name", "content_id", "kind"}},
			want{usage: []string{}, reqs: []Request{expand("/me/messages?$select=id&$top=1000&$expand=attachments($select=id,name,microsoft.graph.fileAttachment/contentId)")}}},
		{"is_inline = 0 limits the expand to messages with hasAttachments",
			sqlQuery{t: attachments, cons: []con{c("is_inline", eq, int64(0)).RHS(), limit(3)}, cols: []string{"name"}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{expand("/me/messages?$filter=hasAttachments%20eq%20true&$select=id&$top=3&$expand=attachments($select=id,name)")},
				pushed: []string{"is_inline = 0 → hasAttachments eq true", "LIMIT 3 → pages of 3"},
				local:  []string{"is_inline = 0"}}},
		{"is_inline = 1 cannot use hasAttachments; content pages of 10",
			sqlQuery{t: attachments, cons: []con{c("is_inline", eq, int64(1))}, cols: []string{"content"}},
			want{usage: []string{"1"},
				reqs:  []Request{expand("/me/messages?$select=id&$top=10&$expand=attachments").adapt()},
				local: []string{"is_inline = 1"}}},
		{"expand with LIMIT stops after the rows; pages of at least 100 (most messages have no attachments)",
			sqlQuery{t: attachments, cons: []con{limit(4)}},
			want{usage: []string{"1"},
				reqs:   []Request{expand("/me/messages?$select=id&$top=100&$expand=attachments($select=id)").lim(4)},
				limit:  4,
				pushed: []string{"LIMIT 4 → stop after 4 rows"}}},
		{"expand without a LIMIT: Graph's largest page of messages",
			sqlQuery{t: attachments, cols: []string{"name", "size"}},
			want{usage: []string{}, reqs: []Request{expand("/me/messages?$select=id&$top=1000&$expand=attachments($select=id,name,size)")}}},
		{"expand with a LIMIT over 1000: still 1000",
			sqlQuery{t: attachments, cons: []con{c("is_inline", eq, int64(0)).RHS(), limit(5000)}, cols: []string{"name"}},
			want{usage: []string{"1", "2"},
				reqs:   []Request{expand("/me/messages?$filter=hasAttachments%20eq%20true&$select=id&$top=1000&$expand=attachments($select=id,name)")},
				pushed: []string{"is_inline = 0 → hasAttachments eq true"},
				local:  []string{"is_inline = 0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.q, tt.w) })
	}
}

// TestCosts checks the choices SQLite makes from the estimates: key and id
// plans far below scans, so joins drive them.
func TestCosts(t *testing.T) {
	cost := func(q sqlQuery) float64 {
		info := q.info()
		if err := BestIndex(q.t, info, Options{Pushdown: true}); err != nil {
			t.Fatal(err)
		}
		return info.EstimatedCost
	}
	scan := cost(sqlQuery{t: messages})
	byUser := cost(sqlQuery{t: messages, cons: []con{c("user_id", eq, "x")}})
	userUnusable := cost(sqlQuery{t: messages, cons: []con{c("user_id", eq, "x").Unusable()}})
	byID := cost(sqlQuery{t: messages, cons: []con{c("id", eq, "x")}})
	usersScan := cost(sqlQuery{t: users})
	userByID := cost(sqlQuery{t: users, cons: []con{c("id", eq, "x")}})
	perMessage := cost(sqlQuery{t: attachments, cons: []con{c("message_id", eq, "m")}})
	expandScan := cost(sqlQuery{t: attachments, cons: []con{c("message_id", eq, "m").Unusable()}})
	filtered := cost(sqlQuery{t: messages, cons: []con{c("subject", eq, "x")}})

	// users JOIN messages ON messages.user_id = users.id: users outside.
	if !(usersScan+10000*byUser < userUnusable) {
		t.Errorf("user_id unusable (%g) must cost more than a users scan with a mailbox each (%g + 10000×%g)", userUnusable, usersScan, byUser)
	}
	if !(byID < filtered && filtered < scan) {
		t.Errorf("want id (%g) < filtered (%g) < scan (%g)", byID, filtered, scan)
	}
	if !(userByID < usersScan) {
		t.Errorf("users by id (%g) must be cheaper than a scan (%g)", userByID, usersScan)
	}
	// messages JOIN attachments ON message_id = messages.id: per message.
	// (The expand scan reads 1000 messages a page: 50 requests.)
	if !(perMessage < expandScan/50) {
		t.Errorf("attachments per message (%g) must be far cheaper than the expand scan (%g)", perMessage, expandScan)
	}
	// user_id IN (SELECT …) AND (is_read = 0 OR subject = 'x'): one scan
	// per branch would be planned again without the IN when SQLite codes
	// it, so one scan must be cheaper than the branches together, whatever
	// their filters save.
	fan := c("user_id", eq, in("a", "b")).IN()
	inAlone := cost(sqlQuery{t: messages, cons: []con{fan}, cols: []string{"body"}})
	branch1 := cost(sqlQuery{t: messages, cons: []con{fan, c("id", eq, "x")}, cols: []string{"body"}})
	branch2 := cost(sqlQuery{t: messages, cons: []con{fan, c("is_read", eq, int64(0))}, cols: []string{"body"}})
	if !(inAlone < branch1+branch2) {
		t.Errorf("a scan with user_id IN (%g) must cost less than an OR of two (%g + %g)", inAlone, branch1, branch2)
	}
}

func TestFilterRejectsForeignPlans(t *testing.T) {
	for _, tt := range []struct {
		idxStr string
		args   []any
		err    string
	}{
		{"", nil, "not a plan made by BestIndex"},
		{`{"a":[{"c":4,"o":2,"r":102}],"u":0}`, nil, "takes 1 arguments but xFilter passed 0"},
		{`{"a":[{"c":99,"o":2,"r":102}],"u":0}`, []any{"x"}, "column 99"},
	} {
		_, err := Filter(messages, 0, tt.idxStr, tt.args, Defaults{})
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Filter(%q): got %v, want an error containing %q", tt.idxStr, err, tt.err)
		}
	}
}
