package config

import (
	"fmt"
	"strings"
)

// pair is one Key=Value of a connection string, with the key in its
// canonical spelling.
type pair struct {
	key    string
	value  string
	braced bool // the value was written in braces
}

// split cuts a connection string into pairs, unbracing values and checking
// that every key is known and given once.
func split(s string) ([]pair, error) {
	var pairs []pair
	seen := map[string]bool{}
	for i, n := 0, 1; i < len(s); n++ {
		end := strings.IndexAny(s[i:], "=;")
		if end < 0 || s[i+end] == ';' {
			// A segment without "=": empty ones (";;", a trailing ";") are fine.
			seg := s[i:]
			if end >= 0 {
				seg = s[i : i+end]
				i += end + 1
			} else {
				i = len(s)
			}
			seg = strings.TrimSpace(seg)
			if seg == "" {
				continue
			}
			if err := afterSecret(pairs); err != nil {
				return nil, err
			}
			// The text is not shown: it may be a piece of a secret.
			if k, ok := canonical(seg); ok {
				return nil, fmt.Errorf("%s: missing \"=\" after the key (write %s=…)", k, k)
			}
			if k, ok := keyPrefix(seg); ok {
				return nil, fmt.Errorf("%s: missing \"=\" after the key (write %s=…)", k, k)
			}
			return nil, fmt.Errorf("pair %d has no \"=\"; write Key=Value pairs separated by \";\"", n)
		}
		raw := strings.TrimSpace(s[i : i+end])
		if raw == "" {
			return nil, fmt.Errorf("pair %d has an empty key; write Key=Value pairs separated by \";\"", n)
		}
		key, ok := canonical(raw)
		if !ok {
			// A misspelt key reads as one even after an unbraced secret:
			// name the key meant rather than suspect the secret.
			if near := nearest(raw); near != "" && lettersOnly(raw) {
				return nil, fmt.Errorf("unknown key %s (did you mean %s?)", showKey(raw), near)
			}
			if err := afterSecret(pairs); err != nil {
				return nil, err
			}
			if k, ok := keyPrefix(raw); ok {
				// Such as "ClientSecret:abc=…": do not show what follows the key.
				return nil, fmt.Errorf("unknown key starting with %s (write %s=…)", k, k)
			}
			msg := fmt.Sprintf("unknown key %s", showKey(raw))
			if near := nearest(raw); near != "" {
				return nil, fmt.Errorf("%s (did you mean %s?)", msg, near)
			}
			return nil, fmt.Errorf("%s; the keys are %s", msg, strings.Join(names(), ", "))
		}
		if seen[key] {
			return nil, fmt.Errorf("key %s is given twice (keys are case-insensitive)", key)
		}
		seen[key] = true
		value, next, braced, err := readValue(s, i+end+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		i = next
		pairs = append(pairs, pair{key: key, value: value, braced: braced})
	}
	return pairs, nil
}

// ReadValue reads the value of a pair that starts at s[i] (just past its
// "="), up to the next ";" or the end: braced values lose their braces and
// "}}" stands for "}". It returns the value and the index just past the
// ";", or an error for unbalanced braces. Other readers of connection
// strings (profiles) use it so that both read values alike.
func ReadValue(s string, i int) (value string, next int, err error) {
	value, next, _, err = readValue(s, i)
	return value, next, err
}

// readValue is ReadValue that also says whether the value was braced.
func readValue(s string, i int) (value string, next int, braced bool, err error) {
	j := i
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n') {
		j++
	}
	if j == len(s) || s[j] != '{' {
		end := strings.IndexByte(s[i:], ';')
		if end < 0 {
			return strings.TrimSpace(s[i:]), len(s), false, nil
		}
		return strings.TrimSpace(s[i : i+end]), i + end + 1, false, nil
	}
	var b strings.Builder
	for k := j + 1; k < len(s); k++ {
		if s[k] != '}' {
			b.WriteByte(s[k])
			continue
		}
		if k+1 < len(s) && s[k+1] == '}' {
			b.WriteByte('}')
			k++
			continue
		}
		// The closing brace: only white space may follow before ";".
		rest := s[k+1:]
		end := strings.IndexByte(rest, ';')
		next = len(s)
		if end >= 0 {
			rest, next = rest[:end], k+1+end+1
		}
		if strings.TrimSpace(rest) != "" {
			return "", 0, false, fmt.Errorf("unexpected text after the closing \"}\" of a braced value; write a literal \"}\" as \"}}\"")
		}
		return b.String(), next, true, nil
	}
	return "", 0, false, fmt.Errorf("unbalanced braces: the value starts with \"{\" but has no closing \"}\"; write a literal \"}\" as \"}}\"")
}

// afterSecret explains a broken segment that follows an unbraced
// ClientSecret: the secret most likely contained ";". Nothing of the segment
// is shown, since it is probably part of the secret.
func afterSecret(pairs []pair) error {
	if len(pairs) == 0 {
		return nil
	}
	last := pairs[len(pairs)-1]
	if last.key != "ClientSecret" || last.braced {
		return nil
	}
	return fmt.Errorf("text after ClientSecret is not a Key=Value pair: if the secret contains \";\", wrap it in braces: ClientSecret={…} (write a literal \"}\" as \"}}\"); otherwise check the spelling of the key after it (the keys are %s)", strings.Join(names(), ", "))
}

// canonical returns the canonical spelling of a key, ignoring case.
func canonical(raw string) (string, bool) {
	for _, k := range keys {
		if strings.EqualFold(k.Name, raw) {
			return k.Name, true
		}
	}
	return "", false
}

// keyPrefix returns the key that text starts with when a character that
// cannot be part of a key follows it ("ClientSecret abc").
func keyPrefix(text string) (string, bool) {
	for _, k := range keys {
		if len(text) <= len(k.Name) || !strings.EqualFold(text[:len(k.Name)], k.Name) {
			continue
		}
		c := text[len(k.Name)]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return k.Name, true
		}
	}
	return "", false
}

// showKey quotes a key for an error message, unless it looks like a token.
func showKey(k string) string {
	if looksLikeToken(k) {
		return "(a key not shown: it looks like a secret)"
	}
	return show(k)
}

// names returns the canonical names of all keys.
func names() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

// Nearest returns the connection-string key that raw, an unknown key,
// probably meant (the same letters once case, "_", "-", "." and spaces are
// ignored, or within edit distance 2), or "" when none is near.
func Nearest(raw string) string { return nearest(raw) }

// nearest returns the key that raw probably meant: the same letters once
// case, "_", "-", "." and spaces are ignored, or within edit distance 2.
func nearest(raw string) string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case '_', '-', '.', ' ', '\t':
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	n := norm(raw)
	best, bestD := "", 3
	for _, k := range keys {
		d := distance(n, norm(k.Name))
		if d < bestD {
			best, bestD = k.Name, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lettersOnly reports whether s is made of ASCII letters, as every key is.
func lettersOnly(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return s != ""
}
