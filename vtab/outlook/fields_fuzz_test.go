package outlook

import (
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// FuzzFieldsGet: for any item (valid JSON) and any dotted path,
// fields.get, fresh or with members walked by elements, gives what
// gjson.Get gives; elements gives what gjson's Array gives.
func FuzzFieldsGet(f *testing.F) {
	for _, s := range []struct{ item, path string }{
		{`{"id":"1","subject":"Caf\u00e9 \ud83c\udfb8","from":{"emailAddress":{"address":"a@b"}}}`, "from.emailAddress.address"},
		{`{"id":"dup","id":"second"}`, "id"},
		{`{"k\u0065y":1,"n":12345678901234567890123}`, "key"},
		{`{"a":{},"b":[],"c":"","d":null}`, "a.x"},
		{`{"a" : { "b" : [ 1 , { "c" : "]}" } ] } }`, "a.b.1.c"},
		{`{"s":"\\\\\"","t":"x"}`, "t"},
	} {
		f.Add(s.item, s.path)
	}
	f.Fuzz(func(t *testing.T, raw, path string) {
		// Pages are checked to be JSON before any row is read
		// (graph.Pager); on invalid JSON gjson guesses.
		// Column paths are dotted names, none empty (".." is gjson's
		// JSON Lines syntax). Items are objects (gjson reads paths in a
		// bare string oddly).
		if !plainPath(path) || path == "" || slices.Contains(strings.Split(path, "."), "") || !gjson.Valid(raw) || !gjson.Parse(raw).IsObject() {
			return
		}
		item := gjson.Parse(raw)
		var fs fields
		fs.reset(item)
		same := func(what string, got, want gjson.Result) {
			if got.Type != want.Type || got.Raw != want.Raw || got.Str != want.Str || got.Num != want.Num || got.Exists() != want.Exists() || (want.Exists() && got.Index != want.Index) {
				t.Fatalf("%s: item %q, path %q: got %#v, want %#v", what, raw, path, got, want)
			}
		}
		same("fresh", fs.get(path), item.Get(path))
		arr := gjson.Parse("[" + raw + "]")
		want := arr.Array()
		e := elementsOf(arr)
		v, ok := e.next()
		if !ok || len(want) != 1 {
			t.Fatalf("item %q: elements gave %v, gjson %d elements", raw, ok, len(want))
		}
		same("element", v, want[0])
		var fw fields
		fw.resetWalked(v, e.members)
		same("walked", fw.get(path), v.Get(path))
	})
}

// TestFieldsGetDuplicateKeys: with equal keys, gjson takes the first
// member that holds the rest of the path, not merely the first of that
// name; fields.get does the same, fresh and with members walked.
func TestFieldsGetDuplicateKeys(t *testing.T) {
	for _, c := range []struct{ item, path string }{
		{`{"from":"x","from":{"emailAddress":{"address":"a"}}}`, "from.emailAddress.address"},
		{`{"from":{"e":1},"from":{"emailAddress":{"address":"a"}}}`, "from.emailAddress.address"},
		{`{"from":{"emailAddress":null,"emailAddress":{"address":"b"}}}`, "from.emailAddress.address"},
		{`{"from":null,"id":"1","from":{"emailAddress":{"address":"c"}}}`, "from.emailAddress.address"},
		{`{"a":[1],"a":{"b":2}}`, "a.b"},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":{"b":1},"a":{"b":2}}`, "a.b"},
		{`{"from":null}`, "from.emailAddress.address"},
	} {
		want := gjson.Get(c.item, c.path)
		var fs fields
		fs.reset(gjson.Parse(c.item))
		got := fs.get(c.path)
		e := elementsOf(gjson.Parse("[" + c.item + "]"))
		v, _ := e.next()
		var fw fields
		fw.resetWalked(v, e.members)
		walked := fw.get(c.path)
		if got.Raw != want.Raw || walked.Raw != want.Raw || got.Exists() != want.Exists() {
			t.Errorf("%s %s: fields %q (walked %q), gjson %q", c.item, c.path, got.Raw, walked.Raw, want.Raw)
		}
	}
}
