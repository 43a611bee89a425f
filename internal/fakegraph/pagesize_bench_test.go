package fakegraph

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// Page sizes (issue 11, right-sized pages): the bytes per row of a scan at
// each $top, against a generated mailbox of pageSizeMessages messages, with
// the $select the planner sends for SELECT subject, body (and for the
// attachments scan through messages?$expand=attachments). Run:
//
//	go test ./internal/fakegraph/ -run '^$' -bench 'Pages' -benchtime 1x
//
// bytes/row is what a row costs on the wire, maxpage/B the largest page of
// the scan (what Graph must assemble before it answers), pages the requests.

const pageSizeMessages = 2000

var pageSizeTops = []int{10, 50, 100, 250, 500, 1000}

// scanPages follows every nextLink from path and returns the bytes read,
// the largest page, the pages and the rows (items of "value", or their
// expanded attachments when nested is set).
func scanPages(b *testing.B, s *Server, tok, path, nested string) (total, largest, pages, rows int) {
	next := s.GraphURL() + path
	for next != "" {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
		}
		var page struct {
			Value    []map[string]json.RawMessage `json:"value"`
			NextLink string                       `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			b.Fatal(err)
		}
		for _, item := range page.Value {
			if nested == "" {
				rows++
				continue
			}
			var list []json.RawMessage
			json.Unmarshal(item[nested], &list)
			rows += len(list)
		}
		total += len(body)
		largest = max(largest, len(body))
		pages++
		next = page.NextLink
	}
	return total, largest, pages, rows
}

func benchPages(b *testing.B, path func(top int) string, nested string) {
	tn := Generate(GenConfig{Seed: 1, Users: 1, MessagesPerUser: pageSizeMessages})
	s := New(tn)
	defer s.Close()
	tok := s.IssueAccessToken(tn.Users[0].UserPrincipalName)
	for _, top := range pageSizeTops {
		b.Run("top="+strconv.Itoa(top), func(b *testing.B) {
			var total, largest, pages, rows int
			for range b.N {
				total, largest, pages, rows = scanPages(b, s, tok, path(top), nested)
			}
			if rows == 0 {
				b.Fatal("no rows")
			}
			b.ReportMetric(float64(total)/float64(rows), "bytes/row")
			b.ReportMetric(float64(largest), "maxpage/B")
			b.ReportMetric(float64(pages), "pages")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

// BenchmarkBodyPages: SELECT subject, body FROM messages.
func BenchmarkBodyPages(b *testing.B) {
	benchPages(b, func(top int) string {
		return "/me/messages?$select=id,subject,body&$top=" + strconv.Itoa(top)
	}, "")
}

// BenchmarkHeaderPages: SELECT internet_message_headers FROM messages.
func BenchmarkHeaderPages(b *testing.B) {
	benchPages(b, func(top int) string {
		return "/me/messages?$select=id,internetMessageHeaders&$top=" + strconv.Itoa(top)
	}, "")
}

// BenchmarkExpandPages: SELECT message_id, name, size FROM attachments,
// read through messages?$expand=attachments; a row is an attachment.
func BenchmarkExpandPages(b *testing.B) {
	benchPages(b, func(top int) string {
		return "/me/messages?$select=id&$expand=attachments($select=id,name,size)&$top=" + strconv.Itoa(top)
	}, "attachments")
}

// BenchmarkExpandContentPages: SELECT content FROM attachments: the
// attachments whole, bytes included.
func BenchmarkExpandContentPages(b *testing.B) {
	benchPages(b, func(top int) string {
		return "/me/messages?$select=id&$expand=attachments&$top=" + strconv.Itoa(top)
	}, "attachments")
}
