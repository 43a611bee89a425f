package graph

import (
	"testing"

	"github.com/tidwall/gjson"
)

// TestHasNextLink checks hasNextLink against gjson on pages of every shape,
// and that the shortcut from the end answers for the pages Graph sends.
func TestHasNextLink(t *testing.T) {
	for _, tc := range []struct {
		body     string
		shortcut bool // endsWithNextLink answers alone
	}{
		{`{"@odata.context":"c","value":[{"id":"1"}],"@odata.nextLink":"https://g/v1.0/me/messages?$skip=10"}`, true},
		{" {\n \"value\" : [] ,\n \"@odata.nextLink\" :\t\"x\" \n} \n", true},
		{`{"@odata.nextLink":"only"}`, true},
		{`{"value":[],"@odata.nextLink":"esc\"aped\\"}`, true},
		{`{"value":[{"id":"1"}]}`, false},
		{`{"@odata.nextLink":"first","value":[]}`, false},
		{`{"value":[{"@odata.nextLink":"nested"}]}`, false},
		{`{"a":{"@odata.nextLink":"nested"}}`, false},
		{`{"s":"a\",\"@odata.nextLink\":\"x"}`, false},
		{`{"value":[],"@odata.nextLink":null}`, false},
		{`{"value":[],"@odata.deltaLink":"d"}`, false},
		{`{"value":[],"x@odata.nextLink":"d"}`, false},
		{`["@odata.nextLink","x"]`, false},
		{`{}`, false},
		{``, false},
		{`"@odata.nextLink":"x"}`, false},
	} {
		want := gjson.Get(tc.body, `@odata\.nextLink`).Exists()
		if got := hasNextLink([]byte(tc.body)); got != want {
			t.Errorf("hasNextLink(%s) = %v, want %v (gjson)", tc.body, got, want)
		}
		if got := endsWithNextLink([]byte(tc.body)); got != tc.shortcut {
			t.Errorf("endsWithNextLink(%s) = %v, want %v", tc.body, got, tc.shortcut)
		}
	}
}
