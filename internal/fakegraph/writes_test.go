package fakegraph

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// startWritable serves a fresh small tenant (writes change it) and returns
// a delegated token of its first user with every consented scope.
func startWritable(t *testing.T) (*Server, string, *User) {
	t.Helper()
	s := New(Generate(GenConfig{Seed: 9, Users: 2, MessagesPerUser: 60}))
	t.Cleanup(s.Close)
	u := s.Tenant().Users[0]
	return s, s.IssueAccessToken(u.UserPrincipalName), u
}

// send sends a request with a JSON body ("" for none) to Graph; extra
// headers are name, value pairs.
func send(t *testing.T, s *Server, tok, method, path, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.GraphURL()+path, rd)
	if err != nil {
		t.Fatalf("building %s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &r.json); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, b)
		}
	}
	return r
}

func (r response) errMessage() string {
	if e, ok := r.json["error"].(map[string]any); ok {
		m, _ := e["message"].(string)
		return m
	}
	return ""
}

// wantError checks a Graph error answer: status, code and message parts.
func wantError(t *testing.T, what string, r response, status int, code string, parts ...string) {
	t.Helper()
	if r.status != status || r.errCode() != code {
		t.Fatalf("%s: %d %s, want %d %s\n%s", what, r.status, r.errCode(), status, code, r.body)
	}
	for _, p := range parts {
		if !strings.Contains(r.errMessage(), p) {
			t.Errorf("%s: message %q lacks %q", what, r.errMessage(), p)
		}
	}
}

// pick returns the first message of u (in a snapshot) that keep accepts.
func pick(t *testing.T, s *Server, upn string, keep func(*Message) bool) *Message {
	t.Helper()
	for _, u := range s.Snapshot().Users {
		if u.UserPrincipalName != upn {
			continue
		}
		for _, m := range u.Messages {
			if keep(m) {
				return m
			}
		}
	}
	t.Fatalf("no message of %s fits", upn)
	return nil
}

// find returns the message with id in a fresh snapshot, or nil.
func find(s *Server, upn, id string) *Message {
	for _, u := range s.Snapshot().Users {
		if u.UserPrincipalName == upn {
			for _, m := range u.Messages {
				if m.ID == id {
					return m
				}
			}
		}
	}
	return nil
}

func folderID(s *Server, upn, wellKnown string) string {
	for _, u := range s.Snapshot().Users {
		if u.UserPrincipalName == upn {
			for _, f := range u.Folders {
				if f.WellKnownName == wellKnown {
					return f.ID
				}
			}
		}
	}
	return ""
}

func sent(m *Message) bool  { return !m.IsDraft }
func draft(m *Message) bool { return m.IsDraft }

func TestPatchAlwaysWritable(t *testing.T) {
	s, tok, u := startWritable(t)
	m := pick(t, s, u.UserPrincipalName, func(m *Message) bool { return sent(m) && !m.IsRead && m.Importance != "high" })
	r := send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"isRead":true,"importance":"HIGH","flag":{"flagStatus":"Flagged"},"categories":["Blue","Red"],"inferenceClassification":"Other","isReadReceiptRequested":true,"isDeliveryReceiptRequested":true}`)
	if r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	for k, want := range map[string]any{"isRead": true, "importance": "high", "inferenceClassification": "other", "isReadReceiptRequested": true, "isDeliveryReceiptRequested": true, "id": m.ID, "subject": m.Subject} {
		if r.json[k] != want {
			t.Errorf("answer %s = %v, want %v", k, r.json[k], want)
		}
	}
	if f := r.json["flag"].(map[string]any); f["flagStatus"] != "flagged" {
		t.Errorf("answer flag = %v", f)
	}
	if ck := r.json["changeKey"]; ck == m.ChangeKey || ck == "" {
		t.Errorf("changeKey %v did not change from %s", ck, m.ChangeKey)
	}
	if _, ok := r.json["body"]; !ok {
		t.Errorf("answer is not the full message: %v", keys(r.json))
	}
	g := get(t, s, tok, "/me/messages/"+m.ID)
	if g.json["isRead"] != true || g.json["importance"] != "high" || g.json["changeKey"] != r.json["changeKey"] {
		t.Errorf("GET after PATCH: isRead %v importance %v changeKey %v", g.json["isRead"], g.json["importance"], g.json["changeKey"])
	}
	after := find(s, u.UserPrincipalName, m.ID)
	if !slices.Equal(after.Categories, []string{"Blue", "Red"}) || after.Flag.Status != "flagged" || !after.IsRead {
		t.Errorf("state after: categories %v flag %v isRead %v", after.Categories, after.Flag.Status, after.IsRead)
	}
	if after.LastModifiedDateTime.Before(m.LastModifiedDateTime) || after.LastModifiedDateTime.Equal(m.LastModifiedDateTime) {
		t.Errorf("lastModifiedDateTime %v not after %v", after.LastModifiedDateTime, m.LastModifiedDateTime)
	}

	// categories are replaced whole
	r = send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"categories":["Green"]}`)
	if r.status != 200 || !slices.Equal(find(s, u.UserPrincipalName, m.ID).Categories, []string{"Green"}) {
		t.Errorf("categories replace: %d, now %v", r.status, find(s, u.UserPrincipalName, m.ID).Categories)
	}
	send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"categories":[]}`)
	if c := find(s, u.UserPrincipalName, m.ID).Categories; len(c) != 0 {
		t.Errorf("categories after [] = %v", c)
	}
}

func TestPatchRules(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	sentMsg := pick(t, s, upn, func(m *Message) bool { return sent(m) && !m.IsRead })
	cases := []struct {
		name, body   string
		status       int
		code, naming string
	}{
		{"subject on sent", `{"subject":"new"}`, 400, "ErrorInvalidPropertyUpdateSentMessageItem", "'subject'"},
		{"body on sent", `{"body":{"contentType":"text","content":"x"}}`, 400, "ErrorInvalidPropertyUpdateSentMessageItem", "'body'"},
		{"toRecipients on sent", `{"toRecipients":[]}`, 400, "ErrorInvalidPropertyUpdateSentMessageItem", "'toRecipients'"},
		{"replyTo on sent", `{"ReplyTo":[]}`, 400, "ErrorInvalidPropertyUpdateSentMessageItem", "'replyTo'"},
		{"atomic: nothing applied", `{"isRead":true,"subject":"new"}`, 400, "ErrorInvalidPropertyUpdateSentMessageItem", "'subject'"},
		{"unknown", `{"foo":1}`, 400, "RequestBodyRead", "'foo'"},
		{"isDraft read-only", `{"isDraft":true}`, 400, "ErrorInvalidPropertySet", "'isDraft'"},
		{"parentFolderId read-only", `{"parentFolderId":"inbox"}`, 400, "ErrorInvalidPropertySet", "'parentFolderId'"},
		{"receivedDateTime read-only", `{"receivedDateTime":"2024-01-01T00:00:00Z"}`, 400, "ErrorInvalidPropertySet", "'receivedDateTime'"},
		{"id read-only", `{"id":"x"}`, 400, "ErrorInvalidPropertySet", "'id'"},
		{"bad enum", `{"importance":"urgent"}`, 400, "RequestBodyRead", "'urgent'"},
		{"bad flag enum", `{"flag":{"flagStatus":"maybe"}}`, 400, "RequestBodyRead", "'maybe'"},
		{"bad bool", `{"isRead":"yes"}`, 400, "RequestBodyRead", "isRead"},
		{"not an object", `[1]`, 400, "RequestBodyRead", "JSON object"},
	}
	for _, c := range cases {
		r := send(t, s, tok, "PATCH", "/me/messages/"+sentMsg.ID, c.body)
		wantError(t, c.name, r, c.status, c.code, c.naming)
	}
	after := find(s, upn, sentMsg.ID)
	if after.ChangeKey != sentMsg.ChangeKey || after.IsRead || after.Subject != sentMsg.Subject {
		t.Errorf("refused PATCHes changed the message: changeKey %s→%s isRead %v subject %q", sentMsg.ChangeKey, after.ChangeKey, after.IsRead, after.Subject)
	}
	if r := send(t, s, tok, "PATCH", "/me/messages/AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbuK-AAA=", `{"isRead":true}`); r.status != 404 || r.errCode() != "ErrorItemNotFound" {
		t.Errorf("PATCH missing: %d %s", r.status, r.errCode())
	}

	// a draft takes the draft-only properties; bodyPreview follows the body
	d := pick(t, s, upn, draft)
	r := send(t, s, tok, "PATCH", "/me/messages/"+d.ID, `{"subject":"Plan","body":{"contentType":"Text","content":"hello there"},"toRecipients":[{"emailAddress":{"name":"Bob","address":"bob@contoso.com"}}],"ccRecipients":[],"bccRecipients":[{"emailAddress":{"address":"c@contoso.com"}}],"replyTo":[]}`)
	if r.status != 200 || r.json["subject"] != "Plan" || r.json["bodyPreview"] != "hello there" {
		t.Fatalf("PATCH draft: %d subject %v preview %v\n%s", r.status, r.json["subject"], r.json["bodyPreview"], r.body)
	}
	after = find(s, upn, d.ID)
	if after.Body != (ItemBody{"text", "hello there"}) || after.Preview() != "hello there" ||
		!slices.Equal(after.ToRecipients, []Recipient{{"Bob", "bob@contoso.com"}}) || !slices.Equal(after.BccRecipients, []Recipient{{"", "c@contoso.com"}}) {
		t.Errorf("draft after PATCH: body %+v to %v bcc %v", after.Body, after.ToRecipients, after.BccRecipients)
	}
}

func TestDeleteMessage(t *testing.T) {
	s, tok, u := startWritable(t)
	m := pick(t, s, u.UserPrincipalName, sent)
	before := get(t, s, tok, "/me/mailFolders/"+m.ParentFolderID).json["totalItemCount"].(float64)
	if r := send(t, s, tok, "DELETE", "/me/messages/"+m.ID, ""); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if find(s, u.UserPrincipalName, m.ID) != nil {
		t.Error("message still in the tenant")
	}
	wantError(t, "GET deleted", get(t, s, tok, "/me/messages/"+m.ID), 404, "ErrorItemNotFound")
	wantError(t, "DELETE again", send(t, s, tok, "DELETE", "/me/messages/"+m.ID, ""), 404, "ErrorItemNotFound")
	if after := get(t, s, tok, "/me/mailFolders/"+m.ParentFolderID).json["totalItemCount"].(float64); after != before-1 {
		t.Errorf("totalItemCount %v → %v", before, after)
	}
}

func TestMoveMessage(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	archive := folderID(s, upn, "archive")
	inbox := folderID(s, upn, "inbox")
	m := pick(t, s, upn, func(m *Message) bool { return m.ParentFolderID == inbox && !m.IsRead })
	unread := get(t, s, tok, "/me/mailFolders/inbox").json["unreadItemCount"].(float64)

	r := send(t, s, tok, "POST", "/me/messages/"+m.ID+"/move", `{"destinationId":"Archive"}`)
	if r.status != 201 || r.json["parentFolderId"] != archive || r.json["subject"] != m.Subject {
		t.Fatalf("move: %d parent %v\n%s", r.status, r.json["parentFolderId"], r.body)
	}
	newID := r.json["id"].(string)
	if newID == m.ID {
		t.Error("a move without Prefer IdType kept the id")
	}
	wantError(t, "GET old id", get(t, s, tok, "/me/messages/"+m.ID), 404, "ErrorItemNotFound")
	if g := get(t, s, tok, "/me/messages/"+newID); g.status != 200 || g.json["parentFolderId"] != archive {
		t.Errorf("GET new id: %d %v", g.status, g.json["parentFolderId"])
	}
	if after := get(t, s, tok, "/me/mailFolders/inbox").json["unreadItemCount"].(float64); after != unread-1 {
		t.Errorf("inbox unreadItemCount %v → %v", unread, after)
	}

	// immutable ids survive; PascalCase DestinationId is accepted
	r = send(t, s, tok, "POST", "/me/messages/"+newID+"/move", `{"DestinationId":"`+inbox+`"}`, "Prefer", `IdType="ImmutableId"`)
	if r.status != 201 || r.json["id"] != newID || r.json["parentFolderId"] != inbox {
		t.Errorf("immutable move: %d id %v (want %s) parent %v", r.status, r.json["id"], newID, r.json["parentFolderId"])
	}
	wantError(t, "unknown destination", send(t, s, tok, "POST", "/me/messages/"+newID+"/move", `{"destinationId":"`+strings.Replace(inbox, "A", "B", 3)+`"}`), 404, "ErrorItemNotFound")
	wantError(t, "no destination", send(t, s, tok, "POST", "/me/messages/"+newID+"/move", `{}`), 400, "ErrorInvalidParameter", "DestinationId")
	if find(s, upn, newID).ParentFolderID != inbox {
		t.Error("a refused move moved the message")
	}
}

func TestCreateDraft(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	r := send(t, s, tok, "POST", "/me/messages", `{"subject":"Hi","importance":"Low","body":{"contentType":"text","content":"body text"},"toRecipients":[{"emailAddress":{"name":"Bob","address":"bob@contoso.com"}}]}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id, _ := r.json["id"].(string)
	if id == "" || idMalformed(id) || r.json["changeKey"] == "" || r.json["isDraft"] != true || r.json["importance"] != "low" ||
		r.json["parentFolderId"] != folderID(s, upn, "drafts") || r.json["createdDateTime"] == nil {
		t.Errorf("draft answer: %s", r.body)
	}
	if !strings.HasSuffix(r.header.Get("Location"), "messages('"+id+"')") {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	m := find(s, upn, id)
	if m == nil || m.Subject != "Hi" || m.From != nil || m.Preview() != "body text" {
		t.Fatalf("draft in the tenant: %+v", m)
	}
	r = send(t, s, tok, "POST", "/me/mailFolders/inbox/messages", `{}`)
	if r.status != 201 || r.json["parentFolderId"] != folderID(s, upn, "inbox") {
		t.Errorf("create in inbox: %d %v", r.status, r.json["parentFolderId"])
	}
	wantError(t, "read-only on create", send(t, s, tok, "POST", "/me/messages", `{"isDraft":false}`), 400, "ErrorInvalidPropertySet", "'isDraft'")
}

func TestSendMail(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	sentItems := folderID(s, upn, "sentitems")
	count := func() int {
		n := 0
		for _, m := range s.Snapshot().Users[0].Messages {
			if m.ParentFolderID == sentItems {
				n++
			}
		}
		return n
	}
	n0 := count()
	r := send(t, s, tok, "POST", "/me/sendMail", `{"message":{"subject":"Report","body":{"contentType":"html","content":"<p>x</p>"},"toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}}]},"saveToSentItems":true}`)
	if r.status != 202 || len(r.body) != 0 {
		t.Fatalf("sendMail: %d %s", r.status, r.body)
	}
	if count() != n0+1 {
		t.Fatalf("sent items %d → %d", n0, count())
	}
	m := pick(t, s, upn, func(m *Message) bool { return m.Subject == "Report" })
	if m.IsDraft || m.ParentFolderID != sentItems || m.From == nil || m.From.Address != *u.Mail || m.SentDateTime.IsZero() {
		t.Errorf("sent copy: %+v", m)
	}
	if r := send(t, s, tok, "POST", "/me/sendMail", `{"Message":{"subject":"NoCopy","toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}}]},"SaveToSentItems":false}`); r.status != 202 || count() != n0+1 {
		t.Errorf("saveToSentItems false: %d, sent items %d", r.status, count())
	}
	wantError(t, "no recipients", send(t, s, tok, "POST", "/me/sendMail", `{"message":{"subject":"x"}}`), 400, "ErrorInvalidRecipients")
	noSend := s.IssueAccessToken(upn, "Mail.ReadWrite")
	wantError(t, "without Mail.Send", send(t, s, noSend, "POST", "/me/sendMail", `{"message":{"subject":"x","toRecipients":[{"emailAddress":{"address":"b@c.d"}}]}}`), 403, "ErrorAccessDenied")
	onlySend := s.IssueAccessToken(upn, "Mail.Send")
	if r := send(t, s, onlySend, "POST", "/me/sendMail", `{"message":{"subject":"x","toRecipients":[{"emailAddress":{"address":"b@c.d"}}]}}`); r.status != 202 {
		t.Errorf("with only Mail.Send: %d %s", r.status, r.body)
	}
}

func TestSendDraft(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	sentItems := folderID(s, upn, "sentitems")
	for _, immutable := range []bool{false, true} {
		r := send(t, s, tok, "POST", "/me/messages", `{"subject":"Go","toRecipients":[{"emailAddress":{"address":"bob@contoso.com"}}]}`)
		id := r.json["id"].(string)
		var hdr []string
		if immutable {
			hdr = []string{"Prefer", `IdType="ImmutableId"`}
		}
		if r := send(t, s, tok, "POST", "/me/messages/"+id+"/send", "", hdr...); r.status != 202 || len(r.body) != 0 {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
		if m := find(s, upn, id); immutable != (m != nil) {
			t.Fatalf("immutable %v: draft id still there: %v", immutable, m != nil)
		}
		var got *Message
		for _, m := range s.Snapshot().Users[0].Messages {
			if m.Subject == "Go" && !m.IsDraft && (m.ID == id) == immutable {
				got = m
			}
		}
		if got == nil || got.ParentFolderID != sentItems || got.SentDateTime.IsZero() {
			t.Fatalf("immutable %v: no sent message in sentitems: %+v", immutable, got)
		}
		send(t, s, tok, "DELETE", "/me/messages/"+got.ID, "")
	}
	m := pick(t, s, upn, sent)
	wantError(t, "send a sent message", send(t, s, tok, "POST", "/me/messages/"+m.ID+"/send", ""), 400, "ErrorInvalidOperation", "draft")
	r := send(t, s, tok, "POST", "/me/messages", `{"subject":"nobody"}`)
	wantError(t, "send without recipients", send(t, s, tok, "POST", "/me/messages/"+r.json["id"].(string)+"/send", ""), 400, "ErrorInvalidRecipients")
	wantError(t, "send without Mail.Send", send(t, s, s.IssueAccessToken(upn, "Mail.ReadWrite"), "POST", "/me/messages/"+r.json["id"].(string)+"/send", ""), 403, "ErrorAccessDenied")
}

func TestReplyForward(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	orig := pick(t, s, upn, func(m *Message) bool { return sent(m) && m.From != nil && !strings.EqualFold(m.From.Address, *u.Mail) })
	bySubject := func(subj string) []*Message {
		var out []*Message
		for _, m := range s.Snapshot().Users[0].Messages {
			if m.Subject == subj {
				out = append(out, m)
			}
		}
		return out
	}
	if r := send(t, s, tok, "POST", "/me/messages/"+orig.ID+"/reply", `{"comment":"Thanks!"}`); r.status != 202 {
		t.Fatalf("reply: %d %s", r.status, r.body)
	}
	rs := bySubject("RE: " + orig.Subject)
	if len(rs) != 1 || rs[0].IsDraft || rs[0].ParentFolderID != folderID(s, upn, "sentitems") || !slices.Equal(rs[0].ToRecipients, []Recipient{*orig.From}) ||
		!strings.Contains(rs[0].Body.Content, "Thanks!") || rs[0].ConversationID != orig.ConversationID {
		t.Errorf("reply saved: %+v", rs)
	}
	wantError(t, "forward without recipients", send(t, s, tok, "POST", "/me/messages/"+orig.ID+"/forward", `{"comment":"fyi"}`), 400, "ErrorInvalidRecipients")
	if r := send(t, s, tok, "POST", "/me/messages/"+orig.ID+"/forward", `{"comment":"fyi","ToRecipients":[{"emailAddress":{"address":"dan@contoso.com"}}]}`); r.status != 202 {
		t.Fatalf("forward: %d %s", r.status, r.body)
	}
	if fs := bySubject("FW: " + orig.Subject); len(fs) != 1 || fs[0].IsDraft || fs[0].ToRecipients[0].Address != "dan@contoso.com" {
		t.Errorf("forward saved: %+v", fs)
	}
	if r := send(t, s, tok, "POST", "/me/messages/"+orig.ID+"/replyAll", `{"comment":"all"}`); r.status != 202 || len(bySubject("RE: "+orig.Subject)) != 2 {
		t.Errorf("replyAll: %d", r.status)
	}
	for _, a := range []struct{ action, prefix string }{{"createReply", "RE: "}, {"createReplyAll", "RE: "}, {"createForward", "FW: "}} {
		r := send(t, s, tok, "POST", "/me/messages/"+orig.ID+"/"+a.action, `{}`)
		if r.status != 201 || r.json["isDraft"] != true || r.json["subject"] != a.prefix+orig.Subject || r.json["parentFolderId"] != folderID(s, upn, "drafts") {
			t.Errorf("%s: %d %s", a.action, r.status, r.body)
		}
	}
	wantError(t, "reply without Mail.Send", send(t, s, s.IssueAccessToken(upn, "Mail.ReadWrite"), "POST", "/me/messages/"+orig.ID+"/reply", `{"comment":"x"}`), 403, "ErrorAccessDenied")
	if r := send(t, s, s.IssueAccessToken(upn, "Mail.ReadWrite"), "POST", "/me/messages/"+orig.ID+"/createReply", `{}`); r.status != 201 {
		t.Errorf("createReply with Mail.ReadWrite: %d", r.status)
	}
}

func TestWritePermissions(t *testing.T) {
	s, _, u := startWritable(t)
	upn := u.UserPrincipalName
	other := s.Tenant().Users[1]
	m := pick(t, s, upn, sent)
	om := pick(t, s, other.UserPrincipalName, sent)
	cases := []struct {
		name   string
		scopes []string
		path   string
		status int
	}{
		{"read only", []string{"Mail.Read"}, "/me/messages/" + m.ID, 403},
		{"readwrite", []string{"Mail.ReadWrite"}, "/me/messages/" + m.ID, 200},
		{"users/{upn} own", []string{"Mail.ReadWrite"}, "/users/" + upn + "/messages/" + m.ID, 200},
		{"other without shared", []string{"Mail.ReadWrite"}, "/users/" + other.ID + "/messages/" + om.ID, 403},
		{"other with shared", []string{"Mail.ReadWrite.Shared"}, "/users/" + other.UserPrincipalName + "/messages/" + om.ID, 200},
		{"send only", []string{"Mail.Send"}, "/me/messages/" + m.ID, 403},
	}
	for _, c := range cases {
		r := send(t, s, s.IssueAccessToken(upn, c.scopes...), "PATCH", c.path, `{"isRead":false}`)
		if r.status != c.status || c.status == 403 && r.errCode() != "ErrorAccessDenied" {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.errCode(), c.status)
		}
	}
	wantError(t, "write on /me", send(t, s, s.IssueAccessToken(upn), "PATCH", "/me", `{"displayName":"x"}`), 405, "ErrorInvalidRequest")
}

func TestFolderWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	r := send(t, s, tok, "POST", "/me/mailFolders", `{"displayName":"Projects X"}`)
	if r.status != 201 || r.json["displayName"] != "Projects X" || r.json["parentFolderId"] != u.RootFolderID || r.json["totalItemCount"] != 0.0 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	top := r.json["id"].(string)
	wantError(t, "duplicate", send(t, s, tok, "POST", "/me/mailFolders", `{"displayName":"projects x"}`), 409, "ErrorFolderExists")
	r = send(t, s, tok, "POST", "/me/mailFolders/"+top+"/childFolders", `{"displayName":"Child"}`)
	if r.status != 201 || r.json["parentFolderId"] != top {
		t.Fatalf("child: %d %s", r.status, r.body)
	}
	child := r.json["id"].(string)
	if g := get(t, s, tok, "/me/mailFolders/"+top); g.json["childFolderCount"] != 1.0 {
		t.Errorf("childFolderCount %v", g.json["childFolderCount"])
	}
	r = send(t, s, tok, "PATCH", "/me/mailFolders/"+child, `{"displayName":"Renamed"}`)
	if r.status != 200 || r.json["displayName"] != "Renamed" {
		t.Errorf("rename: %d %s", r.status, r.body)
	}
	wantError(t, "isHidden after creation", send(t, s, tok, "PATCH", "/me/mailFolders/"+child, `{"isHidden":true}`), 400, "ErrorInvalidPropertySet", "isHidden")
	// well-known names as ids
	r = send(t, s, tok, "POST", "/me/mailFolders/inbox/childFolders", `{"displayName":"Under inbox"}`)
	if r.status != 201 || r.json["parentFolderId"] != folderID(s, upn, "inbox") {
		t.Fatalf("child of inbox: %d %s", r.status, r.body)
	}
	r = send(t, s, tok, "POST", "/me/mailFolders/"+child+"/move", `{"destinationId":"inbox"}`)
	if r.status != 201 || r.json["id"] != child || r.json["parentFolderId"] != folderID(s, upn, "inbox") {
		t.Errorf("move: %d %s", r.status, r.body)
	}
	wantError(t, "move into itself", send(t, s, tok, "POST", "/me/mailFolders/"+top+"/move", `{"destinationId":"`+top+`"}`), 400, "ErrorMoveCopyFailed")
	wantError(t, "delete inbox", send(t, s, tok, "DELETE", "/me/mailFolders/inbox", ""), 400, "ErrorDeleteDistinguishedFolder")
	// delete takes messages and subfolders
	send(t, s, tok, "POST", "/me/mailFolders/inbox/move", `{"destinationId":"archive"}`)
	r = send(t, s, tok, "POST", "/me/mailFolders/"+child+"/move", `{"destinationId":"`+top+`"}`)
	m := pick(t, s, upn, sent)
	mv := send(t, s, tok, "POST", "/me/messages/"+m.ID+"/move", `{"destinationId":"`+child+`"}`)
	if g := get(t, s, tok, "/me/mailFolders/"+child); g.json["totalItemCount"] != 1.0 {
		t.Errorf("totalItemCount after move in: %v", g.json["totalItemCount"])
	}
	if r := send(t, s, tok, "DELETE", "/me/mailFolders/"+top, ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantError(t, "GET deleted child", get(t, s, tok, "/me/mailFolders/"+child), 404, "ErrorItemNotFound")
	if find(s, upn, mv.json["id"].(string)) != nil {
		t.Error("a message of a deleted folder survived")
	}
}

func TestSnapshotIsDeep(t *testing.T) {
	s, tok, u := startWritable(t)
	snap := s.Snapshot()
	m := snap.Users[0].Messages[0]
	m.Subject = "changed in the snapshot"
	m.Categories = append(m.Categories, "x")
	if live := find(s, u.UserPrincipalName, m.ID); live.Subject == m.Subject {
		t.Error("changing a snapshot changed the server")
	}
	send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"isRead":`+map[bool]string{true: "false", false: "true"}[m.IsRead]+`}`)
	if snap.Users[0].Messages[0].IsRead != m.IsRead {
		t.Error("a write changed an earlier snapshot")
	}
}
