package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/redirect"
)

// TestUpload: a chunk goes to the upload URL on another host, as a PUT
// with Content-Range and Content-Length, without the bearer token; the Log
// shows the URL without its query (the session's credential); the Budget
// counts it.
func TestUpload(t *testing.T) {
	graph := newWriteServer(t) // the BaseURL host: must see nothing
	up := newWriteServer(t)
	up.single = func(n int, r wreq) reply {
		if n == 0 {
			return reply{answer: answer{status: 200, body: `{"expirationDateTime":"2030-01-01T00:00:00Z","nextExpectedRanges":["4-"]}`}}
		}
		return reply{answer: answer{status: 201}}
	}
	c := graph.client(Options{})
	var log Log
	b := NewBudget(0)
	ctx := WithBudget(WithLog(context.Background(), &log), b)
	url := up.URL + "/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=sessionsecret123"
	resp, err := c.Upload(ctx, url, []byte("abcd"), 0, 6)
	if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), "nextExpectedRanges") {
		t.Fatalf("%v %+v", err, resp)
	}
	if resp, err = c.Upload(ctx, url, []byte("ef"), 4, 6); err != nil || resp.Status != 201 {
		t.Fatalf("%v %+v", err, resp)
	}
	if graph.count() != 0 || up.count() != 2 {
		t.Fatalf("graph got %d, upload host %d", graph.count(), up.count())
	}
	for i, want := range []struct{ rng, length, body string }{{"bytes 0-3/6", "4", "abcd"}, {"bytes 4-5/6", "2", "ef"}} {
		r := up.reqs[i]
		if r.Method != "PUT" || r.Path != "/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=sessionsecret123" ||
			r.Header.Get("Content-Range") != want.rng || r.Header.Get("Content-Length") != want.length || r.Body != want.body {
			t.Errorf("PUT %d: %s %s %v %q", i, r.Method, r.Path, r.Header, r.Body)
		}
		if _, ok := r.Header["Authorization"]; ok {
			t.Errorf("PUT %d carries Authorization: %q", i, r.Header.Get("Authorization"))
		}
	}
	recs := log.Records()
	if len(recs) != 2 || recs[0].Method != "PUT" || recs[0].URL != up.URL+"/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')" {
		t.Errorf("log %+v", recs)
	}
	for _, r := range recs {
		if strings.Contains(r.URL, "sessionsecret123") {
			t.Errorf("the log shows the session's credential: %s", r.URL)
		}
	}
	if b.Used() != 2 {
		t.Errorf("budget used %d", b.Used())
	}
}

// TestUploadRetries: a chunk before the last is sent again after a 503 as
// the policy says; the last one, which completes the attachment, is
// ambiguous after a 5xx and is not sent again. Errors never show the
// URL's credential.
func TestUploadRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		start     int64
		requests  int
		ambiguous bool
	}{
		{"middle chunk", 0, 2, false},
		{"last chunk", 4, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t)
			s.single = func(n int, _ wreq) reply {
				if n == 0 {
					return reply{answer: answer{status: 503, body: `{"error":{"code":"serviceNotAvailable","message":"Try sessionsecret123 later."}}`}}
				}
				return reply{answer: answer{status: 200}}
			}
			c := s.client(Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 3}})
			_, err := c.Upload(context.Background(), s.URL+"/up/s?authtoken=sessionsecret123", []byte("ab"), tc.start, 6)
			if s.count() != tc.requests {
				t.Errorf("%d requests, want %d", s.count(), tc.requests)
			}
			if tc.ambiguous {
				want := "graph: PUT " + s.URL + "/up/s: 503 serviceNotAvailable: Try [redacted] later.: the request may have happened: check before retrying"
				if !MayHaveHappened(err) || err.Error() != want {
					t.Errorf("error %v\nwant  %s", err, want)
				}
			} else if err != nil {
				t.Errorf("error %v", err)
			}
		})
	}
}

// TestUploadRefusals: a redirect is refused (nothing reaches its target,
// the chunk is not sent twice); a URL that is not https (or http on a
// loopback host), or a chunk that does not fit, is refused before any
// request, without showing the URL's query.
func TestUploadRefusals(t *testing.T) {
	w := newWitness(t)
	s := newWriteServer(t)
	s.single = func(int, wreq) reply {
		return reply{answer: answer{status: 307, header: map[string]string{"Location": w.URL + "/elsewhere"}}}
	}
	c := s.client(Options{Retry: Retry{Mode: RetryAny, MaxRetries: 3}})
	_, err := c.Upload(context.Background(), s.URL+"/up?authtoken=sessionsecret123", []byte("ab"), 0, 4)
	var rerr *redirect.Error
	if !errors.As(err, &rerr) || rerr.Status != 307 || s.count() != 1 || len(w.Received()) != 0 {
		t.Errorf("redirect: %v; %d requests, witness got %v", err, s.count(), w.Received())
	}
	for _, tc := range []struct {
		url   string
		chunk []byte
		start int64
		total int64
		want  string
	}{
		{"http://upload.example.com/s?authtoken=sessionsecret123", []byte("ab"), 0, 4, "graph: upload URL http://upload.example.com/s is not an absolute https URL"},
		{"/relative/s?authtoken=sessionsecret123", []byte("ab"), 0, 4, "graph: upload URL :///relative/s is not an absolute https URL"},
		{s.URL + "/s", []byte("ab"), 3, 4, "graph: upload chunk of 2 bytes from 3 does not fit in 4 bytes"},
		{s.URL + "/s", nil, 0, 4, "graph: upload chunk of 0 bytes from 0 does not fit in 4 bytes"},
		{"https://host/%zz?authtoken=sessionsecret123", []byte("ab"), 0, 4, "graph: the upload URL is not a URL (not shown: it holds a credential)"},
	} {
		_, err := c.Upload(context.Background(), tc.url, tc.chunk, tc.start, tc.total)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "sessionsecret123") {
			t.Errorf("Upload(%s): %v\nwant %s", tc.url, err, tc.want)
		}
	}
	if s.count() != 1 {
		t.Errorf("%d requests after the refusals, want 1", s.count())
	}
	// Large chunks keep their bytes exact.
	big := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)
	s.single = func(int, wreq) reply { return reply{answer: answer{status: 201}} }
	if _, err := c.Upload(context.Background(), s.URL+"/up", big, 0, int64(len(big))); err != nil {
		t.Fatal(err)
	}
	if r := s.reqs[1]; r.Body != string(big) || r.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-%d/%d", len(big)-1, len(big)) ||
		r.Header.Get("Content-Type") != "application/octet-stream" || r.Header.Get("Authorization") != "" {
		t.Errorf("big chunk: %d bytes, %v", len(r.Body), r.Header)
	}
}
