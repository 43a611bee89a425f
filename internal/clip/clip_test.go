package clip

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	x200 := strings.Repeat("x", 200)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{x200, x200},
		{x200 + "y", x200 + "… (201 bytes)"},
		{strings.Repeat("x", 100_000), x200 + "… (100000 bytes)"},
		// A rune across byte 200 is left out whole.
		{strings.Repeat("x", 199) + "é" + "zz", strings.Repeat("x", 199) + "… (203 bytes)"},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%.20q… %d bytes) = %.40q… (%d bytes), want %.40q…", tc.in, len(tc.in), got, len(got), tc.want)
		}
	}
}

func TestMessage(t *testing.T) {
	short := "no such column: x"
	if got := Message(short); got != short {
		t.Errorf("Message(%q) = %q", short, got)
	}
	long := "no such column: " + strings.Repeat("x", 100_000) + " (hint)"
	got := Message(long)
	want := "no such column: " + strings.Repeat("x", 2048-16) + "… (100023 bytes) …" + strings.Repeat("x", 512-7) + " (hint)"
	if got != want {
		t.Errorf("Message: %d bytes %.80q…%q, want %d bytes", len(got), got, got[len(got)-40:], len(want))
	}
}
