package fakegraph

import "testing"

// TestMaxPageBytes checks the 504 knob: a page over the byte limit answers
// 504 UnknownError, a smaller page of the same listing is served whole, and
// the limit can be lifted on a running server.
func TestMaxPageBytes(t *testing.T) {
	s, tok := startDemo(t)
	const big = "/me/messages?$select=id,body&$top=20"
	const small = "/me/messages?$select=id,body&$top=2"
	full := get(t, s, tok, big)
	if full.status != 200 {
		t.Fatalf("without a limit: %d %s", full.status, full.body)
	}
	limit := len(full.body) - 1
	s.SetMaxPageBytes(limit)
	r := get(t, s, tok, big)
	if r.status != 504 || r.errCode() != "UnknownError" {
		t.Errorf("a page of %d bytes over a limit of %d: %d %q, want 504 UnknownError", len(full.body), limit, r.status, r.errCode())
	}
	r = get(t, s, tok, small)
	if r.status != 200 || len(r.value()) != 2 || len(r.body) > limit {
		t.Errorf("a smaller page: %d with %d items (%d bytes), want 200 with 2", r.status, len(r.value()), len(r.body))
	}
	att := "/me/messages/" + r.value()[0]["id"].(string) + "/attachments?$select=id"
	s.SetMaxPageBytes(10)
	if r := get(t, s, tok, att); r.status != 504 {
		t.Errorf("attachments page over 10 bytes: %d, want 504", r.status)
	}
	s.SetMaxPageBytes(0)
	if r := get(t, s, tok, big); r.status != 200 || len(r.value()) != 20 {
		t.Errorf("limit lifted: %d with %d items", r.status, len(r.value()))
	}
}

// TestExpandTop: messages?$expand=attachments takes Graph's $top range for
// messages, 1..1000 (Graph documents no smaller cap for it; the 100-item
// cap of $expand is for directory objects), as a plain listing does.
func TestExpandTop(t *testing.T) {
	tn := Generate(GenConfig{Seed: 2, Users: 1, MessagesPerUser: 1100})
	s := New(tn)
	t.Cleanup(s.Close)
	tok := s.IssueAccessToken(tn.Users[0].UserPrincipalName)
	const path = "/me/messages?$select=id&$expand=attachments($select=id)&$top="
	if r := get(t, s, tok, path+"1000"); r.status != 200 || len(r.value()) != 1000 || r.json["@odata.nextLink"] == nil {
		t.Errorf("$top=1000: %d with %d items", r.status, len(r.value()))
	}
	if r := get(t, s, tok, path+"1001"); r.status != 400 || r.errCode() != "BadRequest" {
		t.Errorf("$top=1001: %d %s, want 400 BadRequest", r.status, r.errCode())
	}
}
