package driver_test

// The differential test: random queries run through the Graph tables
// against the fake tenant and over a plain SQLite copy of the same data
// (internal/oracle) must give identical answers, and no query may make a
// request the fake (and so Graph) rejects.
//
// The generator writes each query twice. The virtual tables are functions
// of their hidden columns (user_id, folder_id, search), so the plain query
// spells out the scope the virtual one gets by default: user_id = 'me' AND
// folder_id IS NULL for messages, user_id = 'me' for the other mailbox
// tables (oracle.Scope), unless the query gives the scope itself, with the
// same literal on both sides. A $search is spelled out as the ids the fake's
// own search oracle (Tenant.Search) finds.
//
// Scopes come as literals, parameters, IN lists, scalar and correlated
// subqueries and joins, next to random predicates with OR; an OR across
// mailboxes ((user_id = A AND …) OR (user_id = B AND …)) is one shape of
// its own. The tenant has a user without a mailbox, whose mailbox reads as
// empty (with a warning), and the fake pages by at most diffPageCap items,
// so scans, inner ones included, run over several pages. Literals hold
// control characters and NUL now and then.
//
// What the generator avoids, and why (semantic differences, not bugs):
//   - Scope columns (user_id, folder_id, search) are never under NOT, and
//     appear in an OR only as the OR across mailboxes above, where every
//     branch names its mailbox: a virtual table is a function of them, and
//     a branch without a scope reads the default one, which a plain table
//     cannot mimic.
//   - Scope values are spelled as the copy stores them ("me", a
//     userPrincipalName or user id exactly as the directory has it, a
//     well-known folder name in lower case): Graph resolves 'INBOX' or an
//     upper-case UPN, a plain table does not.
//   - No mailbox that does not exist: Graph answers 404, an error, where
//     the copy has no rows. (A user without a mailbox does exist: Graph's
//     404 MailboxNotEnabledForRESTAPI is an empty mailbox.) Attachments are joined with the mailbox of
//     their message for the same reason.
//   - The hidden search column is never selected or compared with anything
//     but its KQL: the copy holds NULL there.
//   - LIMIT without a total ORDER BY may return any rows: only their count
//     and their membership in the whole answer are compared; ORDER BY keys
//     with ties are compared as ordered groups of rows (see compareRows).
// Everything else is SQLite against SQLite: LIKE's ASCII-only case folding,
// affinities, NULL rules and collations are the same on both sides, so any
// difference is a pushdown that changed an answer.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	plaincopy "github.com/outlooksql/outlooksql/internal/oracle"
)

// diffQueries is how many random queries TestDifferential runs on the
// mail tables, then diffSettingsQueries on the mailbox-settings tables.
const (
	diffQueries         = 400
	diffSettingsQueries = 120
)

var (
	diffOnce   sync.Once
	diffTenant *fakegraph.Tenant
)

// diffTenantData is the differential tests' tenant: 4 users (one with null
// directory fields) with 400 messages each, and a user without a mailbox,
// made once per test binary.
func diffTenantData() *fakegraph.Tenant {
	diffOnce.Do(func() {
		diffTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 42, Users: 4, MessagesPerUser: 400})
		diffTenant.Users = append(diffTenant.Users, &fakegraph.User{
			ID:                "5c1d7a2e-3b4f-4e6a-9d8c-7f0e1a2b3c4d",
			DisplayName:       "Scanner Service",
			UserPrincipalName: "scanner@" + diffTenant.Domain,
			BusinessPhones:    []string{},
			NoMailbox:         true,
		})
	})
	return diffTenant
}

// diffPageCap is the most items the differential tests' fake puts on a
// page, whatever $top asks: a mailbox of 400 messages is several pages,
// and so is an inner scan of a join.
const diffPageCap = 150

// diffFixture is the fake tenant served with pushdown on and off, and the
// plain copy of its data.
type diffFixture struct {
	e, base *env
	plain   *sql.DB
	tenant  *fakegraph.Tenant
	pools   *diffPools
}

func newDiffFixture(tb testing.TB) *diffFixture {
	tb.Helper()
	return newDiffFixturePaged(tb, diffPageCap)
}

// newDiffFixturePaged is newDiffFixture with pages of at most pageCap
// items (0: pages of $top, for tests that pin requests).
func newDiffFixturePaged(tb testing.TB, pageCap int) *diffFixture {
	tb.Helper()
	tenant := diffTenantData()
	f := &diffFixture{tenant: tenant}
	// Batched nested loops at small sizes, and partitioned scans forced
	// on (every listing of two pages or more splits: partition_test.go).
	// Tests that pin each scan's requests (pages of $top) run without
	// lookahead: lookahead_test.go pins those.
	extra := []string{diffLookahead, "ParallelScanMinPages=2"}
	if pageCap == 0 {
		extra = []string{"Lookahead=Off", "ParallelScanMinPages=2"}
	}
	f.e = newEnv(tb, tenant, extra, fakegraph.WithPageCap(pageCap))
	f.base = newEnv(tb, tenant, []string{"Pushdown=False"}, fakegraph.WithPageCap(pageCap))
	var err error
	f.plain, err = sql.Open("sqlite3", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	f.plain.SetMaxOpenConns(1) // one in-memory database
	tb.Cleanup(func() { f.plain.Close() })
	if err := plaincopy.Load(f.plain, tenant, f.e.User); err != nil {
		tb.Fatal(err)
	}
	f.pools, err = loadPools(f.plain, tenant, f.e.User)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// --- value pools ---

// diffPools are values taken from the data, so that generated predicates
// match rows, and the scopes the copy knows.
type diffPools struct {
	me      string   // the signed-in userPrincipalName
	upns    []string // every user's userPrincipalName
	ids     []string // every user's id
	folders []string // well-known folder names
	vals    map[string][]any
	kql     []string
	tenant  *fakegraph.Tenant
}

func loadPools(db *sql.DB, tenant *fakegraph.Tenant, me string) (*diffPools, error) {
	p := &diffPools{me: me, vals: map[string][]any{}, tenant: tenant}
	for _, u := range tenant.Users {
		p.upns = append(p.upns, u.UserPrincipalName)
		p.ids = append(p.ids, u.ID)
	}
	seen := map[string]bool{}
	for _, u := range tenant.Users {
		for _, f := range u.Folders {
			if f.WellKnownName != "" && !seen[f.WellKnownName] {
				seen[f.WellKnownName] = true
				p.folders = append(p.folders, f.WellKnownName)
			}
		}
	}
	sort.Strings(p.folders)
	for table, cols := range diffColumns {
		for _, c := range cols {
			if c.kind == 'x' {
				continue
			}
			// The signed-in mailbox's values: most queries read it, and
			// values that rows hold exactly find the off-by-one bounds.
			scope := ""
			if table != "users" {
				scope = " AND " + plaincopy.Scope(table, table)
			}
			rows, err := db.Query(fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL%s ORDER BY 1", c.name, table, c.name, scope))
			if err != nil {
				return nil, err
			}
			var vals []any
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return nil, err
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				vals = append(vals, v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			p.vals[table+"."+c.name] = vals
		}
	}
	p.kql = []string{"budget", "lunch", "invoice", "café", "project_x", "from:github", "subject:invoice",
		`"weekly digest"`, "budget OR lunch", "Straßenfest", "🎉", "o'brien", "100%", "laptop charger",
		"subject:\"Let's meet\"", "from:alice", "to:megan", "NOT budget", "zzzz-no-match", "re"}
	return p, nil
}

// --- columns ---

// diffCol is a column the generator uses: its kind says which literals and
// operators fit ('t' text, 'd' date, 'b' 0/1, 'e' enum, 'i' integer, 'j'
// JSON text, 'x' blob) and weight how often it is picked.
type diffCol struct {
	name   string
	kind   byte
	weight int
}

var diffColumns = map[string][]diffCol{
	"messages": {
		{"id", 't', 3}, {"subject", 't', 8}, {"body_preview", 't', 2}, {"body", 't', 1},
		{"body_content_type", 'e', 1}, {"unique_body", 't', 1}, {"from_name", 't', 3},
		{"from_address", 't', 6}, {"sender_name", 't', 2}, {"sender_address", 't', 4},
		{"to_recipients", 'j', 2}, {"cc_recipients", 'j', 1}, {"bcc_recipients", 'j', 1}, {"reply_to", 'j', 1},
		{"received_date_time", 'd', 10}, {"sent_date_time", 'd', 5}, {"created_date_time", 'd', 3},
		{"last_modified_date_time", 'd', 3}, {"importance", 'e', 6}, {"inference_classification", 'e', 4},
		{"is_read", 'b', 6}, {"is_draft", 'b', 3}, {"has_attachments", 'b', 4},
		{"is_read_receipt_requested", 'b', 1}, {"is_delivery_receipt_requested", 'b', 1},
		{"flag_status", 'e', 4}, {"categories", 'j', 3}, {"conversation_id", 't', 4},
		{"internet_message_id", 't', 3}, {"parent_folder_id", 't', 4}, {"web_link", 't', 1},
		{"change_key", 't', 2}, {"internet_message_headers", 'j', 1},
	},
	"users": {
		{"id", 't', 4}, {"display_name", 't', 5}, {"given_name", 't', 3}, {"surname", 't', 3},
		{"mail", 't', 4}, {"user_principal_name", 't', 4}, {"job_title", 't', 3}, {"department", 't', 3},
		{"office_location", 't', 2}, {"mobile_phone", 't', 2}, {"preferred_language", 't', 2},
		{"business_phones", 'j', 1},
	},
	"mail_folders": {
		{"id", 't', 2}, {"display_name", 't', 4}, {"parent_folder_id", 't', 2}, {"path", 't', 3},
		{"child_folder_count", 'i', 2}, {"unread_item_count", 'i', 2}, {"total_item_count", 'i', 2},
		{"is_hidden", 'b', 2},
	},
	"attachments": {
		{"message_id", 't', 2}, {"id", 't', 2}, {"kind", 'e', 3}, {"name", 't', 4},
		{"content_type", 't', 3}, {"size", 'i', 3}, {"is_inline", 'b', 4},
		{"last_modified_date_time", 'd', 2}, {"content_id", 't', 2}, {"content", 'x', 0},
	},
	"message_rules": {
		{"id", 't', 2}, {"display_name", 't', 3}, {"sequence", 'i', 3}, {"is_enabled", 'b', 2},
		{"has_error", 'b', 2}, {"is_read_only", 'b', 2}, {"conditions", 'j', 2}, {"actions", 'j', 2},
		{"exceptions", 'j', 2},
	},
	"master_categories": {
		{"id", 't', 2}, {"display_name", 't', 3}, {"color", 'e', 3},
	},
	"mailbox_settings": {
		{"time_zone", 't', 2}, {"language_locale", 't', 2}, {"date_format", 't', 2}, {"time_format", 't', 2},
		{"automatic_replies_status", 'e', 2}, {"automatic_replies_external_audience", 'e', 2},
		{"automatic_replies_start", 'd', 2}, {"automatic_replies_end", 'd', 2},
		{"automatic_replies_internal_message", 't', 2}, {"automatic_replies_external_message", 't', 2},
		{"working_hours", 'j', 2}, {"user_purpose", 'e', 2},
	},
}

// settingsTables are the mailbox-settings tables, which the generator
// queries in a round of their own (settingsQuery) after the mail queries.
var settingsTables = []string{"message_rules", "master_categories", "mailbox_settings"}

// diffTable is one table of a query: its table and its alias.
type diffTable struct{ table, alias string }

func (t diffTable) col(name string) string { return t.alias + "." + name }

// --- the generated query ---

// diffQuery is one generated query, for the virtual tables and the copy.
type diffQuery struct {
	vt, plain string
	args      []any
	// plainAll is the plain query without LIMIT/OFFSET, with argsAll.
	plainAll string
	argsAll  []any
	// keys are the output columns of ORDER BY, in order; nil when the
	// query does not order its rows.
	keys []int
	// limit (-1: none) and offset of the outermost query.
	limit, offset int64
	// preds counts "table.column op" used in predicates (coverage).
	preds []string
}

func (q *diffQuery) String() string {
	s := "virtual: " + q.vt + "\nplain:   " + q.plain
	if len(q.args) > 0 {
		var parts []string
		for _, a := range q.args {
			parts = append(parts, canon(a))
		}
		s += "\nargs:    " + strings.Join(parts, ", ")
	}
	return s
}

// sqlPair is SQL text for the virtual tables and for the copy; they differ
// only in scope predicates, which never hold parameters of their own, so
// both have the same parameters in the same order.
type sqlPair struct{ vt, pl string }

func bothSQL(s string) sqlPair { return sqlPair{s, s} }

func catSQL(parts ...sqlPair) sqlPair {
	var p sqlPair
	for _, x := range parts {
		p.vt += x.vt
		p.pl += x.pl
	}
	return p
}

func joinSQL(ps []sqlPair, sep string) sqlPair {
	var vt, pl []string
	for _, p := range ps {
		if p.vt != "" {
			vt = append(vt, p.vt)
		}
		if p.pl != "" {
			pl = append(pl, p.pl)
		}
	}
	return sqlPair{strings.Join(vt, sep), strings.Join(pl, sep)}
}

// --- the generator ---

// diffGen writes random queries from a seed.
type diffGen struct {
	r     *rand.Rand
	p     *diffPools
	args  []any
	preds []string
	depth int
	// noCollate leaves COLLATE out of predicates: SQLite does not run an
	// OR as one scan per branch when a branch compares a column of the
	// virtual table with COLLATE (see orMailboxes).
	noCollate bool
}

func newDiffGen(p *diffPools, seed uint64) *diffGen {
	return &diffGen{r: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)), p: p}
}

func (g *diffGen) n(k int) int         { return g.r.IntN(k) }
func (g *diffGen) chance(pct int) bool { return g.r.IntN(100) < pct }

func pickOne[T any](g *diffGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// lit writes a value as a literal, or as a parameter now and then.
func (g *diffGen) lit(v any) string {
	if g.chance(15) {
		g.args = append(g.args, v)
		return "?"
	}
	return sqlLiteral(v)
}

func sqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		if hasControlChar(x) {
			return controlLiteral(x)
		}
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	panic(fmt.Sprintf("sqlLiteral: %T", v))
}

func hasControlChar(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// controlLiteral writes a string with control characters as a
// concatenation with char(…), in parentheses: SQL text ends at a NUL.
func controlLiteral(s string) string {
	var parts []string
	lit := ""
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			if lit != "" {
				parts = append(parts, "'"+strings.ReplaceAll(lit, "'", "''")+"'")
				lit = ""
			}
			parts = append(parts, "char("+strconv.Itoa(int(r))+")")
			continue
		}
		lit += string(r)
	}
	if lit != "" {
		parts = append(parts, "'"+strings.ReplaceAll(lit, "'", "''")+"'")
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// controlChars are the control characters the generator puts in literals.
var controlChars = []string{"\x00", "\x00", "\t", "\n", "\r", "\x01", "\x1f", "\x7f"}

// withControl puts a control character (often NUL) into s at a random place.
func (g *diffGen) withControl(s string) string {
	r := []rune(s)
	i := g.n(len(r) + 1)
	return string(r[:i]) + pickOne(g, controlChars) + string(r[i:])
}

// column picks a column of table by weight (kinds in skip left out).
func (g *diffGen) column(table string, skip string) diffCol {
	cols := diffColumns[table]
	total := 0
	for _, c := range cols {
		if !strings.ContainsRune(skip, rune(c.kind)) {
			total += c.weight
		}
	}
	k := g.n(total)
	for _, c := range cols {
		if strings.ContainsRune(skip, rune(c.kind)) {
			continue
		}
		if k < c.weight {
			return c
		}
		k -= c.weight
	}
	panic("column: no column")
}

// nastyStrings are literals that have broken translators: quotes, wildcards,
// OData and URL syntax, unicode, emoji, case.
var nastyStrings = []string{"", " ", "'", "''", "O'Brien", "it''s", "%", "_", "50%", "100% Deals", "project_x",
	"under_score and per%cent", "Café", "CAFÉ", "café", "Straße", "STRASSE", "日本語", "🎉", "🎸", "Zoë",
	"Müller", "Ünïcödé ✓", `"hello world"`, "Re:", "re:", "RE: ", `\`, `a\%b`, "[External]", "*", "?",
	"[a-z]*", "null", "NULL", "me", "Inbox", "AAMk", "x' or '1'='1", "%' OR 1=1 --", ")", "(", "&",
	"$filter=x", "#", "+", "/", " eq ", " and ", "🎉 Party on Friday", "Budget", "BUDGET review",
	"Mixed CASE Subject", "mixed case subject", "alice.smith@fabrikam.com", "ALICE.SMITH@FABRIKAM.COM",
	"\x00", "a\x00b", "Budget\x00", "\tBudget", "line\nbreak", "\x7f", "%\x00zz"}

// sample is a value of table.col from the data, or nil when it has none.
func (g *diffGen) sample(table, col string) any {
	vals := g.p.vals[table+"."+col]
	if len(vals) == 0 {
		return nil
	}
	return pickOne(g, vals)
}

// mutate changes a text value the way users mistype it: case, a prefix,
// a part, a trailing space.
func (g *diffGen) mutate(s string) string {
	r := []rune(s)
	switch g.n(10) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToLower(s)
	case 2:
		if len(r) > 1 {
			return string(r[:1+g.n(len(r)-1)])
		}
	case 3:
		if len(r) > 1 {
			return string(r[g.n(len(r)-1)+1:])
		}
	case 4:
		return s + " "
	case 5:
		if len(r) > 0 {
			if unicode.IsUpper(r[0]) {
				r[0] = unicode.ToLower(r[0])
			} else {
				r[0] = unicode.ToUpper(r[0])
			}
			return string(r)
		}
	}
	return s
}

// textValue is a literal for a text column.
func (g *diffGen) textValue(table, col string) any {
	switch k := g.n(100); {
	case k < 65:
		if v, ok := g.sample(table, col).(string); ok {
			return v
		}
	case k < 85:
		if v, ok := g.sample(table, col).(string); ok {
			return g.mutate(v)
		}
	case k < 88:
		return nil
	case k < 90:
		return int64(g.n(3))
	case k < 93:
		if v, ok := g.sample(table, col).(string); ok {
			return g.withControl(v)
		}
	}
	return pickOne(g, nastyStrings)
}

// pattern is a LIKE (or GLOB) pattern made from a value of the column.
func (g *diffGen) pattern(table, col string, glob bool) string {
	anyc, one := "%", "_"
	if glob {
		anyc, one = "*", "?"
	}
	s, _ := g.sample(table, col).(string)
	if s == "" || g.chance(10) {
		s = pickOne(g, nastyStrings)
	}
	r := []rune(s)
	sub := func() string {
		if len(r) == 0 {
			return ""
		}
		i := g.n(len(r))
		j := i + 1 + g.n(min(len(r)-i, 12))
		return string(r[i:j])
	}
	prefix := func() string {
		if len(r) == 0 {
			return ""
		}
		return string(r[:1+g.n(min(len(r), 12))])
	}
	var p string
	switch g.n(12) {
	case 0, 1, 2:
		p = prefix() + anyc
	case 3, 4, 5:
		p = anyc + sub() + anyc
	case 6:
		p = s
	case 7:
		if len(r) > 0 {
			p = anyc + string(r[len(r)-1-g.n(min(len(r), 8)):])
		}
	case 8: // a single-character wildcard inside
		q := []rune(prefix())
		q[g.n(len(q))] = []rune(one)[0]
		p = string(q) + anyc
	case 9: // case changed
		if glob {
			p = strings.ToUpper(prefix()) + anyc
		} else {
			p = g.mutate(prefix()) + anyc
		}
	case 10:
		if glob {
			p = pickOne(g, []string{"*", "?*", "[A-Z]*", "*[0-9]*", "*'*", "*%*", "*_*", "[!a-z]*"})
		} else {
			p = pickOne(g, []string{"%", "_%", "%'%", "%\\%%", "%\\_%", "%_%", "%%", "%%%", "___%"})
		}
	default:
		p = sub() + anyc + sub() + anyc
	}
	if g.chance(6) { // SQLite ends a pattern at a NUL
		p = g.withControl(p)
	}
	return p
}

// dateValue is a literal for a date column: its canonical text, or a
// prefix, a variant with a space or fraction, or something no date is.
func (g *diffGen) dateValue(table, col string) any {
	d, _ := g.sample(table, col).(string)
	if d == "" {
		d = "2024-03-01T10:00:00Z"
	}
	if g.chance(15) {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			d = t.Add(time.Duration(g.n(3)-1) * time.Second).UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	switch g.n(20) {
	case 0:
		return d[:7]
	case 1:
		return d[:10]
	case 2:
		return d[:4]
	case 3:
		return d[:13]
	case 4:
		return d[:16]
	case 5:
		return strings.Replace(d, "T", " ", 1)
	case 6:
		return d[:19]
	case 7:
		return d[:19] + ".5Z"
	case 8:
		return strings.ToLower(d)
	case 9:
		return d[:10] + "T00:00:00Z"
	case 10:
		return pickOne(g, []any{"", "abc", "2024", "9999-12-31T23:59:59Z", "1600-01-01T00:00:00Z", "1900-01-01",
			"2024-02-30T00:00:00Z", "2024-13", "0000", "2024-03-01T10:00:00+01:00", int64(2024), nil, "2024-03-01 10:00:00",
			"2024-03", "2024-03-01", "2024-03-01T10:00:00Z", "2025-06-30T18:00:00Z", "2023-06-30T18:00:00Z",
			"2024-03\x00zz", "2024-03-01T10:00:00Z\x00", "\x002024"})
	}
	return d
}

// boolValue is a literal compared with a 0/1 column.
func (g *diffGen) boolValue() any {
	if g.chance(75) {
		return int64(g.n(2))
	}
	return pickOne(g, []any{int64(2), int64(-1), "1", "0", "true", nil, float64(1), float64(0.5), float64(0)})
}

// enumValue is a literal for an enum column, in Graph's case or not.
func (g *diffGen) enumValue(table, col string) any {
	s, _ := g.sample(table, col).(string)
	switch k := g.n(10); {
	case k < 6 && s != "":
		return s
	case k < 8 && s != "":
		return pickOne(g, []string{strings.ToUpper(s[:1]) + s[1:], strings.ToUpper(s), strings.ToLower(s)})
	case k < 9:
		return pickOne(g, []any{"urgent", "", nil, "High", "NORMAL", "notflagged", "Flagged", "Focused", "file"})
	}
	return s
}

// intValue is a literal for an integer column.
func (g *diffGen) intValue(table, col string) any {
	n, _ := g.sample(table, col).(int64)
	switch g.n(8) {
	case 0:
		return n + 1
	case 1:
		return n - 1
	case 2:
		return strconv.FormatInt(n, 10)
	case 3:
		return float64(n) + 0.5
	case 4:
		return pickOne(g, []any{nil, int64(0), int64(-1), "x", int64(1 << 40)})
	}
	return n
}

// value is a literal for column c.
func (g *diffGen) value(table string, c diffCol) any {
	switch c.kind {
	case 'd':
		return g.dateValue(table, c.name)
	case 'b':
		return g.boolValue()
	case 'e':
		return g.enumValue(table, c.name)
	case 'i':
		return g.intValue(table, c.name)
	}
	return g.textValue(table, c.name)
}

// pred writes one predicate over the tables of refs.
func (g *diffGen) pred(refs []diffTable) sqlPair {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth < 4 {
		switch k := g.n(100); {
		case k < 14:
			return catSQL(bothSQL("("), g.pred(refs), bothSQL(" AND "), g.pred(refs), bothSQL(")"))
		case k < 26:
			return catSQL(bothSQL("("), g.pred(refs), bothSQL(" OR "), g.pred(refs), bothSQL(")"))
		case k < 30:
			return catSQL(bothSQL("NOT ("), g.pred(refs), bothSQL(")"))
		}
	}
	ref := pickOne(g, refs)
	c := g.column(ref.table, "x")
	return g.leaf(ref, c)
}

func (g *diffGen) note(ref diffTable, c diffCol, op string) {
	g.preds = append(g.preds, ref.table+"."+c.name+" "+op)
}

// leaf writes a comparison of column c.
func (g *diffGen) leaf(ref diffTable, c diffCol) sqlPair {
	col := ref.col(c.name)
	val := func() string { return g.lit(g.value(ref.table, c)) }
	op := pickOne(g, []string{"=", "=", "=", "!=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"})
	k := g.n(100)
	if c.kind == 'd' && g.chance(50) {
		// Dates are what the planner translates most: ranges with bounds
		// that rows hold exactly.
		op, k = pickOne(g, []string{"=", "<", "<=", ">", ">=", "!="}), 0
	}
	switch {
	case k < 40:
		g.note(ref, c, op)
		if g.chance(15) { // the value first: SQLite commutes it
			return bothSQL(val() + " " + op + " " + col)
		}
		if c.kind == 't' && !g.noCollate && g.chance(10) {
			return bothSQL(col + " " + op + " " + val() + " COLLATE NOCASE")
		}
		return bothSQL(col + " " + op + " " + val())
	case k < 50:
		g.note(ref, c, "BETWEEN")
		not := ""
		if g.chance(20) {
			not = "NOT "
		}
		return bothSQL(col + " " + not + "BETWEEN " + val() + " AND " + val())
	case k < 63:
		g.note(ref, c, "IN")
		return g.inList(ref, c)
	case k < 70:
		g.note(ref, c, "IS NULL")
		if g.chance(50) {
			return bothSQL(col + " IS NOT NULL")
		}
		return bothSQL(col + " IS NULL")
	case k < 85:
		if c.kind == 'b' || c.kind == 'i' {
			g.note(ref, c, "=")
			return bothSQL(col + " = " + val())
		}
		g.note(ref, c, "LIKE")
		p := g.lit(g.pattern(ref.table, c.name, false))
		switch g.n(10) {
		case 0:
			return bothSQL(col + " NOT LIKE " + p)
		case 1:
			return bothSQL(col + " LIKE " + p + ` ESCAPE '\'`)
		}
		return bothSQL(col + " LIKE " + p)
	case k < 92:
		if c.kind == 'b' || c.kind == 'i' {
			g.note(ref, c, ">")
			return bothSQL(col + " > " + val())
		}
		g.note(ref, c, "GLOB")
		return bothSQL(col + " GLOB " + g.lit(g.pattern(ref.table, c.name, true)))
	case k < 95:
		g.note(ref, c, "func")
		return bothSQL(pickOne(g, []string{"lower(", "upper(", "trim(", "length("}) + col + ") " + op + " " + val())
	}
	if ref.table == "messages" && g.chance(40) {
		g.note(ref, c, "EXISTS")
		return g.exists(ref)
	}
	g.note(ref, c, "IN subquery")
	return g.inSubquery(ref, c)
}

// exists writes a correlated EXISTS over the message's attachments, which
// SQLite runs as a lookup by message_id (and mailbox) per message.
func (g *diffGen) exists(m diffTable) sqlPair {
	a := diffTable{"attachments", "e" + strconv.Itoa(g.depth) + strconv.Itoa(g.n(1000))}
	not := ""
	if g.chance(30) {
		not = "NOT "
	}
	q := catSQL(bothSQL(not + "EXISTS (SELECT 1 FROM attachments AS " + a.alias + " WHERE " + a.col("user_id") + " = " + m.col("user_id") +
		" AND " + a.col("message_id") + " = " + m.col("id")))
	if g.chance(70) {
		q = catSQL(q, bothSQL(" AND "), g.pred([]diffTable{a}))
	}
	return catSQL(q, bothSQL(")"))
}

// inList writes col IN (…) with duplicates and NULLs now and then, and
// sometimes enough values that the planner must split or drop the list.
func (g *diffGen) inList(ref diffTable, c diffCol) sqlPair {
	n := 1 + g.n(4)
	if g.chance(8) {
		n = 40 + g.n(80)
	}
	var vals []string
	var prev []any
	for range n {
		var v any
		switch {
		case g.chance(6):
			v = nil
		case len(prev) > 0 && g.chance(10):
			v = prev[g.n(len(prev))] // a duplicate
		default:
			v = g.value(ref.table, c)
		}
		prev = append(prev, v)
		vals = append(vals, g.lit(v))
	}
	not := ""
	if g.chance(15) {
		not = "NOT "
	}
	return bothSQL(ref.col(c.name) + " " + not + "IN (" + strings.Join(vals, ", ") + ")")
}

// inSubquery writes col IN (SELECT …) over a table, scoped.
func (g *diffGen) inSubquery(ref diffTable, c diffCol) sqlPair {
	col := ref.col(c.name)
	type src struct{ table, col string }
	var choices []src
	switch c.kind {
	case 't':
		choices = []src{{"users", "mail"}, {"users", "display_name"}, {"messages", "from_address"},
			{"attachments", "message_id"}, {"mail_folders", "id"}, {"messages", "conversation_id"},
			{"messages", "id"}, {ref.table, c.name}}
	case 'd':
		choices = []src{{"messages", "received_date_time"}, {"attachments", "last_modified_date_time"}}
	case 'b':
		choices = []src{{"mail_folders", "is_hidden"}, {"attachments", "is_inline"}}
	case 'i':
		choices = []src{{"attachments", "size"}, {"mail_folders", "total_item_count"}}
	default:
		choices = []src{{ref.table, c.name}}
	}
	s := pickOne(g, choices)
	sub := diffTable{s.table, "s" + strconv.Itoa(g.depth) + strconv.Itoa(g.n(1000))}
	scope := g.scope(sub)
	var where []sqlPair
	where = append(where, scope.where...)
	if g.chance(70) {
		where = append(where, g.pred([]diffTable{sub}))
	}
	w := joinSQL(where, " AND ")
	q := catSQL(bothSQL(col+" IN (SELECT "+sub.col(s.col)+" FROM "), scope.from)
	if w.pl != "" {
		q = catSQL(q, sqlPair{prefixIf(" WHERE ", w.vt), prefixIf(" WHERE ", w.pl)})
	}
	if g.chance(20) {
		q = catSQL(q, bothSQL(" ORDER BY "+sub.col(s.col)+" LIMIT "+strconv.Itoa(1+g.n(20))))
	}
	return catSQL(q, bothSQL(")"))
}

func prefixIf(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// diffScope is a table in FROM with the predicates of its scope.
type diffScope struct {
	from  sqlPair   // "messages AS m" or "messages('x') AS m" vs "messages AS m"
	where []sqlPair // top-level conjuncts, first in WHERE
	// defaultUser: the query does not give user_id (the mailbox is "me").
	defaultUser bool
}

// scope chooses how a mailbox table is scoped: by default (the copy then
// names the default), or with user_id/folder_id given as arguments or
// top-level constraints, with the same literals on both sides.
func (g *diffGen) scope(ref diffTable) diffScope {
	as := " AS " + ref.alias
	if ref.table == "users" {
		return diffScope{from: bothSQL("users" + as)}
	}
	msgs := ref.table == "messages"
	var users []string
	mailbox := func() string {
		switch g.n(6) {
		case 0:
			return g.p.me
		case 1:
			return pickOne(g, g.p.ids)
		case 2, 3:
			return pickOne(g, g.p.upns)
		}
		return "me"
	}
	var s diffScope
	s.from = bothSQL(ref.table + as)
	defUser := sqlPair{"", ref.col("user_id") + " = 'me'"}
	defFolder := sqlPair{"", ref.col("folder_id") + " IS NULL"}
	uc, fc := defUser, defFolder
	switch k := g.n(100); {
	case k < 50:
	case k < 65:
		uc = bothSQL(ref.col("user_id") + " = " + g.lit(mailbox()))
	case k < 75: // table-valued function
		v := g.lit(mailbox())
		uc = sqlPair{"", ref.col("user_id") + " = " + v}
		s.from = sqlPair{ref.table + "(" + v + ")" + as, ref.table + as}
		if msgs && g.chance(40) {
			fo := g.lit(pickOne(g, g.p.folders))
			fc = sqlPair{"", ref.col("folder_id") + " = " + fo}
			s.from.vt = ref.table + "(" + v + ", " + fo + ")" + as
		}
	case k < 85:
		users = []string{mailbox(), mailbox()}
		if g.chance(50) {
			users = append(users, mailbox())
		}
		var lits []string
		for _, u := range users {
			lits = append(lits, g.lit(u))
		}
		uc = bothSQL(ref.col("user_id") + " IN (" + strings.Join(lits, ", ") + ")")
	case k < 92 && msgs:
		fc = bothSQL(ref.col("folder_id") + " = " + g.lit(pickOne(g, g.p.folders)))
	case k < 96 && msgs:
		fc = bothSQL(ref.col("folder_id") + " IN (" + g.lit(pickOne(g, g.p.folders)) + ", " + g.lit(pickOne(g, g.p.folders)) + ")")
	case k < 97:
		uc = bothSQL(ref.col("user_id") + " IN (SELECT u" + ref.alias + "." + pickOne(g, []string{"id", "user_principal_name"}) +
			" FROM users AS u" + ref.alias + ")")
	default: // scalar subqueries
		uc = bothSQL(ref.col("user_id") + " = " + g.userSubquery("u"+ref.alias))
		if msgs && g.chance(30) {
			fc = bothSQL(ref.col("folder_id") + " = (SELECT " + g.lit(pickOne(g, g.p.folders)) + ")")
		}
	}
	s.defaultUser = uc.vt == "" && !strings.Contains(s.from.vt, "(")
	s.where = append(s.where, uc)
	if msgs {
		s.where = append(s.where, fc)
	}
	return s
}

// userSubquery is a scalar subquery naming a mailbox: a user's id or
// userPrincipalName looked up by the other, now and then by a name that
// finds nobody (NULL: no rows).
func (g *diffGen) userSubquery(alias string) string {
	i := g.n(len(g.p.upns))
	col, by, val := "id", "user_principal_name", g.p.upns[i]
	if g.chance(50) {
		col, by, val = "user_principal_name", "id", g.p.ids[i]
	}
	if g.chance(5) {
		val = "nobody@nowhere.example"
	}
	if g.chance(30) { // a LIKE, as people write it
		return "(SELECT " + alias + "." + col + " FROM users AS " + alias + " WHERE " + alias + "." + by + " LIKE " +
			g.lit(strings.SplitN(val, "@", 2)[0][:3]+"%") + " ORDER BY " + alias + ".id LIMIT 1)"
	}
	return "(SELECT " + alias + "." + col + " FROM users AS " + alias + " WHERE " + alias + "." + by + " = " + g.lit(val) + ")"
}

// selectList picks output columns of refs; the ORDER BY keys are added.
func (g *diffGen) selectList(refs []diffTable) []string {
	var out []string
	seen := map[string]bool{}
	n := 1 + g.n(4)
	for range n {
		ref := pickOne(g, refs)
		skip := ""
		if !g.chance(3) {
			skip = "x"
		}
		c := g.column(ref.table, skip).name
		if (c == "body" || c == "unique_body" || c == "internet_message_headers") && !g.chance(30) {
			c = "id"
		}
		if ref.table != "users" && g.chance(5) {
			c = "user_id"
		}
		if ref.table == "messages" && g.chance(3) {
			c = "folder_id"
		}
		e := ref.col(c)
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// orderBy picks ORDER BY terms; a lone date key (the latest-N query) is
// the most common.
func (g *diffGen) orderBy(refs []diffTable) []string {
	ref := refs[0]
	switch k := g.n(100); {
	case k < 35:
		return nil
	case k < 60 && slices.Contains(settingsTables, ref.table):
		return []string{ref.col(g.column(ref.table, "x").name)}
	case k < 60 && ref.table != "users":
		name := "received_date_time"
		if ref.table != "messages" {
			name = pickOne(g, []string{"last_modified_date_time", "display_name", "path"})
			if ref.table == "attachments" {
				name = "last_modified_date_time"
			} else if ref.table == "mail_folders" {
				name = pickOne(g, []string{"display_name", "path", "total_item_count"})
			}
		} else if g.chance(30) {
			name = pickOne(g, []string{"sent_date_time", "created_date_time", "last_modified_date_time"})
		}
		dir := ""
		if g.chance(70) {
			dir = " DESC"
		}
		return []string{ref.col(name) + dir}
	}
	var keys []string
	for range 1 + g.n(3) {
		r := pickOne(g, refs)
		k := r.col(g.column(r.table, "x").name)
		if g.chance(40) {
			k += " DESC"
		}
		if g.chance(5) {
			k += pickOne(g, []string{" NULLS FIRST", " NULLS LAST"})
		}
		keys = append(keys, k)
	}
	if g.chance(50) && refs[0].table != "mailbox_settings" { // one row per mailbox, no id
		keys = append(keys, refs[0].col("id"))
	}
	return keys
}

// orderKeyExpr is the column expression of an ORDER BY term.
func orderKeyExpr(term string) string {
	e, _, _ := strings.Cut(term, " ")
	return e
}

// limit writes LIMIT/OFFSET (as parameters now and then) and returns the
// values.
func (g *diffGen) limit() (string, []any, int64, int64) {
	if !g.chance(45) {
		return "", nil, -1, 0
	}
	lim := pickOne(g, []int64{0, 1, 2, 3, 5, 10, 10, 25, 100, 1000, 1500, -1})
	off := int64(0)
	withOff := g.chance(35)
	if withOff {
		off = pickOne(g, []int64{0, 1, 3, 5, 50, 399, 500, -2})
	}
	var args []any
	l := strconv.FormatInt(lim, 10)
	if g.chance(25) {
		l, args = "?", append(args, lim)
	}
	s := " LIMIT " + l
	if withOff {
		o := strconv.FormatInt(off, 10)
		if g.chance(25) {
			o, args = "?", append(args, off)
		}
		s += " OFFSET " + o
	}
	return s, args, lim, max(off, 0)
}

// query writes one random query.
func (g *diffGen) query() *diffQuery {
	g.args, g.preds = nil, nil
	switch k := g.n(100); {
	case k < 40:
		return g.single("messages")
	case k < 48:
		return g.search()
	case k < 56:
		return g.single("users")
	case k < 60:
		return g.single("mail_folders")
	case k < 67:
		return g.single("attachments")
	case k < 76:
		return g.usersJoin()
	case k < 84:
		return g.attachmentsJoin()
	case k < 88:
		return g.foldersJoin()
	case k < 91:
		return g.sendersJoin()
	case k < 93:
		return g.perUser()
	case k < 96:
		return g.orMailboxes()
	}
	return g.aggregate()
}

// settingsQuery writes one random query on a mailbox-settings table: on
// its own, or joined with users by mailbox.
func (g *diffGen) settingsQuery() *diffQuery {
	g.args, g.preds = nil, nil
	table := pickOne(g, settingsTables)
	if !g.chance(25) {
		return g.single(table)
	}
	u, st := diffTable{"users", "u"}, diffTable{table, "st"}
	from := bothSQL("users AS u JOIN " + table + " AS st ON st.user_id = u." + pickOne(g, []string{"id", "user_principal_name"}))
	refs := []diffTable{u, st}
	return g.assemble(g.selectList(refs), from, g.where(refs), g.orderBy([]diffTable{st, u}), false)
}

// assemble writes SELECT … FROM … WHERE … ORDER BY … LIMIT … from parts.
func (g *diffGen) assemble(sel []string, from sqlPair, where []sqlPair, order []string, distinct bool) *diffQuery {
	q := &diffQuery{limit: -1}
	cols := slices.Clone(sel)
	for _, o := range order {
		e := orderKeyExpr(o)
		i := slices.Index(cols, e)
		if i < 0 {
			cols = append(cols, e)
			i = len(cols) - 1
		}
		q.keys = append(q.keys, i)
	}
	head := "SELECT "
	if distinct {
		head += "DISTINCT "
	}
	s := catSQL(bothSQL(head+strings.Join(cols, ", ")+" FROM "), from)
	if w := joinSQL(where, " AND "); w.pl != "" {
		s = catSQL(s, sqlPair{prefixIf(" WHERE ", w.vt), prefixIf(" WHERE ", w.pl)})
	}
	if len(order) > 0 {
		s = catSQL(s, bothSQL(" ORDER BY "+strings.Join(order, ", ")))
	}
	q.argsAll = slices.Clone(g.args)
	q.plainAll = s.pl
	lim, largs, l, o := g.limit()
	q.limit, q.offset = l, o
	q.vt, q.plain = s.vt+lim, s.pl+lim
	q.args = append(slices.Clone(g.args), largs...)
	q.preds = g.preds
	return q
}

func (g *diffGen) where(refs []diffTable, scopes ...diffScope) []sqlPair {
	var w []sqlPair
	for _, s := range scopes {
		w = append(w, s.where...)
	}
	n := 1 + g.n(2)
	if g.chance(15) {
		n = 0
	}
	for range n {
		w = append(w, g.pred(refs))
	}
	return w
}

// single is a query on one table.
func (g *diffGen) single(table string) *diffQuery {
	ref := diffTable{table, pickOne(g, []string{"t", "x", table})}
	s := g.scope(ref)
	refs := []diffTable{ref}
	where := g.where(refs, s)
	return g.assemble(g.selectList(refs), s.from, where, g.orderBy(refs), g.chance(5))
}

// search is a messages query with $search and local predicates; the copy
// names the ids the fake's search finds.
func (g *diffGen) search() *diffQuery {
	ref := diffTable{"messages", "m"}
	user := "me"
	upn := g.p.me
	if g.chance(25) {
		i := g.n(len(g.p.upns))
		user, upn = g.p.upns[i], g.p.upns[i]
	}
	kql := pickOne(g, g.p.kql)
	idsOf := func(upn string) string {
		found, err := g.p.tenant.Search(upn, kql)
		if err != nil {
			panic(err)
		}
		var ids []string
		for _, m := range found {
			ids = append(ids, sqlLiteral(m.ID))
		}
		return strings.Join(ids, ", ")
	}
	ids := []string{idsOf(upn)}
	from := bothSQL("messages AS m")
	where := []sqlPair{}
	switch g.n(4) {
	case 3: // several mailboxes: one $search each
		other := pickOne(g, g.p.upns[1:])
		where = append(where, sqlPair{"m.search = " + sqlLiteral(kql), ""},
			bothSQL("m.user_id IN ('me', "+sqlLiteral(other)+")"),
			sqlPair{"", "m.folder_id IS NULL AND (m.user_id = 'me' AND m.id IN (" + idsOf(g.p.me) + ") OR m.user_id = " +
				sqlLiteral(other) + " AND m.id IN (" + idsOf(other) + "))"})
	case 0:
		from.vt = "messages(" + sqlLiteral(user) + ", 'inbox', " + sqlLiteral(kql) + ") AS m"
		// a folder scope: keep only the inbox's messages
		where = append(where, sqlPair{"", "m.user_id = " + sqlLiteral(user) + " AND m.folder_id = 'inbox' AND m.id IN (" + ids[0] + ")"})
	case 1:
		where = append(where, sqlPair{"m.search MATCH " + sqlLiteral(kql), "m.id IN (" + ids[0] + ")"})
		where = append(where, bothSQL("m.user_id = "+sqlLiteral(user)), sqlPair{"", "m.folder_id IS NULL"})
	default:
		where = append(where, sqlPair{"m.search = " + sqlLiteral(kql), "m.id IN (" + ids[0] + ")"})
		if user != "me" || g.chance(30) {
			where = append(where, bothSQL("m.user_id = "+sqlLiteral(user)))
		} else {
			where = append(where, sqlPair{"", "m.user_id = 'me'"})
		}
		where = append(where, sqlPair{"", "m.folder_id IS NULL"})
	}
	refs := []diffTable{ref}
	for range g.n(3) {
		where = append(where, g.pred(refs))
	}
	return g.assemble(g.selectList(refs), from, where, g.orderBy(refs), false)
}

// usersJoin joins users and their messages by mailbox.
func (g *diffGen) usersJoin() *diffQuery {
	u, m := diffTable{"users", "u"}, diffTable{"messages", "m"}
	join := " JOIN "
	if g.chance(25) {
		join = " LEFT JOIN "
	}
	on := bothSQL("m.user_id = u." + pickOne(g, []string{"id", "user_principal_name"}))
	if g.chance(25) { // the key from a correlated scalar subquery
		on = bothSQL("m.user_id = (SELECT u2." + pickOne(g, []string{"id", "user_principal_name"}) + " FROM users AS u2 WHERE u2.id = u.id)")
	}
	if g.chance(30) {
		on = catSQL(on, bothSQL(" AND "), g.pred([]diffTable{m}))
	}
	folder := sqlPair{"", " AND m.folder_id IS NULL"}
	if g.chance(15) {
		folder = bothSQL(" AND m.folder_id = " + sqlLiteral(pickOne(g, g.p.folders)))
	}
	from := catSQL(bothSQL("users AS u"+join+"messages AS m ON "), on, folder)
	refs := []diffTable{u, m}
	return g.assemble(g.selectList(refs), from, g.where(refs), g.orderBy([]diffTable{m, u}), false)
}

// perUser runs a correlated subquery over each user's mailbox: a count in
// the select list, or an EXISTS in WHERE, the mailbox given by the outer
// user (directly or through a scalar subquery), next to random predicates.
func (g *diffGen) perUser() *diffQuery {
	u, m := diffTable{"users", "u"}, diffTable{"messages", "cm"}
	count := g.chance(50)
	// Parameters are numbered in text order: the select list, then WHERE.
	var where []sqlPair
	if !count {
		where = g.where([]diffTable{u})
	}
	key := "u." + pickOne(g, []string{"id", "user_principal_name"})
	if g.chance(40) {
		key = "(SELECT u2." + pickOne(g, []string{"id", "user_principal_name"}) + " FROM users AS u2 WHERE u2.id = u.id)"
	}
	inner := []sqlPair{bothSQL("cm.user_id = " + key), {"", "cm.folder_id IS NULL"}}
	if g.chance(25) {
		inner[1] = bothSQL("cm.folder_id = " + g.lit(pickOne(g, g.p.folders)))
	}
	for range 1 + g.n(2) {
		inner = append(inner, g.pred([]diffTable{m}))
	}
	w := joinSQL(inner, " AND ")
	sel := g.selectList([]diffTable{u})
	if count {
		sub := catSQL(bothSQL("(SELECT count(*) FROM messages AS cm WHERE "), w, bothSQL(")"))
		where = g.where([]diffTable{u})
		return g.assemble(append(sel, sub.vt), bothSQL("users AS u"), where, g.orderBy([]diffTable{u}), false).withPlainSelect(sub)
	}
	not := ""
	if g.chance(30) {
		not = "NOT "
	}
	where = append(where, catSQL(bothSQL(not+"EXISTS (SELECT 1 FROM messages AS cm WHERE "), w, bothSQL(")")))
	return g.assemble(sel, bothSQL("users AS u"), where, g.orderBy([]diffTable{u}), false)
}

// withPlainSelect replaces, in the plain queries, the virtual side of a
// select-list expression by its plain side.
func (q *diffQuery) withPlainSelect(e sqlPair) *diffQuery {
	q.plain = strings.Replace(q.plain, e.vt, e.pl, 1)
	q.plainAll = strings.Replace(q.plainAll, e.vt, e.pl, 1)
	return q
}

// orMailboxes reads several mailboxes in one OR, each branch naming its
// mailbox (and, now and then, every branch its folder) next to its own
// predicates: SQLite must run one scan per branch. Branches compare
// without COLLATE, and name a folder all or none: otherwise SQLite may run
// one scan of the default scope (README, Known limits).
func (g *diffGen) orMailboxes() *diffQuery {
	table := pickOne(g, []string{"messages", "messages", "messages", "attachments", "mail_folders"})
	ref := diffTable{table, "o"}
	msgs := table == "messages"
	refs := []diffTable{ref}
	var branches []sqlPair
	g.noCollate = true
	defer func() { g.noCollate = false }()
	withFolder := msgs && g.chance(20)
	for range 2 + g.n(3) {
		var parts []sqlPair
		if g.chance(15) {
			parts = append(parts, bothSQL(ref.col("user_id")+" = "+g.userSubquery("ou"+strconv.Itoa(len(branches)))))
		} else {
			mb := pickOne(g, append([]string{"me"}, append(g.p.upns, g.p.ids...)...))
			parts = append(parts, bothSQL(ref.col("user_id")+" = "+g.lit(mb)))
		}
		if msgs {
			if withFolder {
				parts = append(parts, bothSQL(ref.col("folder_id")+" = "+g.lit(pickOne(g, g.p.folders))))
			} else {
				parts = append(parts, sqlPair{"", ref.col("folder_id") + " IS NULL"})
			}
		}
		for range g.n(3) {
			parts = append(parts, g.pred(refs))
		}
		branches = append(branches, catSQL(bothSQL("("), joinSQL(parts, " AND "), bothSQL(")")))
	}
	or := catSQL(bothSQL("("), joinSQL(branches, " OR "), bothSQL(")"))
	where := []sqlPair{or}
	if g.chance(40) {
		where = append(where, g.pred(refs))
	}
	return g.assemble(g.selectList(refs), bothSQL(table+" AS o"), where, g.orderBy(refs), g.chance(5))
}

// attachmentsJoin joins messages and their attachments, in the messages'
// mailbox.
func (g *diffGen) attachmentsJoin() *diffQuery {
	m, a := diffTable{"messages", "m"}, diffTable{"attachments", "a"}
	s := g.scope(m)
	on := bothSQL("a.message_id = m.id AND a.user_id = m.user_id")
	if s.defaultUser && g.chance(50) {
		on = sqlPair{"a.message_id = m.id", "a.message_id = m.id AND a.user_id = 'me'"} // both default to me
	}
	join := " JOIN "
	if g.chance(20) {
		join = " LEFT JOIN "
	}
	refs := []diffTable{m, a}
	where := g.where(refs, s)
	if g.chance(40) {
		where = append(where, bothSQL("m.has_attachments = 1"))
	}
	from := catSQL(s.from, bothSQL(join+"attachments AS a ON "), on)
	return g.assemble(g.selectList(refs), from, where, g.orderBy(refs), false)
}

// foldersJoin joins messages with their folder.
func (g *diffGen) foldersJoin() *diffQuery {
	m, f := diffTable{"messages", "m"}, diffTable{"mail_folders", "f"}
	s := g.scope(m)
	from := catSQL(s.from, sqlPair{" JOIN mail_folders AS f ON f.id = m.parent_folder_id AND f.user_id = m.user_id",
		" JOIN mail_folders AS f ON f.id = m.parent_folder_id AND f.user_id = m.user_id"})
	refs := []diffTable{m, f}
	return g.assemble(g.selectList(refs), from, g.where(refs, s), g.orderBy(refs), false)
}

// sendersJoin joins messages with the users who sent them: no key, so
// SQLite picks the order from the costs alone.
func (g *diffGen) sendersJoin() *diffQuery {
	m, u := diffTable{"messages", "m"}, diffTable{"users", "u"}
	s := g.scope(m)
	join := pickOne(g, []string{" JOIN ", " LEFT JOIN "})
	on := pickOne(g, []string{"u.mail = m.from_address", "u.user_principal_name = m.sender_address", "u.display_name = m.from_name"})
	from := catSQL(s.from, bothSQL(join+"users AS u ON "+on))
	refs := []diffTable{m, u}
	return g.assemble(g.selectList(refs), from, g.where(refs, s), g.orderBy(refs), false)
}

// aggregate is a count or a GROUP BY over messages, users or attachments.
func (g *diffGen) aggregate() *diffQuery {
	table := pickOne(g, []string{"messages", "messages", "attachments", "users"})
	ref := diffTable{table, "g"}
	s := g.scope(ref)
	refs := []diffTable{ref}
	where := g.where(refs, s)
	var sel []string
	var group string
	if g.chance(70) {
		c := g.column(table, "xj")
		group = ref.col(c.name)
		sel = append(sel, group)
	}
	d := g.column(table, "x").name
	sel = append(sel, "count(*)", "count(DISTINCT "+ref.col(d)+")", "min("+ref.col(d)+")", "max("+ref.col(d)+")")
	q := catSQL(bothSQL("SELECT "+strings.Join(sel, ", ")+" FROM "), s.from)
	if w := joinSQL(where, " AND "); w.pl != "" {
		q = catSQL(q, sqlPair{prefixIf(" WHERE ", w.vt), prefixIf(" WHERE ", w.pl)})
	}
	if group != "" {
		q = catSQL(q, bothSQL(" GROUP BY "+group))
		if g.chance(30) {
			q = catSQL(q, bothSQL(" HAVING count(*) > 1"))
		}
	}
	return &diffQuery{vt: q.vt, plain: q.pl, plainAll: q.pl, args: g.args, argsAll: g.args, limit: -1, preds: g.preds}
}

// --- running and comparing ---

// diffResult is what one query did.
type diffResult struct {
	failure  string // empty when the answers agree
	requests int
	rows     int      // rows of the answer
	features []string // query options the requests used ($filter, $orderby, …)
	ahead    int      // inner scans served by a batched lookup
}

// runDiff runs q through the virtual tables of e and over the copy.
func (f *diffFixture) runDiff(e *env, q *diffQuery) diffResult {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want, err := plainRows(ctx, f.plain, q.plain, q.args)
	if err != nil {
		return diffResult{failure: fmt.Sprintf("the plain query failed (a generator bug): %v\n%s", err, q)}
	}
	all := want
	if q.plainAll != q.plain {
		if all, err = plainRows(ctx, f.plain, q.plainAll, q.argsAll); err != nil {
			return diffResult{failure: fmt.Sprintf("the plain query without LIMIT failed (a generator bug): %v\n%s", err, q)}
		}
	}
	e.Server.ResetRequests()
	rows, err := e.conn.QueryContext(ctx, q.vt, q.args...)
	var got [][]string
	if err == nil {
		got, err = readRows(rows)
	}
	reqs := e.Server.Requests()
	report := func(what string) diffResult {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n%s\ngraph requests (%d):", what, q, len(reqs))
		for i, r := range reqs {
			if i == 12 {
				fmt.Fprintf(&b, "\n  … %d more", len(reqs)-i)
				break
			}
			fmt.Fprintf(&b, "\n  %d %s", r.Status, clipText(describe(r.Method, r.Path, r.Query), 400))
		}
		return diffResult{failure: b.String(), requests: len(reqs)}
	}
	if err != nil {
		return report(fmt.Sprintf("the virtual tables failed: %v", err))
	}
	log, err := driver.Requests(e.conn)
	if err != nil {
		return report(err.Error())
	}
	for _, r := range log {
		// 429: throttled and retried; 0: no answer, as when the scan
		// stopped and cancelled requests started ahead of it (a failed
		// request fails the query, which is checked above).
		if r.Status != 200 && r.Status != 429 && r.Status != 0 && !graphIDMiss(r) && !noMailbox(r) {
			return report(fmt.Sprintf("Graph rejected a request with %d %s (a planner bug): %s", r.Status, r.Err, r.URL))
		}
	}
	if msg := compareRows(got, want, all, q); msg != "" {
		return report(msg)
	}
	res := diffResult{requests: len(reqs), rows: len(got)}
	las, _ := driver.Lookaheads(e.conn)
	for _, l := range las {
		res.ahead += l.Served
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		for k := range r.Query {
			seen[k] = true
		}
		if r.Header.Get("ConsistencyLevel") != "" {
			seen["ConsistencyLevel"] = true
		}
		if f := r.Query.Get("$filter"); strings.Contains(f, "contains(") || strings.Contains(f, "startswith(") {
			seen["contains/startswith"] = true
		}
	}
	if len(reqs) > 1 {
		seen["several requests"] = true
	}
	if partitioned(e) {
		seen["partitioned scan"] = true
	}
	if strings.HasPrefix(bounds(e), "a previous scan's") {
		seen["remembered partition bounds"] = true
	}
	for k := range seen {
		res.features = append(res.features, k)
	}
	return res
}

// graphIDMiss reports whether a Graph error is Graph's answer to an id that
// names nothing (no such message, folder or user, or a malformed id): the
// cursor reads it as no rows, and Graph's ids are opaque, so the planner
// cannot tell a malformed one before Graph does. Any other non-2xx answer
// is a request Graph rejects.
func graphIDMiss(r driver.Request) bool {
	switch r.Err {
	case "ErrorItemNotFound", "ErrorInvalidIdMalformed", "Request_ResourceNotFound":
		return r.Status == 400 || r.Status == 404
	}
	return false
}

// noMailbox reports whether Graph said a user has no mailbox: the driver
// reads it as an empty mailbox, as the copy holds it.
func noMailbox(r driver.Request) bool {
	return r.Status == 404 && r.Err == "MailboxNotEnabledForRESTAPI"
}

func plainRows(ctx context.Context, db *sql.DB, q string, args []any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return readRows(rows)
}

// compareRows compares the virtual tables' rows got with the copy's: want
// (the same query) and all (without LIMIT/OFFSET). Unordered results are
// compared as multisets. Ordered ones must list the same ORDER BY keys in
// the same order, and the same rows for each run of equal keys; at the
// edges of a LIMIT/OFFSET window, a run cut by the window may hold any of
// the tied rows.
func compareRows(got, want, all [][]string, q *diffQuery) string {
	if q.keys == nil {
		if q.limit < 0 && q.offset == 0 {
			return diffMultisets(got, want)
		}
		if len(got) != len(want) {
			return fmt.Sprintf("%d rows, want %d (LIMIT %d OFFSET %d without ORDER BY)", len(got), len(want), q.limit, q.offset)
		}
		if extra := extraRow(got, all); extra != nil {
			return fmt.Sprintf("row %v is not in the whole answer (%d rows)", extra, len(all))
		}
		return ""
	}
	lo := min(int(q.offset), len(all))
	hi := len(all)
	if q.limit >= 0 {
		hi = min(lo+int(q.limit), len(all))
	}
	win := all[lo:hi]
	if len(got) != len(win) {
		return fmt.Sprintf("%d rows, want %d\n%s", len(got), len(win), firstDiffRow(got, win))
	}
	key := func(r []string) string {
		var parts []string
		for _, k := range q.keys {
			parts = append(parts, r[k])
		}
		return strings.Join(parts, "\x00")
	}
	for i := range got {
		if key(got[i]) != key(win[i]) {
			return fmt.Sprintf("row %d: ORDER BY keys differ\n got %v\nwant %v", i, got[i], win[i])
		}
	}
	for s := 0; s < len(win); {
		e := s
		for e < len(win) && key(win[e]) == key(win[s]) {
			e++
		}
		gs, ge := lo+s, lo+e // the run in all
		for gs > 0 && key(all[gs-1]) == key(win[s]) {
			gs--
		}
		for ge < len(all) && key(all[ge]) == key(win[s]) {
			ge++
		}
		if gs >= lo && ge <= hi {
			if msg := diffMultisets(got[s:e], win[s:e]); msg != "" {
				return fmt.Sprintf("rows %d…%d (equal ORDER BY keys): %s", s, e-1, msg)
			}
		} else if extra := extraRow(got[s:e], all[gs:ge]); extra != nil {
			return fmt.Sprintf("row %v is not one of the rows tied at the edge of LIMIT/OFFSET", extra)
		}
		s = e
	}
	return ""
}

func rowText(r []string) string { return strings.Join(r, "\x1f") }

// diffMultisets compares two lists of rows as multisets.
func diffMultisets(got, want [][]string) string {
	g, w := sorted(got), sorted(want)
	if len(g) != len(w) {
		return fmt.Sprintf("%d rows, want %d\n%s", len(g), len(w), firstDiffRow(g, w))
	}
	for i := range g {
		if !slices.Equal(g[i], w[i]) {
			return firstDiffRow(g, w)
		}
	}
	return ""
}

// extraRow returns a row of rows that sub holds more often than rows, or nil.
func extraRow(sub, rows [][]string) []string {
	n := map[string]int{}
	for _, r := range rows {
		n[rowText(r)]++
	}
	for _, r := range sub {
		k := rowText(r)
		if n[k] == 0 {
			return r
		}
		n[k]--
	}
	return nil
}

// firstDiffRow describes the first row where two sorted lists differ.
func firstDiffRow(got, want [][]string) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w []string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !slices.Equal(g, w) {
			return fmt.Sprintf("first difference at row %d:\n got %s\nwant %s", i, shortRow(g), shortRow(w))
		}
	}
	return ""
}

func shortRow(r []string) string {
	if r == nil {
		return "(none)"
	}
	return clipText(fmt.Sprint(r), 600)
}

// clipText shortens s to n runes.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// --- the tests ---

// TestDifferential runs diffQueries random queries (seeded, so a failure
// reproduces) through the virtual tables and over the plain copy; every
// fifth also runs with Pushdown=False. It also checks that the generator
// reaches every column of every table.
func TestDifferential(t *testing.T) {
	f := newDiffFixture(t)
	start := time.Now()
	coverage := map[string]int{}
	features := map[string]int{}
	failures, requests, rows, empty, ahead := 0, 0, 0, 0, 0
	for i := range diffQueries + diffSettingsQueries {
		seed := uint64(i) + 1
		g := newDiffGen(f.pools, seed)
		next := g.query
		if i >= diffQueries { // after the mail queries, which stay as they were
			next = g.settingsQuery
		}
		q := next()
		for _, p := range q.preds {
			coverage[p]++
		}
		res := f.runDiff(f.e, q)
		requests += res.requests
		ahead += res.ahead
		for _, k := range res.features {
			features[k]++
		}
		if res.failure == "" && res.rows == 0 {
			empty++
		}
		if res.failure == "" && slices.Contains(res.features, "partitioned scan") {
			// again: a repeat of a split listing splits by the bounds
			// the first run probed (partmemo_test.go), with no probes
			res = f.runDiff(f.e, q)
			for _, k := range res.features {
				features["repeat: "+k]++
			}
		}
		if res.failure == "" && i%5 == 0 {
			res = f.runDiff(f.base, q)
			if res.failure != "" {
				res.failure = "with Pushdown=False: " + res.failure
			}
		}
		if res.failure != "" {
			failures++
			t.Errorf("query %d (seed %d):\n%s", i, seed, res.failure)
			if failures >= 10 {
				t.Fatalf("stopping after %d failures", failures)
			}
		}
		rows++
	}
	t.Logf("%d queries (%d with no rows), %d Graph requests, %v; queries whose requests used: %v; inner scans served by a lookahead: %d",
		rows, empty, requests, time.Since(start).Round(time.Millisecond), features, ahead)
	if ahead == 0 {
		t.Errorf("no inner scan was served by a lookahead (%s): the joins did not exercise it", diffLookahead)
	}
	if features["repeat: remembered partition bounds"] == 0 {
		t.Errorf("no repeated query split by remembered bounds")
	}
	if features["partitioned scan"] == 0 {
		t.Errorf("no query ran a partitioned scan: the fixture no longer forces them (ParallelScanMinPages)")
	}
	for table, cols := range diffColumns {
		for _, c := range cols {
			if c.kind == 'x' {
				continue
			}
			n := 0
			for k, v := range coverage {
				if strings.HasPrefix(k, table+"."+c.name+" ") {
					n += v
				}
			}
			if n == 0 {
				t.Errorf("no generated predicate used %s.%s: the generator lost coverage", table, c.name)
			}
		}
	}
}

// TestDifferentialRegressions runs, through the same comparison, the
// queries on which the differential test found bugs, so that they stay
// fixed whatever the generator draws.
func TestDifferentialRegressions(t *testing.T) {
	f := newDiffFixture(t)
	other := f.tenant.Users[2].UserPrincipalName
	withAtt := ""
	for _, m := range f.tenant.Users[0].Messages {
		if len(m.Attachments) > 0 {
			withAtt = m.ID
		}
	}
	var addrs []string // many addresses, each also in upper case
	for _, v := range f.pools.vals["messages.from_address"] {
		s := v.(string)
		addrs = append(addrs, sqlLiteral(s), sqlLiteral(strings.ToUpper(s)), sqlLiteral(s+" "))
	}
	for _, tc := range []struct {
		name, vt, plain string
		limit, offset   int64
		keys            []int
		gap             string // a known gap: why the case is skipped
	}{
		{name: "OR runs one scan per branch, which must agree on rowids",
			vt:    "SELECT count(*) FROM messages WHERE importance = 'high' OR is_read = 0",
			plain: "SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND (importance = 'high' OR is_read = 0)"},
		{name: "OR over a join key",
			vt:    "SELECT m.id FROM users u JOIN messages m ON m.user_id = u.id WHERE m.flag_status = 'flagged' OR m.importance = 'low'",
			plain: "SELECT m.id FROM users u JOIN messages m ON m.user_id = u.id AND m.folder_id IS NULL WHERE m.flag_status = 'flagged' OR m.importance = 'low'"},
		{name: "LIMIT and OFFSET on attachments count attachments, not messages",
			vt:    "SELECT id FROM attachments LIMIT 3 OFFSET 5",
			plain: "SELECT id FROM attachments WHERE user_id = 'me' LIMIT 3 OFFSET 5", limit: 3, offset: 5},
		{name: "user_id IN (SELECT …) with an OR: SQLite must not split the scan",
			vt: "SELECT g.parent_folder_id, count(*) FROM messages AS g WHERE g.user_id IN (SELECT id FROM users) " +
				"AND (g.received_date_time IS NULL OR g.sent_date_time < '2023-12-14T12') GROUP BY g.parent_folder_id",
			plain: "SELECT g.parent_folder_id, count(*) FROM messages AS g WHERE g.user_id IN (SELECT id FROM users) AND g.folder_id IS NULL " +
				"AND (g.received_date_time IS NULL OR g.sent_date_time < '2023-12-14T12') GROUP BY g.parent_folder_id"},
		{name: "folder_id IN (SELECT …) with an OR and ORDER BY",
			vt: "SELECT id, received_date_time FROM messages WHERE folder_id IN (SELECT 'inbox' UNION SELECT 'sentitems') " +
				"AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IN ('inbox', 'sentitems') " +
				"AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC", keys: []int{1}},
		{name: "a long IN list split over requests: a message matching two requests (Graph ignores case) is one row",
			vt:    "SELECT id, from_address FROM messages WHERE from_address IN (" + strings.Join(addrs, ", ") + ")",
			plain: "SELECT id, from_address FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND from_address IN (" + strings.Join(addrs, ", ") + ")"},
		{name: "attachments of ids that name no message are no rows",
			vt:    "SELECT name FROM attachments WHERE message_id IN (SELECT from_address FROM messages UNION SELECT '$value' UNION SELECT '" + withAtt + "')",
			plain: "SELECT name FROM attachments WHERE user_id = 'me' AND message_id IN (SELECT from_address FROM messages WHERE user_id = 'me' AND folder_id IS NULL UNION SELECT '$value' UNION SELECT '" + withAtt + "')"},
		{name: "ids that name one user (GUID in two cases, and the UPN) give one row",
			vt: "SELECT display_name FROM users WHERE id IN ('" + f.tenant.Users[1].ID + "', '" + strings.ToUpper(f.tenant.Users[1].ID) +
				"', '" + f.tenant.Users[1].UserPrincipalName + "', 'x')",
			plain: "SELECT display_name FROM users WHERE id IN ('" + f.tenant.Users[1].ID + "', '" + strings.ToUpper(f.tenant.Users[1].ID) +
				"', '" + f.tenant.Users[1].UserPrincipalName + "', 'x')"},
		{name: "user_id = (SELECT …) with an OR and ORDER BY",
			vt: "SELECT id, received_date_time FROM messages WHERE user_id = (SELECT id FROM users WHERE user_principal_name = '" + other + "') " +
				"AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC",
			plain: "SELECT id, received_date_time FROM messages WHERE user_id = (SELECT id FROM users WHERE user_principal_name = '" + other + "') " +
				"AND folder_id IS NULL AND (is_read = 0 OR importance = 'high') ORDER BY received_date_time DESC", keys: []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &diffQuery{vt: tc.vt, plain: tc.plain, plainAll: tc.plain, limit: -1, keys: tc.keys}
			if tc.limit > 0 {
				q.limit, q.offset = tc.limit, tc.offset
				q.plainAll, _, _ = strings.Cut(tc.plain, " LIMIT ")
			}
			res := f.runDiff(f.e, q)
			if tc.gap != "" {
				if res.failure == "" {
					t.Fatalf("the known gap is gone: remove its note\n%s", q)
				}
				t.Skipf("known gap: %s", tc.gap)
			}
			if res.failure != "" {
				t.Fatal(res.failure)
			}
			if res.rows == 0 {
				t.Error("no rows: the case proves little")
			}
		})
	}
}

// FuzzDifferential runs the same comparison on queries made from fuzzed
// seeds: go test -fuzz=FuzzDifferential ./driver/
func FuzzDifferential(f *testing.F) {
	for _, s := range []uint64{1, 2, 3, 42, 1000, 1 << 40} {
		f.Add(s)
	}
	fx := newDiffFixture(f)
	f.Fuzz(func(t *testing.T, seed uint64) {
		q := newDiffGen(fx.pools, seed).query()
		if res := fx.runDiff(fx.e, q); res.failure != "" {
			t.Fatalf("seed %d:\n%s", seed, res.failure)
		}
	})
}
