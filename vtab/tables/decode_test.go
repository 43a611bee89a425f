package tables

import (
	"reflect"
	"testing"

	"github.com/tidwall/gjson"
)

// TestColumnValue: every column type decodes Graph JSON as SCHEMA.md says,
// the way the cursor returns it (and sync and writes will).
func TestColumnValue(t *testing.T) {
	tests := []struct {
		typ  Type
		json string
		want any
	}{
		{Text, `"a\u00e9"`, "aé"},
		{Enum, `"high"`, "high"},
		{Integer, `42`, int64(42)},
		{Bool, `true`, int64(1)},
		{Bool, `false`, int64(0)},
		{Date, `"2024-03-01T09:15:00Z"`, "2024-03-01T09:15:00Z"},
		{Date, `"2024-03-01T10:15:00.1234567+01:00"`, "2024-03-01T09:15:00Z"},
		{Recipients, `[{"emailAddress":{"name":"Bo \"B\"","address":"bo@x.com"}},{"emailAddress":{"address":"c@x.com"}}]`,
			`[{"name":"Bo \"B\"","address":"bo@x.com"},{"name":null,"address":"c@x.com"}]`},
		{JSON, `[ "a\/b", {"k" : 1} ]`, `["a/b",{"k":1}]`},
		{Kind, `"#microsoft.graph.itemAttachment"`, "item"},
		{Blob, `"aGVsbG8="`, []byte("hello")},
		{Text, `null`, nil},
	}
	for _, tt := range tests {
		c := Column{Name: "c", Type: tt.typ}
		got, err := c.Value(gjson.Parse(tt.json))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("type %d, %s: got %#v, %v; want %#v", tt.typ, tt.json, got, err, tt.want)
		}
	}
	if got, err := (&Column{Name: "c", Type: Text}).Value(gjson.Result{}); got != nil || err != nil {
		t.Errorf("missing value: got %#v, %v; want nil", got, err)
	}
	if _, err := (&Column{Name: "content", Type: Blob}).Value(gjson.Parse(`"%%"`)); err == nil || err.Error()[:len("content: Graph sent invalid base64")] != "content: Graph sent invalid base64" {
		t.Errorf("bad base64: got %v", err)
	}
}
