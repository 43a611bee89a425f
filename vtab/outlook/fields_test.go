package outlook

import (
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
	}
	for _, raw := range items {
		// As the cursor gets them: elements of a page's value array.
		page := gjson.Parse(`{"value":[` + raw + `]}`).Get("value").Array()
		item := gjson.Parse(raw)
		if len(page) == 1 {
			item = page[0]
		}
		for _, order := range [][]string{paths, reversed(paths)} {
			var f fields
			f.reset(item)
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
