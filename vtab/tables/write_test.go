package tables

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	col := func(name string) *Column { return &Messages.Columns[Messages.Column(name)] }
	tests := []struct {
		col  string
		in   any
		want string // JSON of the encoded value, or the error's text
	}{
		{"is_read", int64(1), "true"},
		{"is_read", int64(0), "false"},
		{"is_read", int64(2), "is_read takes 0 or 1, not 2"},
		{"importance", "HIGH", `"high"`},
		{"flag_status", "notflagged", `"notFlagged"`},
		{"importance", "urgent", `importance takes one of low, normal, high, not "urgent"`},
		{"categories", `["A","B"]`, `["A","B"]`},
		{"categories", `[]`, `[]`},
		{"categories", `A`, `categories takes a JSON array of strings ('["Red category"]'), not "A"`},
		{"to_recipients", `[{"name":"Bob","address":"bob@x.com"}]`, `[{"emailAddress":{"name":"Bob","address":"bob@x.com"}}]`},
		{"to_recipients", `bob@x.com; Carol <carol@x.com>, dan@x.com`, `[{"emailAddress":{"address":"bob@x.com"}},{"emailAddress":{"name":"Carol","address":"carol@x.com"}},{"emailAddress":{"address":"dan@x.com"}}]`},
		{"to_recipients", ``, `[]`},
		{"to_recipients", `bob`, `to_recipients: "bob" is not an email address`},
		{"to_recipients", `[{"name":"x"}]`, `to_recipients: recipient "" has no valid address`},
		{"to_recipients", int64(3), `to_recipients takes recipients as JSON text`},
		{"subject", "hi", `"hi"`},
		{"subject", int64(42), `"42"`},
		{"subject", nil, "null"},
	}
	for _, tt := range tests {
		v, err := col(tt.col).Encode(tt.in)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			b, _ := json.Marshal(v)
			got = string(b)
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s.Encode(%#v) = %s, want %s", tt.col, tt.in, got, tt.want)
		}
	}
}

func TestSetPath(t *testing.T) {
	body := map[string]any{}
	SetPath(body, "body.content", "x")
	SetPath(body, "body.contentType", "text")
	SetPath(body, "isRead", true)
	b, _ := json.Marshal(body)
	if want := `{"body":{"content":"x","contentType":"text"},"isRead":true}`; string(b) != want {
		t.Errorf("%s, want %s", b, want)
	}
}

// TestWritableDeclarations: the writable columns of messages are exactly
// SCHEMA.md's, with the draft-only ones marked.
func TestWritableDeclarations(t *testing.T) {
	var always, draft, move []string
	for _, c := range Messages.Columns {
		if c.Write == nil {
			continue
		}
		switch {
		case c.Write.How == Move:
			move = append(move, c.Name)
		case c.Write.When == Always:
			always = append(always, c.Name)
		case c.Write.When == DraftOnly:
			draft = append(draft, c.Name)
		}
	}
	check := func(what string, got []string, want string) {
		if strings.Join(got, ",") != want {
			t.Errorf("%s: %s, want %s", what, strings.Join(got, ","), want)
		}
	}
	check("always", always, "importance,inference_classification,is_read,is_read_receipt_requested,is_delivery_receipt_requested,flag_status,categories")
	check("draft only", draft, "subject,body,body_content_type,to_recipients,cc_recipients,bcc_recipients,reply_to")
	check("move", move, "parent_folder_id")
}
