package fakegraph

import (
	"slices"
	"testing"
)

// TestPageCap checks WithPageCap: every listing pages by at most the cap,
// whatever $top asks, and following nextLink still yields every item once.
func TestPageCap(t *testing.T) {
	capped, tok := startDemo(t, WithPageCap(7))
	plain, tok2 := startDemo(t)
	for _, path := range []string{
		"/me/messages?$select=id&$top=50",
		"/me/messages?$select=id&$top=3",
		"/me/mailFolders?$top=50",
		"/users?$select=id&$top=50",
		"/me/messages?$select=id&$expand=attachments($select=id)&$filter=hasAttachments%20eq%20true&$top=50",
	} {
		r := get(t, capped, tok, path)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		want := all(t, plain, tok2, path)
		page := len(get(t, plain, tok2, path).value())
		if n := len(r.value()); n != min(7, page) {
			t.Errorf("%s: first page holds %d items, want %d", path, n, min(7, page))
		}
		if _, more := r.json["@odata.nextLink"]; more != (len(want) > len(r.value())) {
			t.Errorf("%s: nextLink %v with %d of %d items", path, more, len(r.value()), len(want))
		}
		if got := ids(all(t, capped, tok, path)); !slices.Equal(got, ids(want)) {
			t.Errorf("%s: %d items through the pages, want %d", path, len(got), len(want))
		}
	}
}
