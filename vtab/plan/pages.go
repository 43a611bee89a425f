package plan

// expandTop is the $top of a scan that reads rows nested in their parents
// (attachments through messages?$expand=attachments): page, Graph's
// largest, unless a LIMIT needs fewer parents and nothing else is checked.
// With the Has filter (hasAttachments eq true for is_inline = 0) every
// parent holds a row SQLite keeps, so LIMIT n needs n parents; without it
// many parents hold none, and a page stays at least preFilterPage (as
// for a pre-filter). The $top only sizes the pages: the scan still
// follows nextLinks until SQLite stops.
func (f *filterRun) expandTop(page, need int64) int64 {
	if need <= 0 {
		return page
	}
	has := false
	for i, a := range f.p.Args {
		switch a.Role {
		case roleLimit, roleOffset, roleKey:
		case roleHas:
			tm := findTerm(f.terms, i)
			has = tm != nil && !tm.dropped
			if !has {
				return page
			}
		default:
			return page
		}
	}
	if !has {
		return min(page, max(need, preFilterPage))
	}
	return min(page, need)
}
