package fakegraph

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const adele = "AdeleV@contoso.onmicrosoft.com"

var (
	demoOnce sync.Once
	demo     *Tenant
)

// sharedDemo is one Demo tenant for read-only tests.
func sharedDemo() *Tenant {
	demoOnce.Do(func() { demo = Demo() })
	return demo
}

// startDemo serves the shared demo tenant and returns a delegated token of
// Adele (with every consented scope).
func startDemo(t *testing.T, opts ...Option) (*Server, string) {
	t.Helper()
	s := New(sharedDemo(), opts...)
	t.Cleanup(s.Close)
	return s, s.IssueAccessToken(adele)
}

type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// get sends a GET to Graph; path is relative to /v1.0 or an absolute URL.
// Extra headers are name, value pairs.
func get(t *testing.T, s *Server, tok, path string, headers ...string) response {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.GraphURL() + path
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatalf("building request %s: %v", path, err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &r.json); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v\n%s", path, err, b)
		}
	}
	return r
}

// errCode is the Graph error code of a response, or "".
func (r response) errCode() string {
	if e, ok := r.json["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

func (r response) value() []map[string]any {
	var out []map[string]any
	for _, v := range r.json["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// all follows @odata.nextLink from path and returns every item.
func all(t *testing.T, s *Server, tok, path string, headers ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for pages := 0; path != ""; pages++ {
		if pages > 10000 {
			t.Fatalf("more than 10000 pages from %s", path)
		}
		r := get(t, s, tok, path, headers...)
		if r.status != 200 {
			t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
		}
		out = append(out, r.value()...)
		path, _ = r.json["@odata.nextLink"].(string)
	}
	return out
}

// ids returns the "id" of each item.
func ids(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
