package graph

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// collect drains p, returning the ids seen and the error that ended it.
func collect(p *Pager) ([]string, error) {
	var ids []string
	for {
		v, err := p.Next()
		if err != nil {
			return ids, err
		}
		for _, m := range v.Array() {
			ids = append(ids, m.Get("id").String())
		}
	}
}

func TestPagesFollowsNextLinkVerbatim(t *testing.T) {
	s := serve(t,
		ok(`{"@odata.context":"x","@odata.count":5,"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"{{base}}/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$skip=13"}`),
		ok(`{"value":[],"@odata.nextLink":"{{base}}/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$skip=27"}`),
		ok(`{"value":[{"id":"c"},{"id":"d"},{"id":"e"}]}`),
	)
	c := client(s, Options{})
	p := c.Pages(context.Background(), "me", "/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$top=2", nil)
	if p.Pages() != 0 || len(s.requests()) != 0 {
		t.Fatal("Pages sent a request before Next")
	}
	v, err := p.Next()
	if err != nil || len(v.Array()) != 2 || !strings.Contains(string(p.Page()), `"@odata.count":5`) || p.Pages() != 1 {
		t.Fatalf("first page: %v %v %s", v, err, p.Page())
	}
	ids, err := collect(p)
	if err != io.EOF {
		t.Fatalf("end = %v, want io.EOF", err)
	}
	if !reflect.DeepEqual(ids, []string{"c", "d", "e"}) || p.Pages() != 3 {
		t.Errorf("ids = %v, pages = %d", ids, p.Pages())
	}
	want := []string{
		"/v1.0/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$top=2",
		"/v1.0/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$skip=13",
		"/v1.0/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$skip=27",
	}
	if got := s.uris(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests =\n%q\nwant\n%q", got, want)
	}
	if _, err := p.Next(); err != io.EOF {
		t.Errorf("after end: %v", err)
	}
}

func TestPagesDeltaLink(t *testing.T) {
	s := serve(t,
		ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/mailFolders/inbox/messages/delta?$skiptoken=s1"}`),
		ok(`{"value":[{"id":"b"}],"@odata.deltaLink":"{{base}}/me/mailFolders/inbox/messages/delta?$deltatoken=d1"}`),
	)
	c := client(s, Options{})
	p := c.Pages(context.Background(), "me", "/me/mailFolders/inbox/messages/delta", nil)
	ids, err := collect(p)
	if err != io.EOF || !reflect.DeepEqual(ids, []string{"a", "b"}) {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	if want := s.URL + "/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=d1"; p.DeltaLink() != want {
		t.Errorf("DeltaLink = %q, want %q", p.DeltaLink(), want)
	}
}

func TestPagesErrors(t *testing.T) {
	page1 := ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages?$skip=10"}`)
	tests := []struct {
		name  string
		steps []step
		ids   []string
		err   string
	}{
		{"second page fails", []step{page1, badFilter}, []string{"a"},
			"graph: GET /me/messages?$skip=10: 400 InefficientFilter: The restriction or sort order is too complex for this operation. (request-id 1234)"},
		{"second page throttled past retries", []step{page1, throttled("0.001")}, []string{"a"},
			"graph: GET /me/messages?$skip=10: 429 TooManyRequests: Please retry again later. (request-id r-429; gave up after 3 attempts)"},
		{"no value array", []step{page1, ok(`{"id":"x"}`)}, []string{"a"},
			`graph: GET /me/messages?$skip=10: page 2 has no "value" array`},
		{"truncated JSON", []step{page1, ok(`{"value":[{"id":"b"}`)}, []string{"a"},
			`graph: GET /me/messages?$skip=10: page 2 is not valid JSON`},
		{"foreign nextLink", []step{ok(`{"value":[{"id":"a"}],"@odata.nextLink":"https://elsewhere.example/v1.0/me/messages?$skip=10"}`)}, []string{"a"},
			`graph: refusing to send the access token to https://elsewhere.example: the URL "https://elsewhere.example/v1.0/me/messages?$skip=10" is not on BaseUrl {{base}}`},
		{"nextLink loops", []step{ok(`{"value":[{"id":"a"}],"@odata.nextLink":"{{base}}/me/messages"}`), ok(`{"value":[{"id":"b"}],"@odata.nextLink":"{{base}}/me/messages"}`)}, []string{"a"},
			`graph: GET /me/messages: the @odata.nextLink of page 1 points to the same page (/me/messages); stopping: the server's paging loops`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.steps...)
			c := client(s, Options{Retry: Retry{Mode: RetryWhenStatusCodeMatch, MaxRetries: 2}})
			p := c.Pages(context.Background(), "me", "/me/messages", nil)
			ids, err := collect(p)
			want := strings.ReplaceAll(tt.err, "{{base}}", s.URL+"/v1.0")
			if err == nil || errors.Is(err, io.EOF) || err.Error() != want {
				t.Errorf("error = %v\n        want %s", err, want)
			}
			if !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			if _, again := p.Next(); again == nil || again.Error() != err.Error() {
				t.Errorf("Next after error = %v, want the same error", again)
			}
		})
	}
}
