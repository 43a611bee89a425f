package plan

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokens splits a $filter into OData tokens; a string literal comes back
// as "'" followed by its decoded value.
func tokens(f string) ([]string, bool) {
	var out []string
	for i := 0; i < len(f); {
		switch c := f[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, string(c))
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(f) {
					return nil, false // unterminated
				}
				if f[i] == '\'' {
					if i+1 < len(f) && f[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(f[i])
				i++
			}
			out = append(out, "'"+b.String())
		default:
			j := i
			for j < len(f) && !strings.ContainsRune(" (),'", rune(f[j])) {
				j++
			}
			out = append(out, f[i:j])
			i = j
		}
	}
	return out, true
}

// split parses a request URL into its path and query options, failing on
// anything a server would read differently from what was meant.
func split(t *testing.T, u string) (string, url.Values) {
	t.Helper()
	path, q, _ := strings.Cut(u, "?")
	if strings.ContainsAny(path, "?# ") {
		t.Fatalf("path %q has a reserved byte", path)
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatalf("query %q does not parse: %v", q, err)
	}
	for k, vs := range v {
		if len(vs) != 1 {
			t.Fatalf("option %s given %d times in %q", k, len(vs), u)
		}
	}
	return path, v
}

func scanOf(t *testing.T, q sqlQuery) *Scan {
	t.Helper()
	_, s, err := q.plan(t)
	if err != nil {
		t.Fatalf("Filter: %v", err)
	}
	return s
}

func wantTokens(t *testing.T, filter string, want ...string) {
	t.Helper()
	got, ok := tokens(filter)
	if !ok || strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("$filter %q: tokens %q, want %q", filter, got, want)
	}
}

// FuzzFilterLiteral checks that no text changes the shape of a request: a
// literal parses back to itself, a key stays one path segment, KQL stays
// the $search value.
func FuzzFilterLiteral(f *testing.F) {
	for _, s := range []string{"", "a", "it's", "''", "100%", "a_b", "x&$top=1", "a b+c", "#frag", "?q", "/x/../y",
		"..", ".", "$me", "ME", "%27", "é😀", "\x00\xff", `"\"\\`, "a;b", "(x) or (y)", " eq ", "'or'1'eq'1"} {
		f.Add(s)
	}
	defer func(n int) { maxURL = n }(maxURL)
	maxURL = 1 << 30 // shapes here, lengths in TestINListSplit
	f.Fuzz(func(t *testing.T, s string) {
		lit := "'" + s

		// A literal with a control character is never sent: SQLite checks it.
		control := hasControl(s)
		noFilter := func(what string, v url.Values) {
			t.Helper()
			if v.Has("$filter") {
				t.Fatalf("%s with %q pushed as %q", what, s, v.Get("$filter"))
			}
		}

		// subject = s
		_, v := split(t, scanOf(t, sqlQuery{t: messages, cons: []con{c("subject", eq, s)}}).Requests[0].URL)
		if control {
			noFilter("subject =", v)
		} else {
			wantTokens(t, v.Get("$filter"), "subject", "eq", lit)
			// $count=true: the first page of a listing that may be split
			if len(v) != 4 || v.Get("$select") != "id" || v.Get("$top") != "1000" || v.Get("$count") != "true" {
				t.Fatalf("options %v", v)
			}
		}

		// subject IN ('a', s)
		_, v = split(t, scanOf(t, sqlQuery{t: messages, cons: []con{c("subject", eq, in("a", s)).IN()}}).Requests[0].URL)
		switch {
		case s == "a":
			wantTokens(t, v.Get("$filter"), "subject", "eq", "'a")
		case control:
			noFilter("subject IN", v)
		default:
			wantTokens(t, v.Get("$filter"), "(", "subject", "eq", "'a", "or", "subject", "eq", lit, ")")
		}

		// users: department IN ('a', s)
		_, v = split(t, scanOf(t, sqlQuery{t: users, cons: []con{c("department", eq, in("a", s)).IN()}}).Requests[0].URL)
		switch {
		case control:
			noFilter("department IN", v)
		case s != "a":
			wantTokens(t, v.Get("$filter"), "department", "in", "(", "'a", ",", lit, ")")
		}

		// subject LIKE '%s%': SQLite ends a pattern at its first NUL.
		_, v = split(t, scanOf(t, sqlQuery{t: messages, cons: []con{c("subject", like, "%"+s+"%")}}).Requests[0].URL)
		pat := "%" + s + "%"
		if i := strings.IndexByte(pat, 0); i >= 0 {
			pat = pat[:i]
		}
		core := strings.Trim(pat, "%")
		// With inner wildcards, the longest literal run pre-filters.
		longest := ""
		for _, run := range strings.FieldsFunc(core, func(r rune) bool { return r == '%' || r == '_' }) {
			if len(run) > len(longest) {
				longest = run
			}
		}
		if longest == "" || hasControl(longest) {
			if v.Has("$filter") {
				t.Fatalf("LIKE %q pushed as %q", s, v.Get("$filter"))
			}
		} else {
			wantTokens(t, v.Get("$filter"), "contains", "(", "subject", ",", "'"+longest, ")")
		}

		// user_id = s: one path segment, or an error for what cannot be one.
		_, sc, err := sqlQuery{t: messages, cons: []con{c("user_id", eq, s)}}.plan(t)
		switch {
		case s == "" || s == "." || s == "..":
			if err == nil {
				t.Fatalf("user_id %q accepted", s)
			}
		case err != nil:
			t.Fatalf("user_id %q: %v", s, err)
		default:
			r := sc.Requests[0]
			path, _ := split(t, r.URL)
			if path != r.MailboxPath+"/messages" {
				t.Fatalf("path %q, mailbox path %q", path, r.MailboxPath)
			}
			if strings.EqualFold(s, "me") {
				if r.MailboxPath != "/me" {
					t.Fatalf("me → %q", r.MailboxPath)
				}
				break
			}
			seg, ok := strings.CutPrefix(r.MailboxPath, "/users/")
			if s[0] == '$' {
				inner, ok2 := strings.CutPrefix(r.MailboxPath, "/users('")
				inner, ok3 := strings.CutSuffix(inner, "')")
				if !ok2 || !ok3 || strings.ContainsAny(inner, "/'?#") {
					t.Fatalf("$ UPN %q → %q", s, r.MailboxPath)
				}
				dec, err := url.PathUnescape(inner)
				if err != nil || strings.ReplaceAll(dec, "''", "'") != s {
					t.Fatalf("$ UPN %q → %q decodes to %q", s, r.MailboxPath, dec)
				}
				break
			}
			if !ok || strings.ContainsAny(seg, "/?#'") {
				t.Fatalf("user_id %q → %q", s, r.MailboxPath)
			}
			if dec, err := url.PathUnescape(seg); err != nil || dec != s {
				t.Fatalf("user_id %q → segment %q decodes to %q", s, seg, dec)
			}
		}

		// search = s: the value is exactly the KQL, quoted.
		_, sc, err = sqlQuery{t: messages, cons: []con{c("search", eq, s)}}.plan(t)
		if strings.TrimSpace(s) == "" {
			if err == nil {
				t.Fatalf("empty search %q accepted", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		_, v = split(t, sc.Requests[0].URL)
		kql := v.Get("$search")
		if len(kql) < 2 || kql[0] != '"' || kql[len(kql)-1] != '"' {
			t.Fatalf("$search %q", kql)
		}
		var b strings.Builder
		for i := 1; i < len(kql)-1; i++ {
			switch kql[i] {
			case '\\':
				i++
				b.WriteByte(kql[i])
			case '"':
				t.Fatalf("$search %q: unescaped quote", kql)
			default:
				b.WriteByte(kql[i])
			}
		}
		if b.String() != s {
			t.Fatalf("$search %q is %q, want %q", kql, b.String(), s)
		}
	})
}

// FuzzDateBound checks the smallest canonical date >= s against its
// definition: canonical, >= s, and the second before it < s.
func FuzzDateBound(f *testing.F) {
	for _, s := range []string{"", "2", "2024", "2024-02-29", "2023-02-29", "2024-13", "2024-1", "2024-03-01T09:00:00Z",
		"2024-03-01T09:00:00Z\x00", "2024-12-31T23:59:59Z\x00", "9999-12-31T23:59:59Z\x00", "A", "2024-03-01t", "2024-03-01T24",
		"2024-03-01 09:00", "0000-00", "1999-12-31T23:59:60Z", "2024-04-31"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, nocase bool) {
		// SQLite's NOCASE folds ASCII bytes.
		key := func(x string) string {
			if !nocase {
				return x
			}
			b := []byte(x)
			for i := range b {
				b[i] = lowerASCII(b[i])
			}
			return string(b)
		}
		ks := key(s)
		d, ok := dateAtLeast(s, nocase)
		if !ok {
			if m := "9999-12-31T23:59:59Z"; key(m) >= ks {
				t.Fatalf("%q: none found, but %s >= it", s, m)
			}
			return
		}
		if !canonicalDate(d) {
			t.Fatalf("%q: %q is not canonical", s, d)
		}
		if key(d) < ks {
			t.Fatalf("%q: %q is smaller", s, d)
		}
		tm, _ := time.Parse(dateLayout, d)
		if tm.Year() > 0 || tm.YearDay() > 1 || tm.Hour()+tm.Minute()+tm.Second() > 0 {
			prev := tm.Add(-time.Second).Format(dateLayout)
			if key(prev) >= ks {
				t.Fatalf("%q: %q is not the smallest, %q is >= too", s, d, prev)
			}
		}
	})
}
