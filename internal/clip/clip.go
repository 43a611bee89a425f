// Package clip shortens the user values and server messages that errors
// quote, so that a 100 KB literal or error body does not flood a terminal
// or a log. Redact secrets before clipping: a secret cut in two no longer
// matches.
package clip

import (
	"fmt"
	"unicode/utf8"
)

// Max is how many bytes of a quoted value an error keeps.
const Max = 200

// String returns s when it has at most Max bytes; else its first Max bytes
// (cut at a rune boundary), "…" and the length of s: "xxxx… (100000 bytes)".
func String(s string) string {
	if len(s) <= Max {
		return s
	}
	cut := Max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// Message shortens a whole error message that is longer than 4 KB: it
// keeps the first 2 KB and the last 512 bytes, where the advice usually
// is, around "… (N bytes) …". It is the last guard, for messages that
// quote a value nobody clipped (such as SQLite's "no such column: …").
func Message(s string) string {
	const limit, head, tail = 4096, 2048, 512
	if len(s) <= limit {
		return s
	}
	h, t := head, len(s)-tail
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return fmt.Sprintf("%s… (%d bytes) …%s", s[:h], len(s), s[t:])
}
