package tables

import "strings"

// Permission is a permission the tables need, with what needs it.
type Permission struct {
	Scope string   // the least permission that would do, e.g. "Mail.Read"
	Any   []string // any one of these will do
	For   string   // what needs it, e.g. "the users table"
}

// Permissions lists what the tables' Needs ask for: the needs with the same
// Scope and Any merged, in the order they first appear, each saying what
// needs it ("message bodies (body, …) and the attachments table").
func Permissions() []Permission {
	type group struct {
		p       Permission
		phrases []string
		tables  []string
	}
	var groups []*group
	find := func(n Need) *group {
		for _, g := range groups {
			if g.p.Scope == n.Scope && strings.Join(g.p.Any, ",") == strings.Join(n.Any, ",") {
				return g
			}
		}
		g := &group{p: Permission{Scope: n.Scope, Any: n.Any}}
		groups = append(groups, g)
		return g
	}
	add := func(list []string, s string) []string {
		for _, x := range list {
			if x == s {
				return list
			}
		}
		return append(list, s)
	}
	for _, t := range All {
		for _, n := range t.Needs {
			g := find(n)
			switch {
			case len(n.Columns) > 0:
				g.phrases = add(g.phrases, n.What+" ("+strings.Join(n.Columns, ", ")+")")
			case n.What != "":
				g.phrases = add(g.phrases, n.What)
			default:
				g.tables = add(g.tables, t.Name)
			}
		}
	}
	out := make([]Permission, 0, len(groups))
	for _, g := range groups {
		parts := g.phrases
		switch n := len(g.tables); {
		case n == 1:
			parts = append(parts, "the "+g.tables[0]+" table")
		case n > 1:
			parts = append(parts, "the "+strings.Join(g.tables[:n-1], ", ")+" and "+g.tables[n-1]+" tables")
		}
		g.p.For = strings.Join(parts, " and ")
		out = append(out, g.p)
	}
	return out
}
