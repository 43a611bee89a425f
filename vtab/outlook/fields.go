package outlook

import (
	"strings"

	"github.com/tidwall/gjson"
)

// fields gives a row's values by gjson path. It walks the item's top level
// once per row, and only as far as the members asked for so far: a column's
// value is found without gjson.Result.ForEach parsing (and unescaping) every
// member of every row, or gjson.Get starting from the item's first byte for
// each column. Paths that use gjson syntax beyond dotted names go to gjson
// unchanged.
type fields struct {
	item    gjson.Result
	pos     int      // where in item.Raw the walk stopped; -1 when at its end
	members []member // the members walked so far; reused from row to row
}

// member is one top-level member of an item: its key and its value's JSON,
// which starts at off in the item's Raw.
type member struct {
	key string
	raw string
	off int
}

// reset points f at a new row's item.
func (f *fields) reset(item gjson.Result) {
	f.item, f.members, f.pos = item, f.members[:0], -1
	if i := skipSpace(item.Raw, 0, false); item.Type == gjson.JSON && i < len(item.Raw) && item.Raw[i] == '{' {
		f.pos = i + 1
	}
}

// get returns the value at path in the item: what f.item.Get(path) returns.
func (f *fields) get(path string) gjson.Result {
	if !plainPath(path) {
		return f.item.Get(path)
	}
	first, rest, nested := strings.Cut(path, ".")
	m, ok := f.find(first)
	if !ok {
		return gjson.Result{}
	}
	v := gjson.Parse(m.raw)
	v.Index = m.off + f.item.Index
	if nested {
		return v.Get(rest)
	}
	return v
}

// find returns the member named key, walking on from where the last find
// stopped when it is not among the members walked already. The first of
// equal keys wins, as in gjson.
func (f *fields) find(key string) (member, bool) {
	for _, m := range f.members {
		if m.key == key {
			return m, true
		}
	}
	for f.pos >= 0 {
		m, ok := f.walk()
		if !ok {
			f.pos = -1
			break
		}
		f.members = append(f.members, m)
		if m.key == key {
			return m, true
		}
	}
	return member{}, false
}

// walk reads the member at f.pos, and moves f.pos past it; false at the end
// of the object (or at JSON it cannot read, where gjson would stop too).
func (f *fields) walk() (member, bool) {
	raw, i := f.item.Raw, f.pos
	i = skipSpace(raw, i, true)
	if i >= len(raw) || raw[i] != '"' {
		return member{}, false
	}
	end := stringEnd(raw, i)
	if end < 0 {
		return member{}, false
	}
	key := raw[i+1 : end-1]
	if strings.IndexByte(key, '\\') >= 0 {
		key = gjson.Parse(raw[i:end]).Str
	}
	i = skipSpace(raw, end, false)
	if i >= len(raw) || raw[i] != ':' {
		return member{}, false
	}
	i = skipSpace(raw, i+1, false)
	end = valueEnd(raw, i)
	if end < 0 {
		return member{}, false
	}
	f.pos = end
	return member{key: key, raw: raw[i:end], off: i}, true
}

// skipSpace returns the index of the first byte at or after i that is not
// white space (nor a comma, when commas is set).
func skipSpace(s string, i int, commas bool) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		case ',':
			if !commas {
				return i
			}
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the JSON string that starts at i
// (a '"'), or -1 when it does not end.
func stringEnd(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// valueEnd returns the index just past the JSON value that starts at i, or
// -1 when there is none or it does not end.
func valueEnd(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"':
				e := stringEnd(s, i)
				if e < 0 {
					return -1
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	case ',', '}', ']', ':':
		return -1
	}
	for j := i; j < len(s); j++ {
		switch s[j] {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
			return j
		}
	}
	return len(s)
}

// special marks the bytes that make a path more than dotted names.
var special = func() (t [256]bool) {
	for _, b := range []byte(`\*?#|@!=<>%[]{}()`) {
		t[b] = true
	}
	return t
}()

// plainPath reports whether path is dotted names only.
func plainPath(path string) bool {
	for i := 0; i < len(path); i++ {
		if special[path[i]] {
			return false
		}
	}
	return true
}
