package plan

import "time"

// Dates are TEXT in SQLite, always in Graph's canonical form
// "YYYY-MM-DDTHH:MM:SSZ", and SQLite compares them as strings. For canonical
// strings text order is time order, so a comparison with ANY string s selects
// a time range: the canonical strings >= s are exactly those >= the smallest
// canonical string >= s. The functions here find that string, which turns
// `received_date_time >= '2024-03'` into `receivedDateTime ge
// 2024-03-01T00:00:00Z` without ever dropping a row SQLite would keep.

const dateLayout = "2006-01-02T15:04:05Z"

// dateShape is the canonical form: 'd' is a digit, anything else itself.
const dateShape = "dddd-dd-ddTdd:dd:ddZ"

// minDate is the earliest time pushed to Graph (Exchange has no earlier
// dates); a bound before it is left to SQLite.
var minDate = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)

// canonicalDate reports whether s is a date exactly as Graph writes one.
func canonicalDate(s string) bool {
	if len(s) != len(dateShape) {
		return false
	}
	t, err := time.Parse(dateLayout, s)
	return err == nil && t.Format(dateLayout) == s
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// charRange is the bytes allowed at position i of a canonical date (in
// lower case for NOCASE comparisons).
func charRange(i int, nocase bool) (lo, hi byte) {
	c := dateShape[i]
	if c == 'd' {
		return '0', '9'
	}
	if nocase {
		c = lowerASCII(c)
	}
	return c, c
}

func num(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// fieldOK checks the field that ends at position j of a date being built.
func fieldOK(b []byte, j int) bool {
	switch j {
	case 6:
		m := num(b[5:7])
		return m >= 1 && m <= 12
	case 9:
		d := num(b[8:10])
		y, m := num(b[0:4]), num(b[5:7])
		return d >= 1 && d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	case 12:
		return num(b[11:13]) <= 23
	case 15:
		return num(b[14:16]) <= 59
	case 18:
		return num(b[17:19]) <= 59
	}
	return true
}

// completeDate returns the smallest canonical date (as compared under
// nocase) that starts with prefix.
func completeDate(prefix []byte, nocase bool) (string, bool) {
	b := make([]byte, len(dateShape))
	var fill func(j int) bool
	fill = func(j int) bool {
		if j == len(b) {
			return true
		}
		lo, hi := charRange(j, nocase)
		if j < len(prefix) {
			if prefix[j] < lo || prefix[j] > hi {
				return false
			}
			lo, hi = prefix[j], prefix[j]
		}
		for c := lo; c <= hi; c++ {
			b[j] = c
			if fieldOK(b, j) && fill(j+1) {
				return true
			}
		}
		return false
	}
	if !fill(0) {
		return "", false
	}
	b[10], b[19] = 'T', 'Z'
	return string(b), true
}

// dateAtLeast returns the smallest canonical date d with d >= s, comparing
// as SQLite does with BINARY or, when nocase, NOCASE (ASCII case folded).
func dateAtLeast(s string, nocase bool) (string, bool) {
	k := []byte(s)
	if nocase {
		for i := range k {
			k[i] = lowerASCII(k[i])
		}
	}
	n := len(dateShape)
	for i := min(len(k), n); i >= 0; i-- {
		if i == len(k) {
			// d starts with all of s.
			if d, ok := completeDate(k, nocase); ok {
				return d, true
			}
			continue
		}
		if i == n {
			continue
		}
		// d shares s[:i] and is greater at position i.
		lo, hi := charRange(i, nocase)
		if k[i] >= hi {
			continue
		}
		for c := max(lo, k[i]+1); c <= hi; c++ {
			p := append(k[:i:i], c)
			if d, ok := completeDate(p, nocase); ok {
				return d, true
			}
		}
	}
	return "", false
}

// dateAbove returns the smallest canonical date d with d > s.
func dateAbove(s string, nocase bool) (string, bool) {
	return dateAtLeast(s+"\x00", nocase)
}

// pushableDate reports whether a canonical date may be sent to Graph.
func pushableDate(d string) bool {
	t, err := time.Parse(dateLayout, d)
	return err == nil && !t.Before(minDate)
}
