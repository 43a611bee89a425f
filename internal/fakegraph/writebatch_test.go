package fakegraph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// wreq is one request of a test batch with a body.
type wreq struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

var jsonType = map[string]string{"Content-Type": "application/json"}

// postWrites sends a batch; it returns the outer response, the answers in
// the order they came, and the error of a lost connection.
func postWrites(t *testing.T, s *Server, tok string, reqs []wreq) (response, []batchAnswer, error) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"requests": reqs})
	req, _ := http.NewRequest("POST", s.GraphURL()+"/$batch", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	if err := json.Unmarshal(body, &r.json); err != nil {
		t.Fatalf("POST $batch: body is not JSON: %v\n%s", err, body)
	}
	var out struct {
		Responses []batchAnswer `json:"responses"`
	}
	if r.status == 200 {
		json.Unmarshal(body, &out)
	}
	return r, out.Responses, nil
}

func TestBatchWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	var sentMsgs []*Message
	for _, m := range s.Snapshot().Users[0].Messages {
		if !m.IsDraft && !m.IsRead {
			sentMsgs = append(sentMsgs, m)
		}
	}
	a, b, c, d := sentMsgs[0], sentMsgs[1], sentMsgs[2], sentMsgs[3]
	s.ResetRequests()
	reqs := []wreq{
		{ID: "1", Method: "PATCH", URL: "/me/messages/" + a.ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`)},
		{ID: "2", Method: "DELETE", URL: "/users/" + upn + "/messages/" + b.ID},
		{ID: "3", Method: "POST", URL: "/me/messages/" + c.ID + "/move", Headers: jsonType, Body: json.RawMessage(`{"destinationId":"archive"}`)},
		{ID: "4", Method: "GET", URL: "/me/messages/" + d.ID + "?$select=subject"},
		{ID: "5", Method: "POST", URL: "/me/messages", Headers: jsonType, Body: json.RawMessage(`{"subject":"from a batch"}`)},
		{ID: "6", Method: "PATCH", URL: "/me/messages/" + d.ID, Headers: jsonType, Body: json.RawMessage(`{"subject":"no"}`)},
	}
	r, answers, err := postWrites(t, s, tok, reqs)
	if err != nil || r.status != 200 || len(answers) != len(reqs) {
		t.Fatalf("batch: %v %d %d answers\n%s", err, r.status, len(answers), r.body)
	}
	got := byID(answers)
	want := map[string]int{"1": 200, "2": 204, "3": 201, "4": 200, "5": 201, "6": 400}
	for id, st := range want {
		if got[id].Status != st {
			t.Errorf("inner %s: %d, want %d: %s", id, got[id].Status, st, got[id].Body)
		}
	}
	if answerCode(got["6"]) != "ErrorInvalidPropertyUpdateSentMessageItem" {
		t.Errorf("inner 6 code %s", answerCode(got["6"]))
	}
	if m := find(s, upn, a.ID); m == nil || !m.IsRead {
		t.Error("PATCH in the batch not applied")
	}
	if find(s, upn, b.ID) != nil || find(s, upn, c.ID) != nil {
		t.Error("DELETE or move in the batch not applied")
	}
	var moved map[string]any
	json.Unmarshal(got["3"].Body, &moved)
	if m := find(s, upn, moved["id"].(string)); m == nil || m.ParentFolderID != folderID(s, upn, "archive") {
		t.Error("moved message not in archive")
	}
	// the log has each inner request with method, path and body
	log := s.Requests()
	if len(log) != 1 || len(log[0].Inner) != len(reqs) {
		t.Fatalf("log: %d requests", len(log))
	}
	for i, in := range log[0].Inner {
		if in.Method != reqs[i].Method || !strings.HasSuffix(reqs[i].URL, strings.TrimPrefix(in.Path, "/v1.0")) && in.RawQuery == "" || string(in.Body) != string(reqs[i].Body) || in.Status != want[reqs[i].ID] {
			t.Errorf("logged inner %d: %s %s %q status %d, want %s %s %q", i, in.Method, in.Path, in.Body, in.Status, reqs[i].Method, reqs[i].URL, reqs[i].Body)
		}
	}
	if st := s.Stats(); st.Inner != len(reqs) || st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestBatchWriteRules(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	m := pick(t, s, upn, func(m *Message) bool { return sent(m) && !m.IsRead })
	patch := func(id string) wreq {
		return wreq{ID: id, Method: "PATCH", URL: "/me/messages/" + m.ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`)}
	}
	// Content-Type and body: the whole batch is refused, nothing applied
	noType := patch("a")
	noType.Headers = nil
	noBody := wreq{ID: "b", Method: "POST", URL: "/me/messages/" + m.ID + "/send", Headers: jsonType}
	for _, bad := range []wreq{noType, noBody} {
		r, _, _ := postWrites(t, s, tok, []wreq{patch("ok"), bad})
		wantError(t, "batch with "+bad.ID, r, 400, "BadRequest", "Write request id : "+bad.ID+" does not contain Content-Type header or body.")
	}
	if find(s, upn, m.ID).IsRead {
		t.Fatal("a refused batch was applied")
	}
	// more than 20
	var many []wreq
	for i := range 21 {
		many = append(many, patch(fmt.Sprint(i)))
	}
	r, _, _ := postWrites(t, s, tok, many)
	wantError(t, "21 requests", r, 400, "BadRequest", "exceeds the limit")
	// 424 after a failed dependency, the dependent not applied
	r, answers, _ := postWrites(t, s, tok, []wreq{
		{ID: "1", Method: "PATCH", URL: "/me/messages/" + m.ID, Headers: jsonType, Body: json.RawMessage(`{"bogus":1}`)},
		{ID: "2", Method: "PATCH", URL: "/me/messages/" + m.ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`), DependsOn: []string{"1"}},
	})
	got := byID(answers)
	if r.status != 200 || got["1"].Status != 400 || got["2"].Status != 424 || find(s, upn, m.ID).IsRead {
		t.Errorf("dependsOn: %d, inner %d %d, applied %v", r.status, got["1"].Status, got["2"].Status, find(s, upn, m.ID).IsRead)
	}
	// 20 writes: answered out of order
	var twenty []wreq
	var msgs []*Message
	for _, x := range s.Snapshot().Users[0].Messages {
		if len(msgs) < 20 {
			msgs = append(msgs, x)
		}
	}
	for i, x := range msgs {
		twenty = append(twenty, wreq{ID: fmt.Sprint(i), Method: "PATCH", URL: "/me/messages/" + x.ID, Headers: jsonType, Body: json.RawMessage(`{"categories":["Batch"]}`)})
	}
	_, answers, _ = postWrites(t, s, tok, twenty)
	var order []string
	for _, a := range answers {
		order = append(order, a.ID)
		if a.Status != 200 {
			t.Errorf("inner %s: %d", a.ID, a.Status)
		}
	}
	if len(order) != 20 || slices.IsSortedFunc(order, func(a, b string) int { return len(a)*100 + int(a[0]) - len(b)*100 - int(b[0]) }) {
		t.Errorf("answers in request order (or missing): %v", order)
	}
	for _, x := range msgs {
		if c := find(s, upn, x.ID).Categories; !slices.Equal(c, []string{"Batch"}) {
			t.Errorf("%s categories %v", x.ID, c)
		}
	}
}

func TestThrottleWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	m := pick(t, s, upn, func(m *Message) bool { return sent(m) && !m.IsRead })
	s.ThrottleWrites(2, "0.5")
	if g := get(t, s, tok, "/me/messages/"+m.ID); g.status != 200 {
		t.Fatalf("a read was throttled: %d", g.status)
	}
	r := send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"isRead":true}`)
	if r.status != 429 || r.errCode() != "TooManyRequests" || r.header.Get("Retry-After") != "0.5" || find(s, upn, m.ID).IsRead {
		t.Fatalf("throttled PATCH: %d %s Retry-After %q applied %v", r.status, r.errCode(), r.header.Get("Retry-After"), find(s, upn, m.ID).IsRead)
	}
	others := []*Message{}
	for _, x := range s.Snapshot().Users[0].Messages {
		if x.ID != m.ID && !x.IsRead && len(others) < 2 {
			others = append(others, x)
		}
	}
	// one throttle left: it falls on one write of the batch, not the GET
	_, answers, _ := postWrites(t, s, tok, []wreq{
		{ID: "g", Method: "GET", URL: "/me/messages/" + m.ID},
		{ID: "p", Method: "PATCH", URL: "/me/messages/" + others[0].ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`), DependsOn: []string{"g"}},
		{ID: "q", Method: "PATCH", URL: "/me/messages/" + others[1].ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`), DependsOn: []string{"p"}},
	})
	got := byID(answers)
	if got["g"].Status != 200 || got["p"].Status != 429 || got["p"].Headers["Retry-After"] != "0.5" || got["q"].Status != 424 {
		t.Errorf("batch under throttle: g %d p %d (Retry-After %q) q %d", got["g"].Status, got["p"].Status, got["p"].Headers["Retry-After"], got["q"].Status)
	}
	if find(s, upn, others[0].ID).IsRead {
		t.Error("a throttled inner write was applied")
	}
	if r := send(t, s, tok, "PATCH", "/me/messages/"+m.ID, `{"isRead":true}`); r.status != 200 {
		t.Errorf("after the throttle: %d", r.status)
	}
}

func TestDropAfterWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	m := pick(t, s, upn, func(m *Message) bool { return sent(m) && !m.IsRead })
	s.DropAfterWrites(1)
	req, _ := http.NewRequest("POST", s.GraphURL()+"/me/messages/"+m.ID+"/move", strings.NewReader(`{"destinationId":"archive"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped write answered %d", resp.StatusCode)
	}
	if find(s, upn, m.ID) != nil {
		t.Fatal("the dropped move was not applied")
	}
	log := s.Requests()
	if last := log[len(log)-1]; last.Status != 0 || last.Method != "POST" || string(last.Body) != `{"destinationId":"archive"}` {
		t.Errorf("logged: %s %d %q", last.Method, last.Status, last.Body)
	}
	// a batch holding a dropped write is applied whole, then lost
	var ms []*Message
	for _, x := range s.Snapshot().Users[0].Messages {
		if !x.IsRead && !x.IsDraft && len(ms) < 3 {
			ms = append(ms, x)
		}
	}
	s.DropAfterWrites(1)
	var reqs []wreq
	for i, x := range ms {
		reqs = append(reqs, wreq{ID: fmt.Sprint(i), Method: "PATCH", URL: "/me/messages/" + x.ID, Headers: jsonType, Body: json.RawMessage(`{"isRead":true}`)})
	}
	if _, _, err := postWrites(t, s, tok, reqs); err == nil {
		t.Fatal("the batch answered")
	}
	for _, x := range ms {
		if !find(s, upn, x.ID).IsRead {
			t.Errorf("%s not applied", x.ID)
		}
	}
	if r := send(t, s, tok, "PATCH", "/me/messages/"+ms[0].ID, `{"isRead":false}`); r.status != 200 {
		t.Errorf("after the knob: %d", r.status)
	}
}

func TestAttachmentWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	d := send(t, s, tok, "POST", "/me/messages", `{"subject":"with file"}`).json["id"].(string)
	content := []byte("hello, attachment")
	body := `{"@odata.type":"#microsoft.graph.fileAttachment","name":"a.txt","contentType":"text/plain","contentBytes":"` + base64.StdEncoding.EncodeToString(content) + `","isInline":false}`
	r := send(t, s, tok, "POST", "/me/messages/"+d+"/attachments", body)
	if r.status != 201 || r.json["name"] != "a.txt" || r.json["size"] != float64(len(content)) || r.json["contentBytes"] != base64.StdEncoding.EncodeToString(content) {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	aid := r.json["id"].(string)
	if g := get(t, s, tok, "/me/messages/"+d); g.json["hasAttachments"] != true {
		t.Error("hasAttachments false after adding")
	}
	if a := find(s, upn, d).Attachments; len(a) != 1 || !bytes.Equal(a[0].Content, content) || a[0].ContentType != "text/plain" {
		t.Errorf("attachment in the tenant: %+v", a)
	}
	m := pick(t, s, upn, sent)
	wantError(t, "add to sent", send(t, s, tok, "POST", "/me/messages/"+m.ID+"/attachments", body), 400, "ErrorInvalidOperation", "draft")
	big := base64.StdEncoding.EncodeToString(make([]byte, MaxInlineContent+1))
	wantError(t, "over 3 MB", send(t, s, tok, "POST", "/me/messages/"+d+"/attachments", `{"@odata.type":"#microsoft.graph.fileAttachment","name":"big","contentBytes":"`+big+`"}`), 413, "ErrorRequestEntityTooLarge", "upload session")
	wantError(t, "item attachment", send(t, s, tok, "POST", "/me/messages/"+d+"/attachments", `{"@odata.type":"#microsoft.graph.itemAttachment","name":"x"}`), 400, "ErrorInvalidRequest")
	if r := send(t, s, tok, "DELETE", "/me/messages/"+d+"/attachments/"+aid, ""); r.status != 204 {
		t.Fatalf("delete attachment: %d %s", r.status, r.body)
	}
	if len(find(s, upn, d).Attachments) != 0 {
		t.Error("attachment not deleted")
	}
	wantError(t, "delete again", send(t, s, tok, "DELETE", "/me/messages/"+d+"/attachments/"+aid, ""), 404, "ErrorItemNotFound")
}

func TestUploadSession(t *testing.T) {
	s, tok, u := startWritable(t)
	upn := u.UserPrincipalName
	d := send(t, s, tok, "POST", "/me/messages", `{"subject":"large"}`).json["id"].(string)
	size := MaxUploadChunk + MaxInlineContent // two chunks
	wantError(t, "under 3 MB", send(t, s, tok, "POST", "/me/messages/"+d+"/attachments/createUploadSession", `{"AttachmentItem":{"attachmentType":"file","name":"s","size":1000}}`), 400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize")
	m := pick(t, s, upn, sent)
	wantError(t, "on sent", send(t, s, tok, "POST", "/me/messages/"+m.ID+"/attachments/createUploadSession", fmt.Sprintf(`{"AttachmentItem":{"attachmentType":"file","name":"s","size":%d}}`, size)), 400, "ErrorInvalidOperation")
	r := send(t, s, tok, "POST", "/me/messages/"+d+"/attachments/createUploadSession", fmt.Sprintf(`{"attachmentItem":{"attachmentType":"File","name":"big.bin","size":%d,"contentType":"application/zip"}}`, size))
	if r.status != 201 || r.json["expirationDateTime"] == nil || fmt.Sprint(r.json["nextExpectedRanges"]) != "[0-]" {
		t.Fatalf("createUploadSession: %d %s", r.status, r.body)
	}
	upURL := r.json["uploadUrl"].(string)
	if !strings.HasPrefix(upURL, s.UploadURL()+"/") || strings.HasPrefix(upURL, s.URL) {
		t.Fatalf("uploadUrl %s is not on the upload host %s", upURL, s.UploadURL())
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	put := func(start, end int, bearer bool) response {
		req, _ := http.NewRequest("PUT", upURL, bytes.NewReader(data[start:end+1]))
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
		if bearer {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("PUT: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out := response{status: resp.StatusCode, header: resp.Header, body: b}
		json.Unmarshal(b, &out.json)
		return out
	}
	s.ResetRequests()
	wantError(t, "bearer token", put(0, 1023, true), 401, "InvalidAuthenticationToken", "do not send a bearer token")
	wantError(t, "chunk over 4 MB", put(0, MaxUploadChunk, false), 400, "invalidRequest", "at most 4 MB")
	wantError(t, "out of order", put(1024, 2047, false), 416, "invalidRange", "starts at byte 0")
	r = put(0, MaxUploadChunk-1, false)
	if r.status != 200 || fmt.Sprint(r.json["NextExpectedRanges"]) != fmt.Sprintf("[%d-]", MaxUploadChunk) {
		t.Fatalf("first chunk: %d %s", r.status, r.body)
	}
	if len(find(s, upn, d).Attachments) != 0 {
		t.Fatal("attachment created before the upload completed")
	}
	r = put(MaxUploadChunk, size-1, false)
	if r.status != 201 || !strings.Contains(r.header.Get("Location"), "/Attachments('") {
		t.Fatalf("last chunk: %d %s", r.status, r.body)
	}
	as := find(s, upn, d).Attachments
	if len(as) != 1 || as[0].Name != "big.bin" || as[0].Size != size || as[0].ContentType != "application/zip" || !bytes.Equal(as[0].Content, data) {
		t.Fatalf("uploaded attachment: %d attachments", len(as))
	}
	if s.uploadSessionsOpen() != 0 {
		t.Error("session still open after completion")
	}
	wantError(t, "PUT after completion", put(0, 1023, false), 404, "ErrorItemNotFound")
	// the log shows the PUTs on the upload host, the refused one with the redacted token
	var puts []Request
	for _, q := range s.Requests() {
		if q.Method == "PUT" {
			puts = append(puts, q)
		}
	}
	upHost := strings.TrimPrefix(s.UploadURL(), "http://")
	if len(puts) != 6 || puts[0].Header.Get("Authorization") != "Bearer [redacted]" || puts[3].Header.Get("Authorization") != "" || puts[3].Host != upHost || len(puts[3].Body) != MaxUploadChunk || puts[4].Status != 201 {
		t.Errorf("logged PUTs: %d", len(puts))
	}
	// delegated upload sessions work only on the user's own mailbox
	other := s.Tenant().Users[1].UserPrincipalName
	od := send(t, s, s.IssueAccessToken(upn), "POST", "/users/"+other+"/messages", `{}`).json["id"].(string)
	wantError(t, "other mailbox", send(t, s, tok, "POST", "/users/"+other+"/messages/"+od+"/attachments/createUploadSession", fmt.Sprintf(`{"AttachmentItem":{"attachmentType":"file","name":"s","size":%d}}`, size)), 403, "ErrorAccessDenied")
}

func TestWritesOverlapUnderLatency(t *testing.T) {
	s, tok, _ := startWritable(t)
	var reqs []wreq
	for i, m := range s.Snapshot().Users[0].Messages[:12] {
		reqs = append(reqs, wreq{ID: fmt.Sprint(i), Method: "PATCH", URL: "/me/messages/" + m.ID, Headers: jsonType, Body: json.RawMessage(`{"importance":"low"}`)})
	}
	s.SetLatency(100 * time.Millisecond)
	s.ResetRequests()
	_, answers, err := postWrites(t, s, tok, reqs)
	if err != nil || len(answers) != 12 {
		t.Fatalf("batch: %v, %d answers", err, len(answers))
	}
	for _, a := range answers {
		if a.Status != 200 {
			t.Errorf("inner %s: %d", a.ID, a.Status)
		}
	}
	// writes wait out the latency without holding the tenant, so the
	// batch runs 4 at a time as reads do
	if _, box := s.Peak(); box != batchConcurrency {
		t.Errorf("peak per mailbox %d, want %d", box, batchConcurrency)
	}
}
