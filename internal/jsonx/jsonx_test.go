package jsonx

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`"\/`, `"\"\\/"`},
		{"\b\f\n\r\t\x00\x1f\x7f", `"\u0008\u000c\n\r\t\u0000\u001f` + "\x7f" + `"`},
		{"<a&b>", `"<a&b>"`},
		{"日本語 😀 e\u0301", `"日本語 😀 e` + "\u0301" + `"`},
		{"a\u2028b\u2029c", `"a\u2028b\u2029c"`},
		{"x\xffy\xe2\x82", `"x\ufffdy\ufffd\ufffd"`},
	} {
		got := string(AppendString([]byte("pre:"), tc.in))
		if got != "pre:"+tc.want {
			t.Errorf("AppendString(%q) = %s, want pre:%s", tc.in, got, tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(tc.want), &back); err != nil {
			t.Errorf("%s does not parse: %v", tc.want, err)
		}
	}
}

// FuzzAppendString: the output is always JSON that reads back as s (with
// invalid UTF-8 replaced, as encoding/json does).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, out, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q -> %s reads back as %q, want %q", s, out, back, wantBack)
		}
	})
}
