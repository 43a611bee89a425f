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

// batchReq is one request of a test batch.
type batchReq struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

// batchAnswer is one answer of a batch response.
type batchAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// postBatch sends a JSON batch and returns the outer response and, for a
// 200, the answers in the order they came.
func postBatch(t *testing.T, s *Server, tok string, reqs []batchReq) (response, []batchAnswer) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"requests": reqs})
	req, _ := http.NewRequest("POST", s.GraphURL()+"/$batch", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST $batch: %v", err)
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
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
	}
	return r, out.Responses
}

func byID(answers []batchAnswer) map[string]batchAnswer {
	m := map[string]batchAnswer{}
	for _, a := range answers {
		m[a.ID] = a
	}
	return m
}

func answerCode(a batchAnswer) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(a.Body, &e)
	return e.Error.Code
}

// messageGets returns GETs of n of Adele's messages by id.
func messageGets(s *Server, n int) []batchReq {
	var out []batchReq
	for i, m := range s.Tenant().Users[0].Messages[:n] {
		out = append(out, batchReq{ID: fmt.Sprint(i + 1), Method: "GET", URL: "/me/messages/" + m.ID + "?$select=id,subject"})
	}
	return out
}

func TestBatchLimit(t *testing.T) {
	s, tok := startDemo(t)
	r, _ := postBatch(t, s, tok, messageGets(s, 21))
	if r.status != 400 || r.errCode() != "BadRequest" ||
		r.json["error"].(map[string]any)["message"] != "Number of requests inside batch exceeds the limit." {
		t.Errorf("21 requests: %d %s", r.status, r.body)
	}
	if r, answers := postBatch(t, s, tok, messageGets(s, 20)); r.status != 200 || len(answers) != 20 {
		t.Errorf("20 requests: %d, %d answers", r.status, len(answers))
	}
	for _, tc := range []struct {
		name string
		reqs []batchReq
		msg  string
	}{
		{"no id", []batchReq{{Method: "GET", URL: "/me"}}, "a request has no id"},
		{"repeated id", []batchReq{{ID: "1", Method: "GET", URL: "/me"}, {ID: "1", Method: "GET", URL: "/me"}}, "'1' is repeated"},
		{"unknown dependency", []batchReq{{ID: "1", Method: "GET", URL: "/me", DependsOn: []string{"9"}}}, "depends on '9'"},
		{"cycle", []batchReq{{ID: "1", Method: "GET", URL: "/me", DependsOn: []string{"2"}}, {ID: "2", Method: "GET", URL: "/me", DependsOn: []string{"1"}}}, "cycle"},
	} {
		r, _ := postBatch(t, s, tok, tc.reqs)
		if r.status != 400 || !strings.Contains(string(r.body), tc.msg) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := get(t, s, tok, "/$batch"); r.status != 405 {
		t.Errorf("GET $batch: %d", r.status)
	}
}

// TestBatchAnswers checks that each answer is the one a GET of its own gets,
// matched by id, in a shuffled order, and that the log shows the POST with
// its inner requests.
func TestBatchAnswers(t *testing.T) {
	s, tok := startDemo(t)
	reqs := messageGets(s, 19)
	missing := base64.URLEncoding.EncodeToString([]byte("no such message in this mailbox"))
	reqs = append(reqs, batchReq{ID: "missing", Method: "GET", URL: "/me/messages/" + missing + "?$select=id"},
		batchReq{ID: "folders", Method: "GET", URL: "me/mailFolders?$top=2", Headers: map[string]string{"Prefer": `IdType="ImmutableId"`}})
	reqs = slices.Delete(reqs, 0, 1) // 20 in all
	s.ResetRequests()
	shuffled := false
	for try := 0; try < 3; try++ {
		r, answers := postBatch(t, s, tok, reqs)
		if r.status != 200 || len(answers) != len(reqs) {
			t.Fatalf("status %d, %d answers", r.status, len(answers))
		}
		var order []string
		for _, a := range answers {
			order = append(order, a.ID)
		}
		var sent []string
		for _, q := range reqs {
			sent = append(sent, q.ID)
		}
		shuffled = shuffled || !slices.Equal(order, sent)
		got := byID(answers)
		for _, q := range reqs {
			a := got[q.ID]
			own := get(t, s, tok, "/"+strings.TrimPrefix(q.URL, "/"), "Prefer", q.Headers["Prefer"])
			if a.Status != own.status {
				t.Errorf("%s: status %d, a GET of its own %d", q.ID, a.Status, own.status)
				continue
			}
			if own.status == 200 && !bytes.Equal(a.Body, own.body) {
				t.Errorf("%s: body\n%s\nwant\n%s", q.ID, a.Body, own.body)
			}
		}
		if a := got["missing"]; a.Status != 404 || answerCode(a) != "ErrorItemNotFound" {
			t.Errorf("missing message: %d %s", a.Status, a.Body)
		}
		if a := got["folders"]; !strings.HasPrefix(a.Headers["Content-Type"], "application/json") || a.Headers["Preference-Applied"] != `IdType="ImmutableId"` {
			t.Errorf("folders headers %v", a.Headers)
		}
	}
	if !shuffled {
		t.Error("three batches of 20 answered in request order: the answers are not shuffled")
	}
	var posts []Request
	for _, q := range s.Requests() {
		if q.Method == "POST" {
			posts = append(posts, q)
		}
	}
	if len(posts) != 3 {
		t.Fatalf("%d POSTs logged, want 3", len(posts))
	}
	p := posts[0]
	if p.Path != "/v1.0/$batch" || p.Status != 200 || p.Subject != adele || len(p.Inner) != len(reqs) {
		t.Fatalf("logged POST %+v", p)
	}
	for i, in := range p.Inner {
		want := "/v1.0" + strings.SplitN("/"+strings.TrimPrefix(reqs[i].URL, "/"), "?", 2)[0]
		if in.Method != "GET" || in.Path != want || in.Subject != adele || in.Header.Get("Authorization") != "" {
			t.Errorf("inner %d: %s %s subject %q", i, in.Method, in.Path, in.Subject)
		}
	}
	if p.Inner[18].Status != 404 || p.Inner[0].Status != 200 || p.Inner[19].Query.Get("$top") != "2" {
		t.Errorf("inner statuses %d %d, folders query %v", p.Inner[0].Status, p.Inner[18].Status, p.Inner[19].Query)
	}
	if st := s.Stats(); st.Inner != 3*len(reqs) {
		t.Errorf("stats %+v: want Inner %d", st, 3*len(reqs))
	}
}

func TestBatchDependsOn(t *testing.T) {
	s, tok := startDemo(t, WithLatency(10*time.Millisecond))
	m := s.Tenant().Users[0].Messages[0].ID
	reqs := []batchReq{
		{ID: "1", Method: "GET", URL: "/me/messages/" + m + "?$select=id"},
		{ID: "2", Method: "GET", URL: "/me/messages/" + m + "/attachments", DependsOn: []string{"1"}},
		{ID: "3", Method: "GET", URL: "/me/messages/nope?$select=id", DependsOn: []string{"2"}},
		{ID: "4", Method: "GET", URL: "/me/mailFolders", DependsOn: []string{"3"}},
		{ID: "5", Method: "GET", URL: "/me/mailFolders/inbox", DependsOn: []string{"4"}},
	}
	s.ResetRequests()
	r, answers := postBatch(t, s, tok, reqs)
	if r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	got := byID(answers)
	want := map[string]int{"1": 200, "2": 200, "3": 400, "4": 424, "5": 424}
	for id, st := range want {
		if got[id].Status != st {
			t.Errorf("%s: %d %s, want %d", id, got[id].Status, got[id].Body, st)
		}
	}
	if c := answerCode(got["4"]); c != "FailedDependency" {
		t.Errorf("424 code %q", c)
	}
	if _, box := s.Peak(); box != 1 {
		t.Errorf("a batch with dependsOn ran %d requests at once on the mailbox, want 1", box)
	}
}

// TestBatchInnerFailures: FailNext falls on inner requests, each with its
// own Retry-After; the POST answers 200.
func TestBatchInnerFailures(t *testing.T) {
	s, tok := startDemo(t)
	s.FailNext(2, 429, "0.05")
	r, answers := postBatch(t, s, tok, messageGets(s, 5))
	if r.status != 200 || len(answers) != 5 {
		t.Fatalf("status %d, %d answers", r.status, len(answers))
	}
	var throttled []string
	for _, a := range answers {
		switch a.Status {
		case 429:
			if a.Headers["Retry-After"] != "0.05" || answerCode(a) != "TooManyRequests" {
				t.Errorf("%s: 429 with headers %v body %s", a.ID, a.Headers, a.Body)
			}
			throttled = append(throttled, a.ID)
		case 200:
		default:
			t.Errorf("%s: %d", a.ID, a.Status)
		}
	}
	if len(throttled) != 2 {
		t.Errorf("%d inner 429s, want 2", len(throttled))
	}
	if r := get(t, s, tok, "/me?$select=id"); r.status != 200 {
		t.Errorf("after the batch: %d", r.status)
	}
}

// TestBatchConcurrency: a batch runs 4 requests at a time, each holding its
// mailbox's slot, so it never exceeds the mailbox limit by itself.
func TestBatchConcurrency(t *testing.T) {
	const lat = 30 * time.Millisecond
	s, tok := startDemo(t, WithLatency(lat))
	s.SetMailboxConcurrency(4, "0.05")
	s.ResetRequests()
	start := time.Now()
	r, answers := postBatch(t, s, tok, messageGets(s, 12))
	took := time.Since(start)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, a := range answers {
		if a.Status != 200 {
			t.Errorf("%s: %d %s", a.ID, a.Status, a.Body)
		}
	}
	if _, box := s.Peak(); box < 2 || box > 4 {
		t.Errorf("%d requests at once on the mailbox, want 2 to 4", box)
	}
	if took < 3*lat {
		t.Errorf("12 requests 4 at a time of %v each took %v, want at least %v", lat, took, 3*lat)
	}
}
