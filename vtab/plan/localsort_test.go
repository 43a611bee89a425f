package plan

import (
	"net/url"
	"reflect"
	"testing"
)

// TestLocalSort: the request a runner sends when Graph refuses a $filter
// with $orderby as too complex is the planner's own: the same path and
// $filter (sort key first), no $orderby or $skip, pages of the table's
// MaxTop, no Limit; the sort key, direction, OFFSET and LIMIT come as
// values, so that no runner parses the planner's URL.
func TestLocalSort(t *testing.T) {
	from := c("from_address", eq, "bob@contoso.com")
	tests := []struct {
		name string
		q    sqlQuery
		want *LocalSort // nil: no $orderby, nothing to sort
	}{
		{"newest first from a sender",
			sqlQuery{t: messages, cons: []con{from}, order: []ob{{"received_date_time", true}}, cols: []string{"id"}},
			&LocalSort{Request: me("/me/messages?$filter=receivedDateTime%20ge%201900-01-01T00:00:00Z%20and%20from/emailAddress/address%20eq%20'bob@contoso.com'&$select=id&$top=1000"),
				Property: "receivedDateTime", Desc: true}},
		{"LIMIT and OFFSET: $skip becomes Skip, the limit Limit",
			sqlQuery{t: messages, cons: []con{limit(4), offset(3)}, order: []ob{{"received_date_time", false}}, cols: []string{"id"}},
			&LocalSort{Request: me("/me/messages?$select=id&$top=1000"),
				Property: "receivedDateTime", Skip: 3, Limit: 4}},
		{"no ORDER BY", sqlQuery{t: messages, cons: []con{from}, cols: []string{"id"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, err := tt.q.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Requests) != 1 {
				t.Fatalf("got %d requests, want 1", len(s.Requests))
			}
			ls, ok := s.LocalSort(0)
			if tt.want == nil {
				if ok {
					t.Errorf("LocalSort: got %+v, want none", ls)
				}
				return
			}
			if !ok || !reflect.DeepEqual(ls, *tt.want) {
				t.Errorf("LocalSort:\n got %+v (%v)\nwant %+v", ls, ok, *tt.want)
			}
			// The same request as the planner's with $orderby and $skip
			// removed and $top raised, as the runner used to derive it.
			sent, err := url.Parse(s.Requests[0].URL)
			if err != nil {
				t.Fatal(err)
			}
			q := sent.Query()
			q.Del("$orderby")
			q.Del("$skip")
			q.Del("$count") // the first page's, for a split: a local sort is never split
			q.Set("$top", "1000")
			got, err := url.Parse(ls.Request.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != sent.Path || !reflect.DeepEqual(got.Query(), q) {
				t.Errorf("LocalSort URL %s is not %s without $orderby and $skip", ls.Request.URL, s.Requests[0].URL)
			}
			if _, ok := s.LocalSort(1); ok {
				t.Error("LocalSort(1) of a one-request scan: got ok")
			}
		})
	}
}
