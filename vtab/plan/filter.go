package plan

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/vtab"
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

type filterRun struct {
	t    *tables.Table
	p    *index
	args []any
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

// noRows is the scan of a query that no row can satisfy.
func noRows(why string) *Scan {
	return &Scan{Pushed: []string{why + " → no rows, no request"}}
}

func (f *filterRun) run(d Defaults) (*Scan, error) {
	t, p := f.t, f.p

	// A comparison with NULL matches nothing.
	for i, a := range p.Args {
		if a.Role == roleLimit || a.Role == roleOffset || !nullFails(a.Op) {
			continue
		}
		if a.In {
			if len(distinct(f.args[i], true)) == 0 {
				return noRows(f.sql(i)), nil
			}
		} else if f.args[i] == nil {
			return noRows(f.sql(i)), nil
		}
	}

	// Path keys.
	keys := map[string][]keyVal{}
	var idArg = -1
	for i, a := range p.Args {
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
					return nil, fmt.Errorf("plan: %s: search is empty: give KQL such as 'from:alice budget'", t.Name)
				}
			case keyMailbox:
				if strings.EqualFold(s, "me") {
					kv.seg = "/me"
					break
				}
				seg, err := segment(s)
				if err != nil {
					return nil, fmt.Errorf("plan: %s: user_id %q is not a mailbox (%v): give me, a user id or a userPrincipalName", t.Name, s, err)
				}
				kv.seg = "/users" + seg
			case keyFolder:
				seg, err := segment(s)
				if err != nil {
					return nil, fmt.Errorf("plan: %s: folder_id %q is not a folder (%v): give a folder id or a well-known name such as inbox", t.Name, s, err)
				}
				kv.seg = seg
			default: // message, id: a value that cannot be an id names no row
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
		if _, ok := keys[col.Key]; !ok {
			keys[col.Key] = vals
		}
		if a.Role == roleID {
			idArg = i
		}
	}
	searchMode := keys[keySearch] != nil
	expandMode := t.Fetch == tables.Attachments && keys[keyMessage] == nil

	// Ids of directory objects: one $filter=id in (…) for GUIDs rather than
	// a GET each (a malformed id would fail the whole filter, so only GUIDs).
	var terms []term
	batched := false
	if ids := keys[keyID]; len(ids) > 1 && t.Directory && !p.Base {
		col := &t.Columns[p.Args[idArg].Col]
		list := make(vtab.InList, 0, len(ids))
		all := col.Filter.Has(tables.In)
		for _, kv := range ids {
			all = all && isGUID(kv.text)
			list = append(list, kv.text)
		}
		if all {
			x := translateIn(t, col, "", list)
			if x.out == pushed {
				terms, batched = append(terms, term{arg: idArg, x: x}), true
				delete(keys, keyID)
			}
		}
	}
	singleMode := keys[keyID] != nil

	// $filter terms.
	for i, a := range p.Args {
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
			if b, isBool, ok := sqlBool(f.args[i]); ok && isBool && !b && expandMode && !p.Base {
				x = xlat{out: pushed, clauses: []clause{simple("hasAttachments", "eq", "true")}}
			}
		default:
			continue
		}
		switch x.out {
		case never:
			return noRows(f.sql(i)), nil
		case pushed:
			if !singleMode {
				terms = append(terms, term{arg: i, x: x})
			}
		case always:
			terms = append(terms, term{arg: i, x: x})
		}
	}

	// ORDER BY: $orderby, and a $filter that starts with the sort key.
	var orderby, sortProp string
	if len(p.Order) == 1 && !singleMode {
		col := &t.Columns[p.Order[0].Col]
		sortProp = col.Property
		orderby = sortProp + " asc"
		if p.Order[0].Desc {
			orderby = sortProp + " desc"
		}
	}

	// LIMIT and OFFSET.
	lim, off := int64(-1), int64(0)
	limArg, offArg := -1, -1
	for i, a := range p.Args {
		v, ok := f.args[i].(int64)
		switch {
		case a.Role == roleLimit && ok:
			lim, limArg = v, i
		case a.Role == roleOffset && ok:
			off, offArg = max(v, 0), i
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

	// Bases: the path of each request before its query, and its echo.
	type base struct {
		mailbox, mailboxPath, path string
		search                     string
		echo                       map[int]any
		single                     bool
	}
	var bases []base
	mailboxes := keys[keyMailbox]
	hasMailbox := keyColumn(t, keyMailbox) >= 0
	if hasMailbox && mailboxes == nil {
		u := d.UserID
		if u == "" {
			u = "me"
		}
		kv := keyVal{v: u, text: u, seg: "/me"}
		if !strings.EqualFold(u, "me") {
			seg, err := segment(u)
			if err != nil {
				return nil, fmt.Errorf("plan: %s: the connection's UserId %q is not a mailbox (%v): give me, a user id or a userPrincipalName", t.Name, u, err)
			}
			kv.seg = "/users" + seg
		}
		mailboxes = []keyVal{kv}
	}
	if !hasMailbox {
		mailboxes = []keyVal{{}}
	}
	opt := func(k string) []keyVal {
		if v := keys[k]; v != nil {
			return v
		}
		return []keyVal{{}}
	}
	for _, mb := range mailboxes {
		for _, fo := range opt(keyFolder) {
			for _, se := range opt(keySearch) {
				for _, me := range opt(keyMessage) {
					for _, id := range opt(keyID) {
						b := base{echo: map[int]any{}}
						segs := map[string]string{}
						if hasMailbox {
							b.mailbox = mb.text
							if mb.seg == "/me" {
								b.mailbox = "me"
							}
							b.mailboxPath = mb.seg
							segs[keyMailbox] = mb.seg
							b.echo[keyColumn(t, keyMailbox)] = mb.v
						}
						if fo.seg != "" {
							segs[keyFolder] = fo.seg
							b.echo[keyColumn(t, keyFolder)] = fo.v
						}
						if se.text != "" {
							b.search = se.text
							b.echo[keyColumn(t, keySearch)] = se.v
						}
						if me.seg != "" {
							segs[keyMessage] = me.seg
							b.echo[keyColumn(t, keyMessage)] = me.v
						}
						switch {
						case id.seg != "":
							segs[keyID] = id.seg
							b.path, b.single = fill(t.Item, segs), true
						case expandMode:
							b.path = fill(t.Collection[:strings.Index(t.Collection, "/{"+keyMessage+"}")], segs)
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

	// The query, the same for every base.
	sel, full := selectList(t, p.Used)
	page := pageSize(t, p.Used, expandMode)
	exact := !p.Unsorted
	hint := !p.Unsorted && !singleMode
	for i, a := range p.Args {
		switch a.Role {
		case roleLimit, roleOffset:
		case roleKey:
		case roleFilter:
			tm := findTerm(terms, i)
			ok := tm != nil && tm.x.exact && !singleMode
			exact = exact && (ok || a.Omit)
		case roleID:
			exact = false
			hint = hint && batched
		default:
			exact, hint = false, false
		}
	}
	if batched {
		exact = false
	}
	var q query
	switch {
	case singleMode:
		if !full {
			q.sel = sel
		}
	case expandMode:
		q.sel = "id"
		q.expand = "attachments"
		if !full {
			q.expand += "($select=" + sel + ")"
		}
		q.top = page
	default:
		if t.Fetch == tables.FolderTree {
			q.custom = []string{"includeHiddenFolders=true"}
		}
		if !full {
			q.sel = sel
		}
		q.orderby = orderby
		if searchMode {
			q.search = kqlString(keys[keySearch][0].text) // each base's own below
		}
		if p.Skip && off > 0 {
			q.skip = off
		}
		q.top = page
		if need > 0 && (exact || hint) {
			q.top = min(page, need)
		}
	}

	// Fit the URL: split the longest IN list into several requests, or
	// leave pre-filters to SQLite, rather than send more than maxURL.
	longest := 0
	for _, b := range bases {
		longest = max(longest, len(b.path))
	}
	var splitTerm = -1
	var chunks [][]string
	render := func(chunk []string) query {
		r := q
		r.filter = f.clauses(terms, sortProp, splitTerm, chunk)
		return r
	}
	fits := func(chunk []string) bool {
		r := render(chunk)
		return longest+len(r.encode()) <= maxURL
	}
	isAdvanced := func() bool {
		for _, tm := range terms {
			if !tm.dropped && tm.x.advanced {
				return true
			}
		}
		return false
	}
	q.count = isAdvanced()
	canSplit := len(p.Order) == 0 && !p.Skip && !singleMode
	for !fits(nil) {
		best := -1
		if canSplit && splitTerm < 0 {
			for i, tm := range terms {
				if !tm.dropped && tm.x.in != nil && len(tm.x.in.items) > 1 &&
					(best < 0 || len(tm.x.in.items) > len(terms[best].x.in.items)) {
					best = i
				}
			}
		}
		if best >= 0 {
			splitTerm = best
			chunks = nil
			var cur []string
			ok := true
			for _, it := range terms[best].x.in.items {
				if fits(append(cur[:len(cur):len(cur)], it)) {
					cur = append(cur, it)
					continue
				}
				if len(cur) == 0 {
					ok = false
					break
				}
				chunks = append(chunks, cur)
				cur = []string{it}
				if !fits(cur) {
					ok = false
					break
				}
			}
			if ok {
				chunks = append(chunks, cur)
				break
			}
			splitTerm, chunks = -1, nil
			terms[best].dropped = true
			continue
		}
		// Drop the longest pre-filter SQLite re-checks anyway.
		drop := -1
		for i, tm := range terms {
			if tm.dropped || p.Args[tm.arg].Omit || tm.x.out != pushed {
				continue
			}
			if drop < 0 || len(tm.x.clauses[0].text) > len(terms[drop].x.clauses[0].text) {
				drop = i
			}
		}
		if drop < 0 {
			break // only exact terms left: send it and let Graph say
		}
		terms[drop].dropped = true
		canSplit = false
	}
	for _, tm := range terms {
		if tm.dropped {
			exact = false
			if q.top < page && !p.Skip {
				q.top = page // the page-size hint assumed everything was pushed
			}
		}
	}
	advanced := isAdvanced()
	q.count = advanced
	if chunks == nil {
		chunks = [][]string{nil}
	}

	// The requests.
	s := &Scan{}
	if exact && need > 0 {
		s.Limit = need
	}
	for _, b := range bases {
		for _, chunk := range chunks {
			r := render(chunk)
			if b.search != "" {
				r.search = kqlString(b.search)
			}
			req := Request{Mailbox: b.mailbox, MailboxPath: b.mailboxPath, Echo: maps.Clone(b.echo),
				Single: b.single, Search: searchMode && !b.single, Expand: expandMode}
			req.URL = b.path + r.encode()
			if t.Fetch == tables.FolderTree {
				req.Children = b.path + "/{id}/childFolders" + r.encode()
			}
			if advanced {
				req.Header = map[string]string{"ConsistencyLevel": "eventual"}
			}
			if s.Limit > 0 && !b.single {
				req.Limit = s.Limit
			}
			s.Requests = append(s.Requests, req)
		}
	}

	// Explain.
	for i, a := range p.Args {
		col := column(t, a.Col)
		switch a.Role {
		case roleKey:
			how := "path"
			if col.Key == keySearch {
				how = "$search"
			}
			s.Pushed = append(s.Pushed, f.sql(i)+" → "+how)
		case roleID:
			if !batched {
				s.Pushed = append(s.Pushed, f.sql(i)+" → GET by id")
			}
		}
		if tm := findTerm(terms, i); tm != nil && !tm.dropped {
			var parts []string
			for _, c := range tm.x.clauses {
				parts = append(parts, c.text)
			}
			what := strings.Join(parts, " and ")
			if tm.x.out == always {
				what = "true for every row"
			}
			if len(chunks) > 1 && splitTerm >= 0 && &terms[splitTerm] == tm {
				what += fmt.Sprintf(" (split into %d requests)", len(chunks))
			}
			s.Pushed = append(s.Pushed, f.sql(i)+" → "+what)
		}
		if !a.Omit && a.Role != roleLimit && a.Role != roleOffset {
			s.Local = append(s.Local, f.sql(i))
		}
	}
	if orderby != "" {
		var cols []string
		for _, o := range p.Order {
			c := t.Columns[o.Col].Name
			if o.Desc {
				c += " DESC"
			}
			cols = append(cols, c)
		}
		s.Pushed = append(s.Pushed, "ORDER BY "+strings.Join(cols, ", ")+" → $orderby="+orderby)
	}
	if limArg >= 0 && lim > 0 {
		switch {
		case s.Limit > 0:
			s.Pushed = append(s.Pushed, fmt.Sprintf("LIMIT %d → stop after %d rows", lim, s.Limit))
		case q.top > 0 && q.top < page:
			s.Pushed = append(s.Pushed, fmt.Sprintf("LIMIT %d → pages of %d", lim, q.top))
		}
	}
	if offArg >= 0 && q.skip > 0 {
		s.Pushed = append(s.Pushed, fmt.Sprintf("OFFSET %d → $skip=%d", off, off))
	}
	return s, nil
}

// clauses writes the $filter terms, the sort key's comparisons first
// (InefficientFilter), with a tautology when none is pushed; the term at
// index split, if any, holds only the values in chunk.
func (f *filterRun) clauses(terms []term, sortProp string, split int, chunk []string) []string {
	var lead, rest []string
	for i, tm := range terms {
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
func keyColumn(t *tables.Table, k string) int {
	for i, c := range t.Columns {
		if c.Key == k {
			return i
		}
	}
	return -1
}

// nullFails reports whether op is false for a NULL operand.
func nullFails(op vtab.Op) bool {
	switch op {
	case vtab.OpEQ, vtab.OpNE, vtab.OpLT, vtab.OpLE, vtab.OpGT, vtab.OpGE,
		vtab.OpLIKE, vtab.OpGLOB, vtab.OpMATCH, vtab.OpREGEXP:
		return true
	}
	return false
}

// distinct returns the non-NULL values of an argument, once each.
func distinct(v any, in bool) []any {
	list, ok := v.(vtab.InList)
	if !in || !ok {
		list = vtab.InList{v}
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

func distinctList(v any) vtab.InList {
	return vtab.InList(distinct(v, true))
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
	case a.Op == vtab.OpISNULL:
		return name + " IS NULL"
	case a.Op == vtab.OpISNOTNULL:
		return name + " IS NOT NULL"
	case a.In:
		var parts []string
		if list, ok := v.(vtab.InList); ok {
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
