package fakegraph

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkFullScan100k pages through a 100,000-message mailbox with
// $top=1000 and every column the messages table selects.
func BenchmarkFullScan100k(b *testing.B) {
	tn := Generate(GenConfig{Seed: 1, Users: 1, MessagesPerUser: 100_000})
	s := New(tn)
	defer s.Close()
	tok := s.IssueAccessToken(tn.Users[0].UserPrincipalName)
	b.ResetTimer()
	for range b.N {
		next := s.GraphURL() + "/me/messages?$top=1000&$select=subject,bodyPreview,body,from,sender,toRecipients,ccRecipients,receivedDateTime,isRead,flag,categories"
		pages, total := 0, 0
		for next != "" {
			req, _ := http.NewRequest("GET", next, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			total += len(body)
			next = ""
			if i := indexOf(body, `"@odata.nextLink":"`); i >= 0 {
				rest := body[i+len(`"@odata.nextLink":"`):]
				next = string(rest[:indexOf(rest, `"`)])
			}
			pages++
		}
		b.SetBytes(int64(total))
		if pages != 100 {
			b.Fatalf("%d pages", pages)
		}
	}
}

func indexOf(b []byte, s string) int { return bytes.Index(b, []byte(s)) }
