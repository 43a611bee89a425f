package plan

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Filter turns the plan chosen by BestIndex (idxNum/idxStr) and the argument
// values SQLite passes to xFilter into the Graph requests of one scan.
func Filter(t *tables.Table, idxNum int, idxStr string, args []any, d Defaults) (*Scan, error) {
	var p index
	if err := json.Unmarshal([]byte(idxStr), &p); err != nil {
		return nil, fmt.Errorf("plan: %s: index string %q is not a plan made by BestIndex: %w", t.Name, idxStr, err)
	}
	if len(args) != len(p.Args) {
		return nil, fmt.Errorf("plan: %s: the plan takes %d arguments but xFilter passed %d", t.Name, len(p.Args), len(args))
	}
	for _, a := range p.Args {
		if column(t, a.Col) == nil && a.Role != roleLocal && a.Role != roleLimit && a.Role != roleOffset {
			return nil, fmt.Errorf("plan: %s: the plan names column %d, which the table does not have", t.Name, a.Col)
		}
	}
	f := &filterRun{t: t, p: &p, args: args}
	return f.run(d)
}

// filterRun is one Filter call: the plan, its arguments and what is
// learned from them on the way to the requests.
type filterRun struct {
	t    *tables.Table
	p    *index
	args []any

	keys    map[string][]keyVal // path key → its values
	idArg   int                 // the argument of the id key, or -1
	terms   []term              // $filter terms, in argument order
	batched bool                // directory ids sent as one id in (…) filter
	single  bool                // GETs by id
	search  bool                // $search
	expand  bool                // attachments through messages?$expand
}

// keyVal is one value of a path key.
type keyVal struct {
	v    any
	text string
	seg  string // path text: "/x" or "('$x')"
}

// term is one constraint's contribution to $filter.
type term struct {
	arg     int
	x       xlat
	dropped bool // left to SQLite to keep the URL short
}

// base is one request before its query: a path and the keys it echoes.
type base struct {
	mailbox, mailboxPath, path string
	search                     string
	params                     []string // key=value of the keys that are query parameters
	echo                       map[int]any
	single                     bool
}

// noRows is the scan of a query that no row can satisfy.
func noRows(why string) *Scan {
	return &Scan{Pushed: []Term{{SQL: why, How: NoRows}}}
}

func (f *filterRun) run(d Defaults) (*Scan, error) {
	t, p := f.t, f.p
	if s := f.nullScan(); s != nil {
		return s, nil
	}
	if s, err := f.keyValues(); s != nil || err != nil {
		return s, err
	}
	f.search = f.keys[keySearch] != nil
	f.expand = t.Fetch.Expand != nil && f.keys[t.Fetch.Expand.Key] == nil
	f.batchIDs()
	f.single = f.keys[keyID] != nil || t.Fetch.Entity
	if s, err := f.filterTerms(); s != nil || err != nil {
		return s, err
	}

	// ORDER BY: $orderby, and a $filter that starts with the sort key.
	var orderby, sortProp string
	if len(p.Order) == 1 && !f.single {
		col := &t.Columns[p.Order[0].Col]
		sortProp = col.Property
		orderby = sortProp + " asc"
		if p.Order[0].Desc {
			orderby = sortProp + " desc"
		}
	}

	// LIMIT and OFFSET: need is how many rows SQLite may read.
	lim, off := int64(-1), int64(0)
	for i, a := range p.Args {
		v, ok := f.args[i].(int64)
		switch {
		case a.Role == roleLimit && ok:
			lim = v
		case a.Role == roleOffset && ok:
			off = max(v, 0)
		}
	}
	if lim == 0 {
		return noRows("LIMIT 0"), nil
	}
	var need int64
	if lim > 0 {
		need = lim
		if !p.Skip {
			need = addCap(lim, off)
		}
	}

	bases, err := f.bases(d)
	if err != nil {
		return nil, err
	}

	light := d.Writing && t.Writes != nil && allUsed(t, p.Used)
	if light {
		p.Used = lightUsed(t, p)
	}
	// The query, the same for every base but for $search and split lists.
	sel, full := selectList(t, p.Used)
	page, heavy := pageSize(t, p.Used, f.expand)
	covered, exactAll := f.coverage()
	var q query
	switch {
	case f.single:
		if !full {
			q.sel = sel
		}
	case f.expand:
		q.sel = tables.ID
		q.expand = t.Fetch.Expand.Property
		if !full {
			q.expand += "($select=" + sel + ")"
		}
		q.top = f.expandTop(page, need)
	default:
		q.custom = t.Query
		if !full {
			q.sel = sel
		}
		q.orderby = orderby
		if p.Skip && off > 0 {
			q.skip = off
		}
		q.top = page
		switch {
		case need > 0 && exactAll:
			// Rows arrive in SQLite's order and all pass its checks: a
			// page of the rows it needs is enough.
			q.top = min(page, need)
		case need > 0 && covered:
			// A pre-filter (Graph's eq ignores case): most rows pass, but
			// a nextLink repeats $top, so a page as small as LIMIT would
			// cost a request per LIMIT rows that SQLite rejects.
			q.top = min(page, max(need, preFilterPage))
		}
	}
	q.count = f.advanced()
	split, chunks := f.fit(q, bases, sortProp, len(p.Order) == 0 && !p.Skip && !f.single)
	covered, exact := f.coverage()
	if !covered && q.top > 0 && q.top < page && !f.expand {
		q.top = page // a pre-filter was dropped: no page-size hint
	}
	q.count = f.advanced()

	// The requests.
	// Requests may return the same item when a split list is a pre-filter
	// (Graph's eq ignores case) or two ids name one entity (a user's GUID
	// in two cases, or its GUID and its userPrincipalName).
	s := &Scan{Distinct: split >= 0 && len(chunks) > 1 && !f.terms[split].x.exact ||
		f.single && len(f.keys[keyID]) > 1}
	if exact && need > 0 {
		s.Limit = need
	}
	if !p.Unsorted {
		s.Want = need // else SQLite reads every row before its sort and LIMIT
	}
	s.Light, s.Selected = light, p.Used
	for _, b := range bases {
		for _, chunk := range chunks {
			part := f.partition(q, b, sortProp, need, d, len(bases)*len(chunks))
			fq := q
			if part != nil {
				// the first page brings the listing's @odata.count, by
				// which the runner decides to split it
				fq.count = true
			}
			r := f.render(fq, b, sortProp, split, chunk)
			req := Request{Mailbox: b.mailbox, MailboxPath: b.mailboxPath, Echo: maps.Clone(b.echo),
				Single: b.single, Search: f.search, Expand: f.expand, URL: b.path + r, Adapt: heavy && !b.single}
			if t.Fetch.Tree != nil {
				req.Children = b.path + t.Fetch.Tree.Children + r
			}
			if q.count {
				req.Header = map[string]string{"ConsistencyLevel": "eventual"}
			}
			if s.Limit > 0 && !b.single {
				req.Limit = s.Limit
			}
			req.Part = part
			s.Requests = append(s.Requests, req)
			s.sorts = append(s.sorts, f.localSort(q, b, req, sortProp, split, chunk))
		}
	}
	f.explain(s, split, len(chunks), orderby)
	if lim > 0 {
		switch {
		case s.Limit > 0:
			s.Pushed = append(s.Pushed, Term{SQL: fmt.Sprintf("LIMIT %d", lim), How: Stop, N: s.Limit})
		case q.top > 0 && q.top < page:
			s.Pushed = append(s.Pushed, Term{SQL: fmt.Sprintf("LIMIT %d", lim), How: Pages, N: q.top})
		}
	}
	if q.skip > 0 {
		s.Pushed = append(s.Pushed, Term{SQL: fmt.Sprintf("OFFSET %d", off), How: Skip, N: off})
	}
	return s, nil
}

// localSort is request req without $orderby and $skip, for a runner that
// sorts its rows itself; nil when req has no $orderby.
func (f *filterRun) localSort(q query, b base, req Request, sortProp string, split int, chunk []string) *LocalSort {
	if q.orderby == "" {
		return nil
	}
	ls := &LocalSort{Request: req, Property: sortProp, Desc: f.p.Order[0].Desc, Skip: q.skip, Limit: req.Limit}
	q.orderby, q.skip = "", 0
	q.top, _ = pageSize(f.t, f.p.Used, f.expand)
	// The $filter keeps the sort key's comparisons first, as sent.
	ls.Request.URL, ls.Request.Limit, ls.Request.Part = b.path+f.render(q, b, sortProp, split, chunk), 0, nil
	return ls
}

// nullScan returns an empty scan when a comparison with NULL, which is
// never true, is among the constraints.
func (f *filterRun) nullScan() *Scan {
	for i, a := range f.p.Args {
		if a.Role == roleLimit || a.Role == roleOffset || !nullFails(a.Op) {
			continue
		}
		if a.In && len(distinct(f.args[i], true)) == 0 || !a.In && f.args[i] == nil {
			return noRows(f.sql(i))
		}
	}
	return nil
}

// keyValues reads the path keys' values. A mailbox, folder or search that
// cannot be one is an error; an id that cannot be one names no row.
func (f *filterRun) keyValues() (*Scan, error) {
	t := f.t
	f.keys, f.idArg = map[string][]keyVal{}, -1
	for i, a := range f.p.Args {
		if a.Role != roleKey && a.Role != roleID {
			continue
		}
		col := &t.Columns[a.Col]
		var vals []keyVal
		for _, v := range distinct(f.args[i], a.In) {
			s, ok := text(v)
			if !ok {
				return nil, fmt.Errorf("plan: %s: %s must be text, not %T", t.Name, col.Name, v)
			}
			kv := keyVal{v: v, text: s}
			switch col.Key {
			case keySearch:
				if strings.TrimSpace(s) == "" {
					return nil, fmt.Errorf("plan: %s: %s is empty: give KQL such as 'from:alice budget'", t.Name, col.Name)
				}
			case keyMailbox:
				seg, err := mailboxSegment(s)
				if err != nil {
					return nil, fmt.Errorf("plan: %s: %s %q is not a mailbox (%v): give me, a user id or a userPrincipalName", t.Name, col.Name, clip.String(s), err)
				}
				kv.seg = seg
			case keyFolder:
				seg, err := segment(s)
				if err != nil {
					return nil, fmt.Errorf("plan: %s: %s %q is not a folder (%v): give a folder id or a well-known name such as inbox", t.Name, col.Name, clip.String(s), err)
				}
				kv.seg = seg
			default: // message, id, or a query parameter
				if col.Param != "" {
					break
				}
				seg, err := segment(s)
				if err != nil {
					continue
				}
				kv.seg = seg
			}
			vals = append(vals, kv)
		}
		if len(vals) == 0 {
			return noRows(f.sql(i)), nil
		}
		f.keys[col.Key] = vals
		if a.Role == roleID {
			f.idArg = i
		}
	}
	return nil, nil
}

// mailboxSegment is the path of a mailbox: /me, or /users and its key.
func mailboxSegment(s string) (string, error) {
	if strings.EqualFold(s, "me") {
		return "/me", nil
	}
	seg, err := segment(s)
	if err != nil {
		return "", err
	}
	return tables.UsersPath + seg, nil
}

// batchIDs turns several directory ids into one $filter=id in (…) rather
// than a GET each, when all are GUIDs (one malformed id would fail the
// whole filter, where its GET would only find nothing).
func (f *filterRun) batchIDs() {
	ids := f.keys[keyID]
	if len(ids) < 2 || !f.t.Directory || f.p.Base {
		return
	}
	col := &f.t.Columns[f.p.Args[f.idArg].Col]
	list := make(sqlite.InList, 0, len(ids))
	for _, kv := range ids {
		if !isGUID(kv.text) {
			return
		}
		list = append(list, kv.text)
	}
	if x := translateIn(f.t, col, "", list); x.out == pushed && col.Filter.Has(tables.In) {
		f.terms = append(f.terms, term{arg: f.idArg, x: x})
		f.batched = true
		delete(f.keys, keyID)
	}
}

// filterTerms translates the constraints that may go to $filter.
func (f *filterRun) filterTerms() (*Scan, error) {
	t := f.t
	for i, a := range f.p.Args {
		var x xlat
		switch a.Role {
		case roleFilter:
			col := &t.Columns[a.Col]
			if a.In {
				x = translateIn(t, col, a.Coll, distinctList(f.args[i]))
			} else {
				x = translate(t, col, a.Op, a.Coll, f.args[i])
			}
			if a.Omit && !x.exact {
				return nil, fmt.Errorf("plan: %s: internal error: %s was trusted to Graph but cannot be sent exactly; please report this query", t.Name, f.sql(i))
			}
		case roleHas:
			has := t.Fetch.Expand.Has // BestIndex gives the role only then
			if b, isBool, ok := sqlBool(f.args[i]); ok && isBool && b == has.Value && f.expand && !f.p.Base {
				x = xlat{out: pushed, clauses: []clause{simple(has.Property, "eq", "true")}}
			}
		default:
			continue
		}
		switch {
		case x.out == never:
			return noRows(f.sql(i)), nil
		case x.out == always, x.out == pushed && !f.single: // a GET by id takes no $filter
			f.terms = append(f.terms, term{arg: i, x: x})
		}
	}
	return nil, nil
}

// bases lists the requests' paths: every combination of the keys' values.
func (f *filterRun) bases(d Defaults) ([]base, error) {
	t := f.t
	mailboxes := f.keys[keyMailbox]
	hasMailbox := keyColumn(t, keyMailbox) >= 0
	switch {
	case !hasMailbox:
		mailboxes = []keyVal{{}}
	case mailboxes == nil:
		u := d.UserID
		if u == "" {
			u = "me"
		}
		seg, err := mailboxSegment(u)
		if err != nil {
			return nil, fmt.Errorf("plan: %s: the connection's UserId %q is not a mailbox (%v): give me, a user id or a userPrincipalName", t.Name, clip.String(u), err)
		}
		mailboxes = []keyVal{{v: u, text: u, seg: seg}}
	}
	values := func(k string) []keyVal {
		if v := f.keys[k]; v != nil {
			return v
		}
		return []keyVal{{}}
	}
	var bases []base
	for _, mb := range mailboxes {
		for _, fo := range values(keyFolder) {
			for _, se := range values(keySearch) {
				for _, me := range values(keyMessage) {
					for _, id := range values(keyID) {
						b := base{echo: map[int]any{}, search: se.text}
						segs := map[string]string{}
						if hasMailbox {
							b.mailbox, b.mailboxPath = mb.text, mb.seg
							if mb.seg == "/me" {
								b.mailbox = "me"
							}
							segs[keyMailbox] = mb.seg
							b.echo[keyColumn(t, keyMailbox)] = mb.v
						}
						if fo.seg != "" {
							segs[keyFolder] = fo.seg
							b.echo[keyColumn(t, keyFolder)] = fo.v
						}
						if se.text != "" {
							b.echo[keyColumn(t, keySearch)] = se.v
						}
						if me.seg != "" {
							segs[keyMessage] = me.seg
							b.echo[keyColumn(t, keyMessage)] = me.v
						}
						switch {
						case id.seg != "" || t.Fetch.Entity:
							segs[keyID] = id.seg
							b.path, b.single = fill(t.Item, segs), true
						case f.expand:
							b.path = fill(t.Fetch.Expand.Parent, segs)
						case fo.seg != "" && t.InFolder != "":
							b.path = fill(t.InFolder, segs)
						default:
							b.path = fill(t.Collection, segs)
						}
						if len(b.echo) == 0 {
							b.echo = nil
						}
						bases = append(bases, b)
					}
				}
			}
		}
	}
	// Keys that are query parameters: every combination of their values.
	for i, c := range t.Columns {
		vals := f.keys[c.Key]
		if c.Param == "" || c.Key == "" || vals == nil {
			continue
		}
		var out []base
		for _, b := range bases {
			for _, v := range vals {
				nb := b
				nb.echo = maps.Clone(b.echo)
				if nb.echo == nil {
					nb.echo = map[int]any{}
				}
				nb.echo[i] = v.v
				nb.params = append(slices.Clone(b.params), c.Param+"="+escape(v.text, queryKeep))
				out = append(out, nb)
			}
		}
		bases = out
	}
	return bases, nil
}

// render writes the query of one request: base b's $search, and for the
// term at index split only the values in chunk.
func (f *filterRun) render(q query, b base, sortProp string, split int, chunk []string) string {
	q.custom = append(slices.Clone(q.custom), b.params...)
	q.filter = f.clauses(sortProp, split, chunk)
	if b.search != "" {
		q.search = kqlString(b.search)
	}
	return q.encode()
}

// fit keeps every URL within maxURL: it splits the longest IN list into
// several requests when it may (no $orderby or $skip, which need one
// request), else leaves the longest pre-filters to SQLite. It returns the
// split term's index (-1: none) and the chunks of its values ({nil}: one
// request per base).
func (f *filterRun) fit(q query, bases []base, sortProp string, canSplit bool) (int, [][]string) {
	split := -1
	fits := func(chunk []string) bool {
		for _, b := range bases {
			if len(b.path)+len(f.render(q, b, sortProp, split, chunk)) > maxURL {
				return false
			}
		}
		return true
	}
	for !fits(nil) {
		best := -1
		for i, tm := range f.terms {
			if canSplit && split < 0 && !tm.dropped && tm.x.in != nil && len(tm.x.in.items) > 1 &&
				(best < 0 || len(tm.x.in.items) > len(f.terms[best].x.in.items)) {
				best = i
			}
		}
		if best >= 0 {
			split = best
			var chunks [][]string
			var cur []string
			ok := true
			for _, it := range f.terms[best].x.in.items {
				switch {
				case fits(append(cur[:len(cur):len(cur)], it)):
					cur = append(cur, it)
				case len(cur) > 0 && fits([]string{it}):
					chunks, cur = append(chunks, cur), []string{it}
				default:
					ok = false
				}
				if !ok {
					break
				}
			}
			if ok {
				return split, append(chunks, cur)
			}
			split = -1
			f.terms[best].dropped = true
			continue
		}
		// Leave the longest pre-filter to SQLite, which checks it anyway.
		drop := -1
		for i, tm := range f.terms {
			if tm.dropped || f.p.Args[tm.arg].Omit || tm.x.out != pushed {
				continue
			}
			if drop < 0 || len(tm.x.clauses[0].text) > len(f.terms[drop].x.clauses[0].text) {
				drop = i
			}
		}
		if drop < 0 {
			break // only exact terms left: send it and let Graph say
		}
		f.terms[drop].dropped = true
		canSplit = false
	}
	return -1, [][]string{nil}
}

// advanced reports whether a pushed term needs the directory's advanced
// query mode ($count=true and ConsistencyLevel: eventual).
func (f *filterRun) advanced() bool {
	for _, tm := range f.terms {
		if !tm.dropped && tm.x.advanced {
			return true
		}
	}
	return false
}

// explain fills Pushed and Local with the constraints, in argument order.
func (f *filterRun) explain(s *Scan, split, chunks int, orderby string) {
	for i, a := range f.p.Args {
		switch a.Role {
		case roleLimit, roleOffset:
			continue
		case roleKey:
			how := ByPath
			if f.t.Columns[a.Col].Key == keySearch {
				how = BySearch
			}
			s.Pushed = append(s.Pushed, Term{SQL: f.sql(i), How: how})
		case roleID:
			if !f.batched {
				s.Pushed = append(s.Pushed, Term{SQL: f.sql(i), How: ByID})
			}
		}
		for j, tm := range f.terms {
			if tm.arg != i || tm.dropped {
				continue
			}
			pt := Term{SQL: f.sql(i), How: ByFilter}
			for _, c := range tm.x.clauses {
				pt.Filter = append(pt.Filter, c.text)
			}
			if tm.x.out == always {
				pt.How, pt.Filter = Always, nil
			}
			if j == split && chunks > 1 {
				pt.Split = chunks
			}
			s.Pushed = append(s.Pushed, pt)
		}
		if !a.Omit {
			s.Local = append(s.Local, Term{SQL: f.sql(i)})
		}
	}
	if orderby != "" {
		var cols []string
		for _, o := range f.p.Order {
			c := f.t.Columns[o.Col].Name
			if o.Desc {
				c += " DESC"
			}
			cols = append(cols, c)
		}
		s.Pushed = append(s.Pushed, Term{SQL: "ORDER BY " + strings.Join(cols, ", "), How: Sorted, OrderBy: orderby})
	}
}

// coverage reports whether Graph evaluates every constraint but LIMIT and
// OFFSET, at least as a pre-filter (covered), and whether exactly, with the
// query's order (exact): then the first LIMIT rows are the answer.
func (f *filterRun) coverage() (covered, exact bool) {
	covered, exact = !f.p.Unsorted && !f.single, !f.p.Unsorted
	for i, a := range f.p.Args {
		tm := findTerm(f.terms, i)
		pushed := tm != nil && !tm.dropped
		switch a.Role {
		case roleLimit, roleOffset, roleKey:
		case roleFilter:
			covered = covered && (pushed || a.Omit)
			exact = exact && (pushed && tm.x.exact && !f.single || a.Omit)
		case roleID: // GET by id, or a filter on directory ids
			covered = covered && pushed
			exact = false
		default:
			covered, exact = false, false
		}
	}
	return covered, exact
}

// clauses writes the $filter terms, the sort key's comparisons first
// (InefficientFilter), with a tautology when none is pushed; the term at
// index split, if any, holds only the values in chunk.
func (f *filterRun) clauses(sortProp string, split int, chunk []string) []string {
	var lead, rest []string
	for i, tm := range f.terms {
		if tm.dropped || tm.x.out != pushed {
			continue
		}
		if i == split {
			rest = append(rest, tm.x.in.render(chunk))
			continue
		}
		for _, c := range tm.x.clauses {
			if sortProp != "" && c.simple && c.prop == sortProp {
				lead = append(lead, c.text)
			} else {
				rest = append(rest, c.text)
			}
		}
	}
	if sortProp != "" && len(lead) == 0 && len(rest) > 0 {
		lead = []string{sortProp + " ge " + tautologyDate}
	}
	return append(lead, rest...)
}

func findTerm(terms []term, arg int) *term {
	for i := range terms {
		if terms[i].arg == arg {
			return &terms[i]
		}
	}
	return nil
}

// keyColumn is the index of the column that fills key k, or -1.
func keyColumn(t *tables.Table, k string) int { return t.KeyColumn(k) }

// nullFails reports whether op is false for a NULL operand.
func nullFails(op sqlite.Op) bool {
	switch op {
	case sqlite.OpEQ, sqlite.OpNE, sqlite.OpLT, sqlite.OpLE, sqlite.OpGT, sqlite.OpGE,
		sqlite.OpLIKE, sqlite.OpGLOB, sqlite.OpMATCH, sqlite.OpREGEXP:
		return true
	}
	return false
}

// distinct returns the non-NULL values of an argument, once each.
func distinct(v any, in bool) []any {
	list, ok := v.(sqlite.InList)
	if !in || !ok {
		list = sqlite.InList{v}
	}
	seen := map[string]bool{}
	var out []any
	for _, x := range list {
		if x == nil {
			continue
		}
		k := fmt.Sprintf("%T:%v", x, x)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, x)
	}
	return out
}

func distinctList(v any) sqlite.InList {
	return sqlite.InList(distinct(v, true))
}

// text is a value as SQLite's TEXT affinity would write it.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return itoa(x), true
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		return s, true
	}
	return "", false
}

func addCap(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// isGUID reports whether s is a directory object id (8-4-4-4-12 hex).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// sql writes argument i's constraint as SQL, for explain.
func (f *filterRun) sql(i int) string {
	a := f.p.Args[i]
	name := "rowid"
	if c := column(f.t, a.Col); c != nil {
		name = c.Name
	}
	v := f.args[i]
	switch {
	case a.Role == roleLimit:
		return "LIMIT " + sqlLiteral(v)
	case a.Role == roleOffset:
		return "OFFSET " + sqlLiteral(v)
	case a.Op == sqlite.OpISNULL:
		return name + " IS NULL"
	case a.Op == sqlite.OpISNOTNULL:
		return name + " IS NOT NULL"
	case a.In:
		var parts []string
		if list, ok := v.(sqlite.InList); ok {
			for _, x := range list {
				parts = append(parts, sqlLiteral(x))
			}
		} else {
			parts = append(parts, sqlLiteral(v))
		}
		return name + " IN (" + strings.Join(parts, ", ") + ")"
	}
	s := name + " " + a.Op.String() + " " + sqlLiteral(v)
	if a.Coll != "" {
		s += " COLLATE " + a.Coll
	}
	return s
}

func sqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []byte:
		return "X'" + strings.ToUpper(hex.EncodeToString(x)) + "'"
	case int64:
		return itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// allUsed reports whether colUsed names every column of t, as it does for
// the scan behind an UPDATE.
func allUsed(t *tables.Table, colUsed uint64) bool {
	for i := range t.Columns {
		if !used(colUsed, i) {
			return false
		}
	}
	return true
}

// lightUsed is the columns a scan feeding a write selects: those its
// constraints and ORDER BY name, the keys, and what the table's writes
// need.
func lightUsed(t *tables.Table, p *index) uint64 {
	u := p.Where
	for i, c := range t.Columns {
		if c.Key != "" || c.Always || slices.Contains(t.Writes.Needs, c.Name) {
			u |= bit(i)
		}
	}
	return u
}

// IsGUID reports whether s is a directory object id (8-4-4-4-12 hex), as a
// user id is.
func IsGUID(s string) bool { return isGUID(s) }

// MailboxPath is the Graph path of a mailbox: "/me", or /users and the
// user's escaped id or userPrincipalName.
func MailboxPath(userID string) (string, error) { return mailboxSegment(userID) }
