package fakegraph

import (
	"testing"
	"time"
)

func testMessage() *Message {
	return &Message{
		ID:                      "AAMkAGI2TGuLAAA=idOne",
		Subject:                 "Let's meet — Café 50%",
		From:                    &Recipient{"Seán O'Brien", "Sean@Fabrikam.com"},
		ReceivedDateTime:        time.Date(2024, 3, 1, 9, 15, 0, 0, time.UTC),
		SentDateTime:            time.Date(2024, 3, 1, 9, 14, 0, 0, time.UTC),
		Importance:              "high",
		InferenceClassification: "focused",
		Flag:                    Flag{Status: "flagged"},
		Categories:              []string{"Red category", "VIP's"},
		ParentFolderID:          "FolderA",
		ToRecipients:            []Recipient{{"Adele", "adele@contoso.com"}},
	}
}

func TestFilterEvaluation(t *testing.T) {
	m := testMessage()
	cases := []struct {
		filter string
		want   bool
	}{
		{"isRead eq false", true},
		{"isRead eq true", false},
		{"isRead ne true", true},
		{"not(isRead eq true)", true},
		{"not (isRead eq false)", false},
		{"receivedDateTime ge 2024-03-01T09:15:00Z", true},
		{"receivedDateTime gt 2024-03-01T09:15:00Z", false},
		{"receivedDateTime eq 2024-03-01T10:15:00+01:00", true},
		{"receivedDateTime lt 2024-03-02", true},
		{"receivedDateTime lt 2024-03-01", false},
		{"ReceivedDateTime ge 2024-03-01 and receivedDateTime lt 2024-03-02", true},
		{"sentDateTime le 2024-03-01T09:14:00.000Z", true},
		{"subject eq 'let''s meet — café 50%'", true},
		{"subject eq 'Let''s meet'", false},
		{"Subject ne 'x'", true},
		{"startswith(subject,'LET''S')", true},
		{"startsWith(subject,'meet')", false},
		{"contains(subject,'CAFÉ 50')", true},
		{"contains(subject,'_')", false},
		{"subject gt 'a' and subject lt 'm'", true},
		{"from/emailAddress/address eq 'sean@fabrikam.com'", true},
		{"contains(from/emailAddress/name,'o''brien')", true},
		{"sender/emailAddress/address eq null", true},
		{"from/emailAddress/address ne null", true},
		{"importance eq 'HIGH'", true},
		{"importance eq 'low' or inferenceClassification eq 'focused'", true},
		{"flag/flagStatus eq 'flagged'", true},
		{"flag/flagStatus eq 'complete'", false},
		{"categories/any(c:c eq 'vip''s')", true},
		{"categories/any(c:c eq 'Blue category')", false},
		{"categories/any(c: c eq 'Blue category' or c eq 'red category')", true},
		{"(isRead eq true or importance eq 'high') and hasAttachments eq false", true},
		// and binds tighter than or
		{"isRead eq false or isRead eq true and importance eq 'low'", true},
		{"(isRead eq false or isRead eq true) and importance eq 'low'", false},
		{"id eq 'AAMkAGI2TGuLAAA=idOne'", true},
		{"id eq 'aamkagi2tgulaaa=idone'", false}, // ids are case-sensitive
		{"parentFolderId eq 'FolderA'", true},
		{"isDraft eq false and isReadReceiptRequested eq false", true},
	}
	for _, c := range cases {
		e, err := exchangeFilter(messageSchema, c.filter)
		if err != nil {
			t.Errorf("%s: unexpected error %v", c.filter, err)
			continue
		}
		if got, _ := e.eval(m, nil).(bool); got != c.want {
			t.Errorf("%s: got %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestFilterRejections(t *testing.T) {
	cases := []struct {
		filter, code string
	}{
		{"endswith(subject,'x')", "ErrorInvalidUrlQueryFilter"},
		{"subject in ('a','b')", "ErrorInvalidUrlQueryFilter"},
		{"toRecipients/any(r:r/emailAddress/address eq 'a@b.com')", "ErrorInvalidUrlQueryFilter"},
		{"ccRecipients/any(r:r/emailAddress/address eq 'a@b.com')", "ErrorInvalidUrlQueryFilter"},
		{"bccRecipients/any(r:r/emailAddress/address eq 'a@b.com')", "ErrorInvalidUrlQueryFilter"},
		{"contains(body/content,'x')", "ErrorInvalidUrlQueryFilter"},
		{"bodyPreview eq 'x'", "ErrorInvalidUrlQueryFilter"},
		{"contains(uniqueBody/content,'x')", "ErrorInvalidUrlQueryFilter"},
		{"internetMessageHeaders/any(h:h/name eq 'x')", "ErrorInvalidUrlQueryFilter"},
		{"'a' eq subject", "ErrorInvalidUrlQueryFilter"},
		{"subject eq from/emailAddress/name", "ErrorInvalidUrlQueryFilter"},
		{"isRead", "ErrorInvalidUrlQueryFilter"},
		{"isRead and isDraft eq true", "ErrorInvalidUrlQueryFilter"},
		{"tolower(subject) eq 'a'", "ErrorInvalidUrlQueryFilter"},
		{"categories/all(c:c eq 'x')", "ErrorInvalidUrlQueryFilter"},
		{"subject has 'x'", "ErrorInvalidUrlQueryFilter"},
		{"isJunk eq true", "RequestBroker--ParseUri"},
		{"from/emailAddress/foo eq 'x'", "RequestBroker--ParseUri"},
		{"foo(subject)", "RequestBroker--ParseUri"},
		{"receivedDateTime ge '2024-01-01T00:00:00Z'", "BadRequest"},
		{"receivedDateTime ge '2024-01-01'", "BadRequest"},
		{"subject eq 5", "BadRequest"},
		{"isRead eq 'true'", "BadRequest"},
		{"importance eq 'urgent'", "BadRequest"},
		{"from eq 'x'", "BadRequest"},
		{"categories eq 'x'", "BadRequest"},
		{"isRead eq", "BadRequest"},
		{"subject eq 'abc", "BadRequest"},
		{"subject eq 'a\x00b'", "BadRequest"},
		{"contains(subject,'\t')", "BadRequest"},
		{"startswith(subject,'a\x7f')", "BadRequest"},
		{"subject eq 'a' and", "BadRequest"},
		{"subject eq 'a' AND isRead eq true", "BadRequest"},
		{"(isRead eq true", "BadRequest"},
		{"isRead eq true)", "BadRequest"},
		{"subject eq 'a' & isRead", "BadRequest"},
		{"subject", "BadRequest"},
		{"", "BadRequest"},
		{"receivedDateTime ge 2024-13-01T00:00:00Z", "BadRequest"},
	}
	for _, c := range cases {
		_, err := exchangeFilter(messageSchema, c.filter)
		if err == nil {
			t.Errorf("%q: accepted, want %s", c.filter, c.code)
			continue
		}
		if err.code != c.code || err.status != 400 {
			t.Errorf("%q: got %d %s (%s), want 400 %s", c.filter, err.status, err.code, err.msg, c.code)
		}
	}
}

func TestFilterErrorMessages(t *testing.T) {
	cases := []struct{ filter, msg string }{
		{"receivedDateTime ge '2024-01-01'", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'."},
		{"isJunk eq true", "Could not find a property named 'isJunk' on type 'microsoft.graph.message'."},
		{"from/emailAddress/foo eq 'x'", "Could not find a property named 'foo' on type 'microsoft.graph.emailAddress'."},
		{"endswith(subject,'x')", "The query filter contains one or more invalid nodes."},
	}
	for _, c := range cases {
		_, err := exchangeFilter(messageSchema, c.filter)
		if err == nil || err.msg != c.msg {
			t.Errorf("%q: got %v, want message %q", c.filter, err, c.msg)
		}
	}
}

func TestInefficientFilterRule(t *testing.T) {
	cases := []struct {
		filter, orderby string
		ok              bool
	}{
		{"receivedDateTime ge 1900-01-01T00:00:00Z and from/emailAddress/address eq 'x@y'", "receivedDateTime desc", true},
		{"from/emailAddress/address eq 'x@y'", "receivedDateTime desc", false},
		{"from/emailAddress/address eq 'x@y' and receivedDateTime ge 1900-01-01T00:00:00Z", "receivedDateTime desc", false},
		{"receivedDateTime ge 2024-01-01 and receivedDateTime lt 2025-01-01 and isRead eq false", "receivedDateTime desc", true},
		{"importance eq 'high' and receivedDateTime ge 2024-01-01", "importance,receivedDateTime desc", true},
		{"receivedDateTime ge 2024-01-01 and importance eq 'high'", "importance,receivedDateTime desc", false},
		{"importance eq 'high'", "importance,receivedDateTime desc", false},
		{"startswith(subject,'test')", "receivedDateTime desc", false},
		{"startswith(subject,'test')", "subject", true},
		{"inferenceClassification eq 'focused'", "receivedDateTime desc", false},
		{"categories/any(c:c eq 'x') and isRead eq true", "categories", false}, // categories does not sort
	}
	for _, c := range cases {
		f, err := exchangeFilter(messageSchema, c.filter)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		keys, oerr := exchangeOrderBy(messageSchema, c.orderby)
		if oerr != nil {
			if c.ok {
				t.Errorf("%s / %s: orderby rejected: %v", c.filter, c.orderby, oerr)
			}
			continue
		}
		ierr := inefficient(f, keys)
		if (ierr == nil) != c.ok {
			t.Errorf("%s / %s: InefficientFilter=%v, want ok=%v", c.filter, c.orderby, ierr, c.ok)
		}
		if ierr != nil && ierr.code != "InefficientFilter" {
			t.Errorf("code %s", ierr.code)
		}
	}
}

func TestOrderBy(t *testing.T) {
	a := testMessage()
	b := testMessage()
	b.Subject = "apple"
	b.ReceivedDateTime = a.ReceivedDateTime.Add(time.Hour)
	b.From = nil
	cases := []struct {
		orderby string
		want    int // sign of lessBy(a, b)
	}{
		{"receivedDateTime", -1},
		{"receivedDateTime desc", 1},
		{"subject", 1}, // "Let's" > "apple" without case
		{"subject asc", 1},
		{"from/emailAddress/address", 1}, // null first
		{"from/emailAddress/address desc", -1},
		{"importance, receivedDateTime desc", 1},
	}
	for _, c := range cases {
		keys, err := exchangeOrderBy(messageSchema, c.orderby)
		if err != nil {
			t.Fatalf("%s: %v", c.orderby, err)
		}
		got := lessBy(keys, a, b)
		if got > 0 {
			got = 1
		} else if got < 0 {
			got = -1
		}
		if got != c.want {
			t.Errorf("%s: got %d, want %d", c.orderby, got, c.want)
		}
	}
	for _, bad := range []struct{ orderby, code string }{
		{"isJunk", "RequestBroker--ParseUri"},
		{"toRecipients", "BadRequest"},
		{"body/content", "BadRequest"},
		{"receivedDateTime up", "BadRequest"},
		{"from", "BadRequest"},
	} {
		if _, err := exchangeOrderBy(messageSchema, bad.orderby); err == nil || err.code != bad.code {
			t.Errorf("%s: got %v, want %s", bad.orderby, err, bad.code)
		}
	}
}
