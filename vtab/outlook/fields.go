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
	members []member // the members walked so far: own's, or the page's walk's
	own     []member // reused from row to row
}

// member is one top-level member of an item: its key and its value's JSON,
// which starts at off in the item's Raw.
type member struct {
	key string
	raw string
	off int
}

// reset points f at a new row's item.
func (f *fields) reset(item gjson.Result) { f.resetWalked(item, nil) }

// resetWalked points f at a new row's item whose members, when not nil,
// were walked already (by elements.next, while finding the item's end).
func (f *fields) resetWalked(item gjson.Result, members []member) {
	if members != nil {
		f.item, f.members, f.pos = item, members, -1
		return
	}
	f.item, f.members, f.pos = item, f.own[:0], -1
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
	for i := 0; ; i++ {
		m, next, ok := f.find(first, i)
		if !ok {
			return gjson.Result{}
		}
		v := valueOf(m.raw, m.off+f.item.Index)
		if !nested {
			return v
		}
		// As gjson does, a member whose value does not hold the rest of
		// the path gives way to the next member of the same name.
		if v = descend(v, rest); v.Exists() {
			return v
		}
		i = next
	}
}

// descend returns the value at path in v, a member's value: an object's
// members are walked as the item's are (from.emailAddress.address),
// without Get's parse of every member before the one asked for; equal
// keys are tried in turn, as gjson does.
func descend(v gjson.Result, path string) gjson.Result {
	if v.Type != gjson.JSON || v.Raw[0] != '{' {
		return v.Get(path)
	}
	key, rest, nested := strings.Cut(path, ".")
	if key == "" {
		return v.Get(path)
	}
	for i := 1; ; {
		m, next, ok := walk(v.Raw, i)
		if !ok {
			return gjson.Result{}
		}
		i = next
		if m.key != key {
			continue
		}
		w := valueOf(m.raw, m.off+v.Index)
		if !nested {
			return w
		}
		if w = descend(w, rest); w.Exists() {
			return w
		}
	}
}

// valueOf is gjson.Parse(raw) for the JSON value raw, found at index in
// the page, without Parse's byte-by-byte search for the end of a string
// whose end is known.
func valueOf(raw string, index int) gjson.Result {
	var v gjson.Result
	switch raw[0] {
	case '"':
		if strings.IndexByte(raw, '\\') >= 0 {
			v = gjson.Parse(raw)
			break
		}
		v = gjson.Result{Type: gjson.String, Raw: raw, Str: raw[1 : len(raw)-1]}
	case '{', '[':
		v = gjson.Result{Type: gjson.JSON, Raw: raw}
	case 't':
		if raw != "true" {
			return gjson.Parse(raw)
		}
		v = gjson.Result{Type: gjson.True, Raw: raw}
	case 'f':
		if raw != "false" {
			return gjson.Parse(raw)
		}
		v = gjson.Result{Type: gjson.False, Raw: raw}
	default:
		v = gjson.Parse(raw)
	}
	v.Index = index
	return v
}

// find returns the first member named key at or after position from in
// the item's members, walking on from where the last find stopped when it
// is not among the members walked already, and the position of the member
// found. The first of equal keys comes first, as in gjson.
func (f *fields) find(key string, from int) (member, int, bool) {
	for i := from; i < len(f.members); i++ {
		if f.members[i].key == key {
			return f.members[i], i, true
		}
	}
	for f.pos >= 0 {
		m, next, ok := walk(f.item.Raw, f.pos)
		if !ok {
			f.pos = -1
			break
		}
		f.pos = next
		f.members = append(f.members, m)
		f.own = f.members
		if m.key == key {
			return m, len(f.members) - 1, true
		}
	}
	return member{}, 0, false
}

// walk reads the member of the object raw at i, just after its '{' or the
// previous member, and returns it with the index just past it; false at the
// end of the object (or at JSON it cannot read, where gjson would stop too).
func walk(raw string, i int) (member, int, bool) {
	i = skipSpace(raw, i, true)
	if i >= len(raw) || raw[i] != '"' {
		return member{}, 0, false
	}
	end := stringEnd(raw, i)
	if end < 0 {
		return member{}, 0, false
	}
	key := raw[i+1 : end-1]
	if strings.IndexByte(key, '\\') >= 0 {
		key = gjson.Parse(raw[i:end]).Str
	}
	i = skipSpace(raw, end, false)
	if i >= len(raw) || raw[i] != ':' {
		return member{}, 0, false
	}
	i = skipSpace(raw, i+1, false)
	end = valueEnd(raw, i)
	if end < 0 {
		return member{}, 0, false
	}
	return member{key: key, raw: raw[i:end], off: i}, end, true
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
// (a '"'), or -1 when it does not end. It jumps from quote to quote: a quote
// ends the string unless an odd number of backslashes precedes it.
func stringEnd(s string, i int) int {
	for i++; ; i++ {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		n := 0
		for k := i - 1; s[k] == '\\'; k-- { // stops at the opening quote
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
	}
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

// elements yields the elements of a JSON array one by one, as
// gjson.Result.Array would give them, without first making the slice of
// them all (80 bytes each, 1,000 to a page) in a pass of its own. An object
// element's end is found by walking its members, which the row's fields
// then use as they are: each item is read once.
type elements struct {
	raw     string   // the array
	index   int      // the array's Index
	pos     int      // where the next element starts to be looked for; -1 at the end
	members []member // the last element's, when it is an object; nil else
	buf     []member // reused from element to element
}

// elementsOf returns the elements of a; none when a is not an array.
func elementsOf(a gjson.Result) elements {
	e := elements{raw: a.Raw, index: a.Index, pos: -1}
	if i := skipSpace(a.Raw, 0, false); a.Type == gjson.JSON && i < len(a.Raw) && a.Raw[i] == '[' {
		e.pos = i + 1
	}
	return e
}

// next returns the next element; false after the last. When the element
// is an object, e.members are its members until the next call.
func (e *elements) next() (gjson.Result, bool) {
	e.members = nil
	if e.pos < 0 {
		return gjson.Result{}, false
	}
	i := skipSpace(e.raw, e.pos, true)
	end := -1
	if i < len(e.raw) && e.raw[i] == '{' {
		end = e.object(i)
	}
	if end < 0 {
		e.members = nil
		end = valueEnd(e.raw, i)
	}
	if end < 0 {
		e.pos = -1 // the closing ']', or JSON it cannot read
		return gjson.Result{}, false
	}
	e.pos = end
	return valueOf(e.raw[i:end], i+e.index), true
}

// object walks the members of the object at i into e.members, and returns
// the index just past it; -1 when it cannot read it.
func (e *elements) object(i int) int {
	if e.buf == nil {
		e.buf = make([]member, 0, 16)
	}
	e.members = e.buf[:0]
	for j := i + 1; ; {
		m, next, ok := walk(e.raw, j)
		if !ok {
			j = skipSpace(e.raw, j, true)
			if j < len(e.raw) && e.raw[j] == '}' {
				e.buf = e.members
				return j + 1
			}
			return -1
		}
		m.off -= i // in the item, not the array
		e.members = append(e.members, m)
		j = next
	}
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
