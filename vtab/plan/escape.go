package plan

import (
	"errors"
	"strings"
)

// maxURL is the longest relative URL (path and query) the planner sends when
// it can split or drop a pre-filter to stay under it; with the base URL in
// front this keeps requests under about 2000 characters. A variable so
// tests can lower it.
var maxURL = 1900

const hexDigits = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// queryKeep lists the bytes left readable in a query value: the unreserved
// ones and OData's punctuation ("=" is only special before the first one of
// an option). Everything else, `+ & # % ? ; "` and spaces included, is
// percent-encoded, so no value can end its option or add one.
func queryKeep(c byte) bool {
	return unreserved(c) || strings.IndexByte("'(),/:@$=", c) >= 0
}

func escape(s string, keep func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// errSegment says a key value cannot be a path segment.
var errSegment = errors.New("empty, \".\" and \"..\" are not ids")

// segment returns the path text that appends one key value to a path:
// "/" and the value with every byte but the unreserved ones percent-encoded,
// so "/" or "?" in a value never adds a segment or starts the query. A value
// that starts with "$" would be read by Graph as a system segment ($value,
// $count), so it is given in the key-in-parentheses form ('$x@y') instead.
func segment(v string) (string, error) {
	if v == "" || v == "." || v == ".." {
		return "", errSegment
	}
	if v[0] == '$' {
		lit := strings.ReplaceAll(v, "'", "''")
		return "('" + escape(lit, func(c byte) bool { return unreserved(c) || c == '$' }) + "')", nil
	}
	return "/" + escape(v, unreserved), nil
}

// fill replaces each "/{name}" of a path template with segs[name].
func fill(template string, segs map[string]string) string {
	for name, seg := range segs {
		template = strings.ReplaceAll(template, "/{"+name+"}", seg)
	}
	return template
}

// odataString is an OData string literal: single quotes, a quote doubled.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// kqlString is the $search value: KQL inside double quotes, with `"` and `\`
// escaped by a backslash.
func kqlString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// query is the query part of one request, written in a fixed order.
type query struct {
	custom  []string // non-OData options, e.g. includeHiddenFolders=true
	filter  []string // clauses, joined by " and "
	orderby string
	search  string
	sel     string
	skip    int64
	top     int64
	count   bool
	expand  string
}

func (q *query) encode() string {
	var parts []string
	parts = append(parts, q.custom...)
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+escape(v, queryKeep))
		}
	}
	add("$filter", strings.Join(q.filter, " and "))
	add("$orderby", q.orderby)
	add("$search", q.search)
	add("$select", q.sel)
	if q.skip > 0 {
		add("$skip", itoa(q.skip))
	}
	if q.top > 0 {
		add("$top", itoa(q.top))
	}
	if q.count {
		add("$count", "true")
	}
	add("$expand", q.expand)
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}
