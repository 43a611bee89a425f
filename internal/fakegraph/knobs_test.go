package fakegraph

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	s, tok := startDemo(t)
	cases := []struct {
		status int
		retry  string
		code   string
	}{
		{429, "0.05", "TooManyRequests"},
		{503, "1", "serviceNotAvailable"},
		{500, "", "generalException"},
		{504, "", "UnknownError"},
	}
	for _, c := range cases {
		s.FailNext(2, c.status, c.retry)
		for i := 0; i < 2; i++ {
			r := get(t, s, tok, "/me/messages?$top=1")
			if r.status != c.status || r.errCode() != c.code || r.header.Get("Retry-After") != c.retry {
				t.Errorf("%d #%d: got %d %s Retry-After %q", c.status, i, r.status, r.errCode(), r.header.Get("Retry-After"))
			}
		}
		if r := get(t, s, tok, "/me/messages?$top=1"); r.status != 200 {
			t.Errorf("after %d failures: %d", c.status, r.status)
		}
	}
	// The 429 body is the documented one.
	s.FailNext(1, 429, "2.128")
	r := get(t, s, tok, "/me")
	inner := r.json["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["code"] != "429" || inner["status"] != "429" || r.json["error"].(map[string]any)["message"] != "Please retry again later." {
		t.Errorf("429 body %s", r.body)
	}
	// Failed requests are logged and counted.
	var failed int
	for _, q := range s.Requests() {
		if q.Status >= 429 {
			failed++
		}
	}
	if failed != 9 {
		t.Errorf("%d failed requests logged, want 9", failed)
	}
}

func TestDropNext(t *testing.T) {
	s, tok := startDemo(t)
	s.DropNext(2)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", s.GraphURL()+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped request #%d got a response %d", i, resp.StatusCode)
		}
	}
	if r := get(t, s, tok, "/me"); r.status != 200 {
		t.Errorf("after drops: %d", r.status)
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[0].Status != 0 || reqs[1].Status != 0 || reqs[2].Status != 200 {
		t.Errorf("log %+v", reqs)
	}
}

func TestLatency(t *testing.T) {
	// A lower bound is exact; the upper one only tells "no 300 ms delay"
	// apart from it, with room for a loaded machine.
	s, tok := startDemo(t, WithLatency(300*time.Millisecond))
	start := time.Now()
	get(t, s, tok, "/me/messages?$top=1")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("request took %v with 300ms latency", d)
	}
	s.SetLatency(0)
	start = time.Now()
	get(t, s, tok, "/me/messages?$top=1")
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("request took %v without latency", d)
	}
}

func TestMailboxConcurrency(t *testing.T) {
	s, tok := startDemo(t, WithLatency(150*time.Millisecond))
	statuses := make([]int, 5)
	retry := make([]string, 5)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 4 {
				time.Sleep(50 * time.Millisecond) // the fifth arrives while four are in flight
			}
			r := get(t, s, tok, "/me/messages?$top=1")
			statuses[i] = r.status
			retry[i] = r.header.Get("Retry-After")
			if r.status == 429 && r.errCode() != "ApplicationThrottled" {
				t.Errorf("429 code %s", r.errCode())
			}
		}()
	}
	wg.Wait()
	for i := range 4 {
		if statuses[i] != 200 {
			t.Errorf("request %d: %d", i, statuses[i])
		}
	}
	if statuses[4] != 429 || retry[4] != "0.05" {
		t.Errorf("fifth concurrent request: %d Retry-After %q, want 429 0.05", statuses[4], retry[4])
	}
	// Another mailbox is not affected, and the limit can be lifted.
	s.SetMailboxConcurrency(0, "")
	var ok sync.WaitGroup
	for range 6 {
		ok.Add(1)
		go func() {
			defer ok.Done()
			if r := get(t, s, tok, "/me/mailFolders?$top=1"); r.status != 200 {
				t.Errorf("without a limit: %d", r.status)
			}
		}()
	}
	ok.Wait()
}
