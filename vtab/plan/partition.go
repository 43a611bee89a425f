package plan

import (
	"slices"
)

// Partition is how a runner may split one listing into concurrent chains,
// each over a disjoint half-open range of one date property that no item
// lacks (tables.Table.Partition): `p lt b1`, `p ge b1 and p lt b2`, …,
// `p ge bn`. The first and last ranges are open, so the chains cover every
// item whatever bounds are chosen, and an item whose value equals a bound
// falls in exactly one of them.
//
// Only a plain listing gets one: not a GET by id, a $search, an $expand, a
// folder tree, a $skip (OFFSET), a LIMIT, a scan of several requests or
// one feeding a write, and its order, if any, is by the property itself,
// so that chains concatenated in range order are sorted.
type Partition struct {
	// Property is the Graph property of the ranges (receivedDateTime).
	Property string
	// Order is the order Graph was asked for: 0 none, 1 ascending, -1
	// descending (by Property).
	Order int

	f        *filterRun
	q        query
	b        base
	sortProp string
}

// CountURL is the request for the number of items the listing has: its
// collection's /$count with the same $filter (text/plain; no order, so no
// tautology).
func (p *Partition) CountURL() string {
	q := query{custom: append(slices.Clone(p.q.custom), p.b.params...), filter: p.f.clauses("", -1, nil)}
	return p.b.path + "/$count" + q.encode()
}

// ProbeURL is the request for the value of Property of the item at offset
// skip when the listing is sorted by it ascending: one item, one property.
func (p *Partition) ProbeURL(skip int64) string {
	q := p.q
	q.orderby, q.sel, q.top, q.skip, q.count = p.Property+" asc", p.Property, 1, skip, false
	return p.b.path + p.render(q, p.Property, "", "")
}

// ChainURL is the request for the items whose Property is in [lo, hi);
// lo "" has no lower bound, hi "" no upper one. lo and hi are OData
// DateTimeOffset literals.
func (p *Partition) ChainURL(lo, hi string) string {
	return p.b.path + p.render(p.q, p.sortProp, lo, hi)
}

// render writes the query with the range clauses first: they compare the
// sort key when there is one, which InefficientFilter wants first, and
// they replace the tautology a sort key without a comparison gets.
func (p *Partition) render(q query, sortProp, lo, hi string) string {
	f := p.f
	q.custom = append(slices.Clone(q.custom), p.b.params...)
	clauses := f.clauses(sortProp, -1, nil)
	var rng []string
	if lo != "" {
		rng = append(rng, p.Property+" ge "+lo)
	}
	if hi != "" {
		rng = append(rng, p.Property+" lt "+hi)
	}
	if len(rng) > 0 && len(clauses) > 0 && clauses[0] == p.Property+" ge "+tautologyDate {
		clauses = clauses[1:]
	}
	q.filter = append(rng, clauses...)
	return q.encode()
}

// partition returns the Partition of the one request of a scan, or nil when
// it may not be split. A LIMIT keeps a scan whole only when the rows come
// in SQLite's order: under a sort SQLite does itself, it reads them all.
func (f *filterRun) partition(q query, b base, sortProp string, need int64, d Defaults, requests int) *Partition {
	t := f.t
	if t.Partition == "" || d.Sequential || requests != 1 || need > 0 && !f.p.Unsorted || d.Writing || q.skip > 0 || q.count ||
		f.single || f.search || f.expand || t.Fetch.Tree != nil || b.single || b.search != "" {
		return nil
	}
	if sortProp != "" && sortProp != t.Partition {
		return nil
	}
	p := &Partition{Property: t.Partition, f: f, q: q, b: b, sortProp: sortProp}
	if sortProp != "" {
		p.Order = 1
		if f.p.Order[0].Desc {
			p.Order = -1
		}
	}
	return p
}

// Range is a partition's range for people: "receivedDateTime lt b1",
// "ge b1 and lt b2", "ge b3" or "all".
func Range(prop, lo, hi string) string {
	switch {
	case lo == "" && hi == "":
		return "all"
	case lo == "":
		return prop + " lt " + hi
	case hi == "":
		return prop + " ge " + lo
	}
	return prop + " ge " + lo + " and lt " + hi
}
