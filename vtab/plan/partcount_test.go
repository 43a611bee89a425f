package plan

import "testing"

// TestPartitionFirstPageCount: a listing that may be split asks for its
// @odata.count on its first page (the chains and probes do not), so the
// runner decides to split without a /$count request; with Sequential
// (ParallelScans=1) it has no Partition and no $count.
func TestPartitionFirstPageCount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		q         sqlQuery
		url       string
		partition bool
	}{
		{"every message", sqlQuery{t: messages},
			"/me/messages?$select=id&$top=1000&$count=true", true},
		{"ORDER BY received_date_time DESC", sqlQuery{t: messages, order: []ob{{"received_date_time", true}}},
			"/me/messages?$orderby=receivedDateTime%20desc&$select=id&$top=1000&$count=true", true},
		{"Sequential", sqlQuery{t: messages, d: Defaults{Sequential: true}},
			"/me/messages?$select=id&$top=1000", false},
		{"a LIMIT", sqlQuery{t: messages, cons: []con{limit(5000)}},
			"/me/messages?$select=id&$top=1000", false},
		{"folders", sqlQuery{t: folders},
			"/me/mailFolders?includeHiddenFolders=true&$select=id,displayName,parentFolderId,childFolderCount&$top=1000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, s, err := tc.q.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Requests) != 1 {
				t.Fatalf("%d requests, want 1", len(s.Requests))
			}
			r := s.Requests[0]
			if r.URL != tc.url || (r.Part != nil) != tc.partition {
				t.Errorf("URL %s, Partition %v; want %s, %v", r.URL, r.Part != nil, tc.url, tc.partition)
			}
			if r.Part != nil {
				if u := r.Part.ChainURL("2024-01-01T00:00:00Z", ""); u != "/me/messages?$filter=receivedDateTime%20ge%202024-01-01T00:00:00Z&$select=id&$top=1000" &&
					u != "/me/messages?$filter=receivedDateTime%20ge%202024-01-01T00:00:00Z&$orderby=receivedDateTime%20desc&$select=id&$top=1000" {
					t.Errorf("chain URL %s asks for a count, or lost its query", u)
				}
			}
		})
	}
}
