// Package redact removes secrets (client secrets, tokens, passwords) from
// text that is about to be shown: error messages, logs, test output.
//
// A server may echo a secret back in the form it received it, so each
// secret is also found URL-encoded (query or path escaping, upper- or
// lower-case hex, even encoded twice) and JSON-escaped, wherever those
// forms differ from the secret itself.
//
// A secret of MinLength bytes or more is found in any letter case too. A
// secret shorter than MinLength is replaced only where it stands alone,
// with no letter or digit right before or after it: replacing "ab"
// everywhere would turn "unavailable" into "unav[redacted]ilable" and
// mangle the message, while such a short secret protects little anyway.
package redact

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "[redacted]"

// MinLength is the length (in bytes) from which a secret is replaced
// wherever it occurs, even inside a longer word.
const MinLength = 8

// String returns s with every occurrence of each secret, in any of its
// encoded forms, replaced by Mask. Empty secrets are ignored.
func String(s string, secrets ...string) string {
	type span struct{ from, to int }
	var spans []span
	for _, secret := range secrets {
		if secret == "" || s == "" {
			continue
		}
		re := pattern(secret)
		if len(secret) >= MinLength {
			// A server may echo a secret case-folded; a long secret is
			// still recognisable then, a short one would match words.
			re = regexp.MustCompile("(?i)" + re.String())
		}
		for _, m := range re.FindAllStringIndex(s, -1) {
			if len(secret) < MinLength && !alone(s, m[0], m[1]) {
				continue
			}
			spans = append(spans, span{m[0], m[1]})
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		if sp.to <= at {
			continue // inside a part already replaced
		}
		if sp.from >= at {
			b.WriteString(s[at:sp.from])
			b.WriteString(Mask)
		}
		at = sp.to
	}
	b.WriteString(s[at:])
	return b.String()
}

// alone reports whether s[from:to] has no letter or digit right before or
// after it.
func alone(s string, from, to int) bool {
	return (from == 0 || !alnum(s[from-1])) && (to == len(s) || !alnum(s[to]))
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// unreserved are the bytes URL escaping never changes (RFC 3986).
func unreserved(c byte) bool {
	return alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// pattern matches secret as written, URL-encoded in any way, or
// JSON-escaped.
func pattern(secret string) *regexp.Regexp {
	var b strings.Builder
	for _, r := range secret {
		enc := string(r)
		if len(enc) == 1 && unreserved(enc[0]) {
			b.WriteString(regexp.QuoteMeta(enc))
			continue
		}
		alts := []string{regexp.QuoteMeta(enc)}
		var pct strings.Builder
		for i := 0; i < len(enc); i++ {
			pct.WriteString("%(?:25)?" + hex(enc[i]))
		}
		alts = append(alts, pct.String())
		if len(enc) == 1 {
			alts = append(alts, `\\u00`+hex(enc[0]))
			switch enc[0] {
			case ' ': // "+" in a query, "%2B" once that is escaped again
				alts = append(alts, `\+`, "%(?:25)?"+hex('+'))
			case '/':
				alts = append(alts, `\\/`)
			case '"', '\\':
				alts = append(alts, `\\`+regexp.QuoteMeta(enc))
			}
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	return regexp.MustCompile(b.String())
}

// hex is a pattern for the two hex digits of c, in either case.
func hex(c byte) string {
	h := fmt.Sprintf("%02X", c)
	var b strings.Builder
	for i := 0; i < 2; i++ {
		if h[i] >= 'A' {
			b.WriteString("[" + h[i:i+1] + strings.ToLower(h[i:i+1]) + "]")
		} else {
			b.WriteByte(h[i])
		}
	}
	return b.String()
}

// URL returns u with the password of its user information, if any, shown as
// "xxxxx", as url.URL.Redacted does: https://user:xxxxx@host/path. It works
// on the text, so a URL that does not parse is redacted too.
func URL(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	auth := u[i+3:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return u
	}
	colon := strings.IndexByte(auth[:at], ':')
	if colon < 0 {
		return u
	}
	start := i + 3 + colon + 1
	return u[:start] + "xxxxx" + u[i+3+at:]
}
