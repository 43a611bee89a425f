package plan

import (
	"testing"
)

// TestPartition: which listings may be split, and the URLs of their count,
// probes and chains: the range first, in place of the sort key's
// tautology, and the request's own terms after it.
func TestPartition(t *testing.T) {
	const d1, d2 = "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z"
	tests := []struct {
		name  string
		q     sqlQuery
		order int
		// count, probe at $skip=7, chain [d1, d2) and chain [d2, ∞); "" for
		// no Partition
		count, probe, mid, last string
	}{
		{"every message", sqlQuery{t: messages},
			0,
			"/me/messages/$count",
			"/me/messages?$orderby=receivedDateTime%20asc&$select=receivedDateTime&$skip=7&$top=1",
			"/me/messages?$filter=receivedDateTime%20ge%20" + d1 + "%20and%20receivedDateTime%20lt%20" + d2 + "&$select=id&$top=1000",
			"/me/messages?$filter=receivedDateTime%20ge%20" + d2 + "&$select=id&$top=1000"},
		{"a filter, ORDER BY received_date_time DESC", sqlQuery{t: messages, cons: []con{c("importance", eq, "high")}, order: []ob{{"received_date_time", true}}},
			-1,
			"/me/messages/$count?$filter=importance%20eq%20'high'",
			"/me/messages?$filter=receivedDateTime%20ge%201900-01-01T00:00:00Z%20and%20importance%20eq%20'high'&$orderby=receivedDateTime%20asc&$select=receivedDateTime&$skip=7&$top=1",
			"/me/messages?$filter=receivedDateTime%20ge%20" + d1 + "%20and%20receivedDateTime%20lt%20" + d2 + "%20and%20importance%20eq%20'high'&$orderby=receivedDateTime%20desc&$select=id&$top=1000",
			"/me/messages?$filter=receivedDateTime%20ge%20" + d2 + "%20and%20importance%20eq%20'high'&$orderby=receivedDateTime%20desc&$select=id&$top=1000"},
		{"a range of its own, in a folder", sqlQuery{t: messages, cons: []con{c("folder_id", eq, "inbox"), c("received_date_time", ge, "2023-01-01")}, order: []ob{{"received_date_time", false}}},
			1,
			"/me/mailFolders/inbox/messages/$count?$filter=receivedDateTime%20ge%202023-01-01T00:00:00Z",
			"/me/mailFolders/inbox/messages?$filter=receivedDateTime%20ge%202023-01-01T00:00:00Z&$orderby=receivedDateTime%20asc&$select=receivedDateTime&$skip=7&$top=1",
			"/me/mailFolders/inbox/messages?$filter=receivedDateTime%20ge%20" + d1 + "%20and%20receivedDateTime%20lt%20" + d2 + "%20and%20receivedDateTime%20ge%202023-01-01T00:00:00Z&$orderby=receivedDateTime%20asc&$select=id&$top=1000",
			"/me/mailFolders/inbox/messages?$filter=receivedDateTime%20ge%20" + d2 + "%20and%20receivedDateTime%20ge%202023-01-01T00:00:00Z&$orderby=receivedDateTime%20asc&$select=id&$top=1000"},
		{"a LIMIT", sqlQuery{t: messages, cons: []con{limit(5000)}}, 0, "", "", "", ""},
		{"OFFSET as $skip", sqlQuery{t: messages, cons: []con{limit(10), offset(5000)}, order: []ob{{"received_date_time", true}}}, 0, "", "", "", ""},
		{"a search", sqlQuery{t: messages, cons: []con{c("search", match, "x")}}, 0, "", "", "", ""},
		{"ORDER BY created_date_time, pushed", sqlQuery{t: messages, order: []ob{{"created_date_time", false}}}, 0, "", "", "", ""},
		{"a GET by id", sqlQuery{t: messages, cons: []con{c("id", eq, "X")}}, 0, "", "", "", ""},
		{"folders", sqlQuery{t: folders}, 0, "", "", "", ""},
		{"attachments through $expand", sqlQuery{t: attachments}, 0, "", "", "", ""},
		{"users", sqlQuery{t: users}, 0, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, err := tt.q.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			var p *Partition
			for _, r := range s.Requests {
				if r.Part != nil {
					p = r.Part
				}
			}
			if tt.count == "" {
				if p != nil {
					t.Fatalf("a Partition for %+v", s.Requests)
				}
				return
			}
			if p == nil || len(s.Requests) != 1 {
				t.Fatalf("no Partition: %+v", s.Requests)
			}
			if p.Property != "receivedDateTime" || p.Order != tt.order {
				t.Errorf("Property %q Order %d, want receivedDateTime %d", p.Property, p.Order, tt.order)
			}
			for _, x := range []struct{ what, got, want string }{
				{"count", p.CountURL(), tt.count},
				{"probe", p.ProbeURL(7), tt.probe},
				{"chain [d1, d2)", p.ChainURL(d1, d2), tt.mid},
				{"chain [d2, ∞)", p.ChainURL(d2, ""), tt.last},
			} {
				if x.got != x.want {
					t.Errorf("%s:\n got %s\nwant %s", x.what, x.got, x.want)
				}
			}
		})
	}
}
