package outlook

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestFieldsGet checks that fields.get returns what gjson's Get returns for
// every path a column may have, on items of every shape, whatever order the
// paths are asked in. (Where nothing is found, gjson's Index is noise: the
// position its search stopped at.)
func TestFieldsGet(t *testing.T) {
	items := []string{
		`{"@odata.etag":"W/\"CQAAABYAAAB\"","id":"AAMk=","subject":"Caf\u00e9 \"quoted\" \\ back","from":{"emailAddress":{"name":"A, B","address":"a@b.c"}},"receivedDateTime":"2024-01-02T03:04:05Z","isRead":true,"n":-1.5e3,"none":null,"toRecipients":[{"emailAddress":{"address":"x@y"}},{"emailAddress":{"address":"z@y"}}],"f":false}`,
		` { "id" : "1" , "subject":"}{][,:" ,"isRead" : false , "nested" : { "a" : [ 1 , { "b" : "]}" } ] } } `,
		`{"id":"dup","id":"second","k\u0065y":"escaped key","":"empty key"}`,
		`{"subject":"ends in a backslash \\","id":"x\\\"y\\\\","n":{"isRead":"\\\\\""}}`,
		`{}`,
		`[{"id":"in an array"}]`,
		`"a string"`,
		`12`,
		`{"id":"truncated"`,
		`{"id":"1","subject":}`,
	}
	paths := []string{
		"id", "subject", "from", "from.emailAddress", "from.emailAddress.address", "from.emailAddress.missing",
		"receivedDateTime", "isRead", "n", "none", "toRecipients", "toRecipients.#.emailAddress.address",
		"toRecipients.1.emailAddress.address", "f", "missing", "missing.deeper", "@odata\\.etag", "key", "nested.a.1.b", "nested.a",
		"from.", "from..address", ".id", "", "id.x", "isRead.x", "from.emailAddress.name.x", "nested.a.0",
	}
	for _, raw := range items {
		// As the cursor gets them: elements of a page's value array.
		page := gjson.Parse(`{"value":[` + raw + `]}`).Get("value").Array()
		item := gjson.Parse(raw)
		if len(page) == 1 {
			item = page[0]
		}
		// And as listSource gives them: with the members walked already.
		e := elementsOf(gjson.Parse(`[` + raw + `]`))
		walkedItem, _ := e.next()
		walked := e.members
		for _, tc := range []struct {
			order   []string
			item    gjson.Result
			members []member
		}{
			{paths, item, nil}, {reversed(paths), item, nil},
			{paths, walkedItem, walked}, {reversed(paths), walkedItem, walked},
		} {
			item, order := tc.item, tc.order
			var f fields
			f.resetWalked(item, tc.members)
			for _, p := range order {
				got, want := f.get(p), item.Get(p)
				if got.Type != want.Type || got.Raw != want.Raw || got.Str != want.Str || got.Num != want.Num || got.Exists() != want.Exists() || (want.Exists() && got.Index != want.Index) {
					t.Errorf("item %s, path %q: got %#v, want %#v", raw, p, got, want)
				}
			}
		}
	}
}

func reversed(s []string) []string {
	r := make([]string, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

// TestElements checks that elements yields what gjson's Array returns, one
// by one, for a page's value array of every shape.
func TestElements(t *testing.T) {
	for _, raw := range []string{
		`[]`,
		` [ ] `,
		`[{"id":"1","s":"a]b"},{"id":"2","n":{"x":[1,2,{"y":"}"}]}}]`,
		`[ {"id" : "1"} ,
		  {"id":"2\"]"} ]`,
		`[1,-2.5e3,"s","esc\"aped\u00e9",true,false,null,[],{},[[1],[2]]]`,
	} {
		page := gjson.Parse(`{"@odata.context":"x","value":` + raw + `}`).Get("value")
		want := page.Array()
		var got []gjson.Result
		for e := elementsOf(page); ; {
			v, ok := e.next()
			if !ok {
				break
			}
			got = append(got, v)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d elements, want %d", raw, len(got), len(want))
			continue
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Type != w.Type || g.Raw != w.Raw || g.Str != w.Str || g.Num != w.Num || g.Index != w.Index {
				t.Errorf("%s: element %d is %#v, want %#v", raw, i, g, w)
			}
		}
	}
	if _, ok := (&elements{pos: -1}).next(); ok {
		t.Error("the elements of nothing yield an element")
	}
}

// BenchmarkFields reads the five columns of BenchmarkScan100k's query from
// a page of 1,000 items as the cursor does: elements, then fields.get per
// column. b.N counts pages.
func BenchmarkFields(b *testing.B) {
	item := `{"@odata.etag":"W/\"CQAAABYAAACyGUOHvDmGQrMwCAAAAAA7\"","id":"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AshlDh7w5hkKzMAgAAAAAAAA=","subject":"Quarterly numbers \u2014 draft 3","from":{"emailAddress":{"name":"Adele Vance","address":"adelev@contoso.com"}},"receivedDateTime":"2024-03-01T09:15:00Z","isRead":false}`
	page := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('me')/messages","value":[` +
		item + strings.Repeat(","+item, 999) +
		`],"@odata.nextLink":"https://graph.microsoft.com/v1.0/me/messages?$skip=1000"}`
	value := gjson.Parse(page).Get("value")
	paths := []string{"id", "subject", "from.emailAddress.address", "receivedDateTime", "isRead"}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	var f fields
	sum := 0
	b.ResetTimer()
	for range b.N {
		for e := elementsOf(value); ; {
			it, ok := e.next()
			if !ok {
				break
			}
			f.resetWalked(it, e.members)
			for _, p := range paths {
				sum += len(f.get(p).Raw)
			}
		}
	}
	if sum == 0 {
		b.Fatal("read nothing")
	}
}
