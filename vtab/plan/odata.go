package plan

import (
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// tautologyDate starts a $filter with the sort key when no predicate on it is
// pushed (Graph's InefficientFilter rule); every message is newer.
const tautologyDate = "1900-01-01T00:00:00Z"

// outcome is what a constraint's translation tells about the scan.
type outcome int

const (
	none   outcome = iota // nothing pushed; SQLite checks it
	pushed                // clauses pushed
	always                // true for every row: nothing to push
	never                 // false for every row: the scan has no rows
)

// clause is one $filter term, ANDed with the others.
type clause struct {
	text string
	prop string // the property a simple clause compares
	// simple is a bare comparison "prop op literal", which may lead the
	// $filter for $orderby (InefficientFilter).
	simple bool
}

// xlat is the translation of one constraint.
type xlat struct {
	out     outcome
	clauses []clause
	// exact: Graph keeps exactly the rows SQLite would.
	exact bool
	// advanced: the clauses need the directory's advanced query mode.
	advanced bool
	// in is set for an IN list, which may be split into several requests.
	in *inList
}

// inList is an IN list pushed as one term, kept as items to split it.
type inList struct {
	prop  string
	items []string // the clause for each value, or its literal with dirIn
	dirIn bool     // prop in (…) rather than an or-chain
}

func (l *inList) render(items []string) string {
	switch {
	case l.dirIn:
		return l.prop + " in (" + strings.Join(items, ",") + ")"
	case len(items) == 1:
		return items[0]
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if strings.Contains(it, " and ") {
			it = "(" + it + ")"
		}
		parts[i] = it
	}
	return "(" + strings.Join(parts, " or ") + ")"
}

func simple(prop, op, lit string) clause {
	return clause{text: prop + " " + op + " " + lit, prop: prop, simple: true}
}

func binary(coll string) bool { return coll == "" || strings.EqualFold(coll, "BINARY") }
func nocase(coll string) bool { return strings.EqualFold(coll, "NOCASE") }

// translate turns one constraint and its value into $filter clauses. It is
// the only place that decides what Graph evaluates, for BestIndex (exactness
// of a known right-hand value) and Filter alike.
func translate(t *tables.Table, c *tables.Column, op sqlite.Op, coll string, v any) xlat {
	if v == nil {
		switch op {
		case sqlite.OpIS:
			op = sqlite.OpISNULL
		case sqlite.OpISNOT:
			op = sqlite.OpISNOTNULL
		case sqlite.OpISNULL, sqlite.OpISNOTNULL:
		default:
			return xlat{out: never, exact: true} // a comparison with NULL is never true
		}
	}
	if c.Property == "" {
		return xlat{}
	}
	ops := c.Filter
	switch op {
	case sqlite.OpISNULL, sqlite.OpISNOTNULL:
		if !ops.Has(tables.Null) {
			return xlat{}
		}
		o := "eq"
		if op == sqlite.OpISNOTNULL {
			o = "ne"
		}
		return xlat{out: pushed, clauses: []clause{simple(c.Property, o, "null")}, exact: true, advanced: t.Directory}
	}
	switch c.Type {
	case tables.Text, tables.Enum:
		return textClause(t, c, op, coll, v)
	case tables.Date:
		s, ok := v.(string)
		if !ok || !binary(coll) && !nocase(coll) {
			return xlat{}
		}
		return dateClause(c, op, s, nocase(coll))
	case tables.Bool:
		return boolClause(c, op, v)
	case tables.Integer:
		return intClause(c, op, v)
	}
	return xlat{}
}

func textClause(t *tables.Table, c *tables.Column, op sqlite.Op, coll string, v any) xlat {
	s, ok := v.(string)
	if !ok {
		return xlat{} // SQLite's affinity rules decide; only text is pushed
	}
	ops, p := c.Filter, c.Property
	adv := t.Directory && c.Advanced
	switch op {
	case sqlite.OpEQ, sqlite.OpIS:
		if hasControl(s) {
			return xlat{}
		}
		// Graph's equality must keep every row SQLite's does: a NOCASE
		// comparison only on a case-insensitive property.
		if !ops.Has(tables.Eq) || !binary(coll) && !(nocase(coll) && c.CaseInsensitive) {
			return xlat{}
		}
		if members := c.Members; len(members) > 0 && c.Type == tables.Enum {
			m := member(members, s)
			if m == "" {
				return xlat{}
			}
			// Graph sends an enum as its member, so eq on the member is
			// SQLite's answer exactly when SQLite compares with that spelling
			// (or ignores case).
			exact := m == s || nocase(coll)
			return xlat{out: pushed, clauses: []clause{simple(p, "eq", odataString(m))}, advanced: adv, exact: exact}
		}
		return xlat{out: pushed, clauses: []clause{simple(p, "eq", odataString(s))}, advanced: adv}
	case sqlite.OpLIKE, sqlite.OpGLOB:
		pat, ok := parsePattern(s, op == sqlite.OpGLOB)
		if !ok || hasControl(pat.lit) {
			return xlat{}
		}
		if op == sqlite.OpLIKE && !c.CaseInsensitive {
			// LIKE ignores ASCII case; Graph compares this property
			// exactly, so it would drop matches that differ in case.
			return xlat{}
		}
		return patternClause(t, c, pat)
	}
	// ne, ranges: Graph compares case-insensitively, so `ne` would drop
	// rows SQLite keeps and string order is not SQLite's.
	return xlat{}
}

// hasControl reports whether s holds a control character (U+0000 to U+001F,
// U+007F). How Graph reads one in a string literal is not documented, so
// such a literal is never sent: SQLite checks the constraint instead.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func member(members []string, s string) string {
	for _, m := range members {
		if strings.EqualFold(m, s) {
			return m
		}
	}
	return ""
}

// pattern is what Graph can pre-filter of a LIKE or GLOB pattern: a
// literal with wildcards before and/or after it.
type pattern struct {
	lit         string
	lead, trail bool // a wildcard before / after the literal
}

// parsePattern reads a LIKE or GLOB pattern as a pre-filter Graph can
// evaluate: 'abc', 'abc%', '%abc', '%abc%' (LIKE, no escape character:
// SQLite offers no LIKE … ESCAPE to a virtual table) and the GLOB forms
// with '*' give their literal. A pattern with a wildcard inside ('_', or
// GLOB's '?' and '[…]', or an inner '%') still holds each of its literal
// runs in every match: it gives the run before its first wildcard as a
// prefix when nothing leads it ('ab_c%' → startswith 'ab'), else its
// longest run ('%ab_cde%' → contains 'cde'); SQLite checks the rest. Like
// SQLite's like() and glob(), which read the pattern as a C string, it ends
// the pattern at its first NUL: '%' || char(0) || 'zz%' is '%'.
func parsePattern(s string, glob bool) (pattern, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	any, wild := byte('%'), "%_"
	if glob {
		any, wild = '*', "*?["
	}
	var p pattern
	for len(s) > 0 && s[0] == any {
		s, p.lead = s[1:], true
	}
	for len(s) > 0 && s[len(s)-1] == any {
		s, p.trail = s[:len(s)-1], true
	}
	if s == "" {
		return p, false
	}
	i := strings.IndexAny(s, wild)
	if i < 0 {
		p.lit = s
		return p, true
	}
	p.trail = true
	if !p.lead && i > 0 {
		p.lit = s[:i]
		return p, true
	}
	p.lead = true
	if j := strings.IndexByte(s, '['); glob && j >= 0 {
		s = s[:j] // a character class: what follows it is not literal
	}
	for _, run := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(wild, r) }) {
		if len(run) > len(p.lit) {
			p.lit = run
		}
	}
	return p, p.lit != ""
}

func patternClause(t *tables.Table, c *tables.Column, pat pattern) xlat {
	ops, p, lit := c.Filter, c.Property, odataString(pat.lit)
	fn := func(f string) xlat {
		return xlat{out: pushed, clauses: []clause{{text: f + "(" + p + "," + lit + ")", prop: p}},
			advanced: t.Directory && (c.Advanced || f == "endswith")}
	}
	// Each form falls back to a weaker one that still keeps every match.
	switch {
	case !pat.lead && !pat.trail && ops.Has(tables.Eq):
		if members := c.Members; len(members) > 0 && c.Type == tables.Enum {
			m := member(members, pat.lit)
			if m == "" {
				return xlat{}
			}
			lit = odataString(m)
		}
		return xlat{out: pushed, clauses: []clause{simple(p, "eq", lit)}, advanced: t.Directory && c.Advanced}
	case !pat.lead && ops.Has(tables.StartsWith):
		return fn("startswith")
	case !pat.trail && ops.Has(tables.EndsWith):
		return fn("endswith")
	case ops.Has(tables.Contains):
		return fn("contains")
	}
	return xlat{}
}

// dateClause pushes a comparison with any string as the time range of the
// canonical dates that satisfy it; it is exact when s is canonical itself.
// Graph may keep fractions of a second that it does not show, so every
// bound is a whole second compared with ge/lt: `= X` is [X, X+1s).
func dateClause(c *tables.Column, op sqlite.Op, s string, nocase bool) xlat {
	ops, p := c.Filter, c.Property
	exact := canonicalDate(s) && pushableDate(s)
	if !ops.Has(tables.Cmp) {
		if exact && (op == sqlite.OpEQ || op == sqlite.OpIS) && ops.Has(tables.Eq) {
			return xlat{out: pushed, clauses: []clause{simple(p, "eq", s)}, exact: true}
		}
		return xlat{}
	}
	atLeast, okLeast := dateAtLeast(s, nocase)
	above, okAbove := dateAbove(s, nocase)
	var lo, hi string // ge lo, lt hi
	var okLo, okHi bool
	switch op {
	case sqlite.OpGE:
		lo, okLo = atLeast, okLeast
		if !okLo {
			return xlat{out: never, exact: true}
		}
	case sqlite.OpGT:
		lo, okLo = above, okAbove
		if !okLo {
			return xlat{out: never, exact: true}
		}
	case sqlite.OpLT:
		hi, okHi = atLeast, okLeast
	case sqlite.OpLE:
		hi, okHi = above, okAbove
	case sqlite.OpEQ, sqlite.OpIS:
		if !okLeast || okAbove && atLeast == above {
			return xlat{out: never, exact: true} // no canonical date equals s
		}
		lo, okLo, hi, okHi = atLeast, true, above, okAbove
	case sqlite.OpNE:
		if !exact || !okAbove || !ops.Has(tables.Ne) {
			return xlat{}
		}
		return xlat{out: pushed, exact: true, clauses: []clause{{
			text: "(" + p + " lt " + s + " or " + p + " ge " + above + ")", prop: p}}}
	default:
		return xlat{}
	}
	var cl []clause
	if okLo && pushableDate(lo) {
		cl = append(cl, simple(p, "ge", lo))
	} else if okLo {
		exact = false
	}
	if okHi && pushableDate(hi) {
		cl = append(cl, simple(p, "lt", hi))
	} else if okHi {
		exact = false
	}
	if len(cl) == 0 {
		return xlat{}
	}
	return xlat{out: pushed, clauses: cl, exact: exact}
}

// sqlBool reads a value compared with a 0/1 column: ok is false for values
// SQLite's affinity might turn into a number (text), which are left to it.
func sqlBool(v any) (b, isBool, ok bool) {
	switch x := v.(type) {
	case int64:
		return x == 1, x == 0 || x == 1, true
	case float64:
		return x == 1, x == 0 || x == 1, true
	}
	return false, false, false
}

func boolClause(c *tables.Column, op sqlite.Op, v any) xlat {
	b, isBool, ok := sqlBool(v)
	if !ok {
		return xlat{}
	}
	eq := op == sqlite.OpEQ || op == sqlite.OpIS
	ne := op == sqlite.OpNE || op == sqlite.OpISNOT
	switch {
	case eq && !isBool:
		return xlat{out: never, exact: true} // Graph booleans are never null
	case ne && !isBool:
		return xlat{out: always, exact: true}
	case eq && c.Filter.Has(tables.Eq):
		return xlat{out: pushed, clauses: []clause{simple(c.Property, "eq", strconv.FormatBool(b))}, exact: true}
	case ne && c.Filter.Has(tables.Ne):
		return xlat{out: pushed, clauses: []clause{simple(c.Property, "ne", strconv.FormatBool(b))}, exact: true}
	}
	return xlat{}
}

var cmpOps = map[sqlite.Op]string{sqlite.OpEQ: "eq", sqlite.OpIS: "eq", sqlite.OpNE: "ne",
	sqlite.OpLT: "lt", sqlite.OpLE: "le", sqlite.OpGT: "gt", sqlite.OpGE: "ge"}

func intClause(c *tables.Column, op sqlite.Op, v any) xlat {
	n, ok := v.(int64)
	o := cmpOps[op]
	if !ok || o == "" {
		return xlat{}
	}
	need := tables.Cmp
	switch o {
	case "eq":
		need = tables.Eq
	case "ne":
		need = tables.Ne
	}
	if !c.Filter.Has(need) {
		return xlat{}
	}
	return xlat{out: pushed, clauses: []clause{simple(c.Property, o, itoa(n))}, exact: true}
}

// translateIn pushes a whole IN list as one term: `p in (…)` on directory
// properties that take it, an or-chain of the equalities otherwise.
func translateIn(t *tables.Table, c *tables.Column, coll string, list sqlite.InList) xlat {
	res := xlat{out: pushed, exact: true}
	var items []string
	dirIn := t.Directory && c.Filter.Has(tables.In)
	seen := map[string]bool{}
	for _, v := range list {
		x := translate(t, c, sqlite.OpEQ, coll, v)
		switch x.out {
		case never:
			continue // NULL, or a value no row can hold
		case none, always:
			return xlat{}
		}
		parts := make([]string, len(x.clauses))
		for i, cl := range x.clauses {
			parts[i] = cl.text
		}
		item := strings.Join(parts, " and ")
		dirIn = dirIn && len(x.clauses) == 1 && strings.HasPrefix(item, c.Property+" eq ")
		if seen[item] {
			continue
		}
		seen[item] = true
		items = append(items, item)
		res.exact = res.exact && x.exact
		res.advanced = res.advanced || x.advanced
	}
	if len(items) == 0 {
		return xlat{out: never, exact: true}
	}
	if dirIn {
		for i := range items {
			items[i] = strings.TrimPrefix(items[i], c.Property+" eq ")
		}
	}
	res.in = &inList{prop: c.Property, items: items, dirIn: dirIn}
	res.clauses = []clause{{text: res.in.render(items), prop: c.Property}}
	return res
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
