package syncdb

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// replay serves Graph's documented delta pages (testdata, copied from the
// reference's examples) with their links pointed at the test server:
// the first round is pages 1-3, a GET of the final deltaLink is page 4.
type replay struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newReplay(t *testing.T) *replay {
	r := &replay{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.URL.RequestURI()+" | "+req.Header.Get("Prefer"))
	r.mu.Unlock()
	file := ""
	q := req.URL.RawQuery
	switch {
	case req.URL.Path == "/v1.0/me":
		w.Write([]byte(`{"id":"5b0a2a8e-user"}`))
		return
	case req.URL.Path == "/v1.0/me/mailFolders/delta":
		file = "mailfolders-delta-replay.json"
	case req.URL.Path == "/v1.0/me/mailfolders/delta" && q == "$deltatoken=folders1":
		file = "mailfolders-delta-replay.json"
	case req.URL.Path == "/v1.0/me/mailFolders/AQMkADNkNAAAgEMAAAA/messages/delta":
		file = "messages-delta-1-first-page.json"
	case strings.HasSuffix(q, "GwcBoTmPuoTQWfcsAbkYM"):
		file = "messages-delta-2-next-page.json"
	case strings.HasSuffix(q, "GwcBoTmPKILK4jLH7mAd1lLU"):
		file = "messages-delta-3-final-page-deltalink.json"
	case strings.HasSuffix(q, "GwcBoTmPuoGNlgXgF1nyUNMXY"):
		file = "messages-delta-4-next-round-removed.json"
	default:
		http.Error(w, `{"error":{"code":"NotReplayed","message":"not in the replay"}}`, http.StatusNotFound)
		return
	}
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		r.t.Error(err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(strings.ReplaceAll(string(b), "https://graph.microsoft.com/v1.0", r.srv.URL+"/v1.0")))
}

func (r *replay) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// query returns a query's rows as strings ("NULL" for NULL).
func query(t *testing.T, path, q string, args ...any) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReplayDocumentedDeltaPages(t *testing.T) {
	rp := newReplay(t)
	path := filepath.Join(t.TempDir(), "mail.db")
	client := graph.New(graph.Options{BaseURL: rp.srv.URL + "/v1.0"})
	opts := Options{Client: client, Path: path, Tables: []string{"messages", "mail_folders"}, PageSize: 2, BodyContentType: "text"}

	s, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Added != 5 || s.Changed != 0 || s.Deleted != 0 || s.Folders != 1 || s.Requests != 5 {
		t.Errorf("first run: %+v; want 5 added, 1 folder, 5 requests", s)
	}
	sel := "id,subject,bodyPreview,from,sender,toRecipients,ccRecipients,bccRecipients,replyTo,receivedDateTime,sentDateTime,createdDateTime,lastModifiedDateTime,importance,inferenceClassification,isRead,isDraft,hasAttachments,isReadReceiptRequested,isDeliveryReceiptRequested,flag,categories,conversationId,internetMessageId,parentFolderId,webLink,changeKey"
	prefer := `IdType="ImmutableId", outlook.body-content-type="text"`
	wantReqs := []string{
		"/v1.0/me?$select=id | ",
		"/v1.0/me/mailFolders/delta | " + prefer,
		"/v1.0/me/mailFolders/AQMkADNkNAAAgEMAAAA/messages/delta?$select=" + sel + " | " + prefer + ", odata.maxpagesize=2",
		"/v1.0/me/mailfolders('AQMkADNkNAAAgEMAAAA')/messages/delta?$skiptoken=GwcBoTmPuoTQWfcsAbkYM | " + prefer + ", odata.maxpagesize=2",
		"/v1.0/me/mailfolders('AQMkADNkNAAAgEMAAAA')/messages/delta?$skiptoken=GwcBoTmPKILK4jLH7mAd1lLU | " + prefer + ", odata.maxpagesize=2",
		"/v1.0/me/mailfolders('AQMkADNkNAAAgEMAAAA')/messages/delta?$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY | " + prefer + ", odata.maxpagesize=2",
	}
	got := rp.requests()
	if !reflect.DeepEqual(got[:5], wantReqs[:5]) {
		t.Errorf("first run requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantReqs[:5], "\n"))
	}

	folders := query(t, path, "SELECT user_id, id, display_name, parent_folder_id, path, child_folder_count, unread_item_count, total_item_count, is_hidden FROM mail_folders")
	wantFolders := [][]string{{"5b0a2a8e-user", "AQMkADNkNAAAgEMAAAA", "Inbox", "AQMkADNkNAAAgEIAAAA", "Inbox", "0", "1", "5", "0"}}
	if !reflect.DeepEqual(folders, wantFolders) {
		t.Errorf("mail_folders = %v, want %v (the search folder skipped)", folders, wantFolders)
	}
	const cols = "user_id, id, subject, is_read, sender_name, sender_address, from_address, parent_folder_id, body"
	wantRows := [][]string{
		{"5b0a2a8e-user", "AAMkADNkNAAASq35xAAA=", "Holiday hours update", "0", "Dana Swope", "danas@contoso.onmicrosoft.com", "NULL", "AQMkADNkNAAAgEMAAAA", "NULL"},
		{"5b0a2a8e-user", "AAMkADk0MGFkODE3LWEAAA=", "Fabric CDN now available", "1", "Jodie Sharp", "Jodie.Sharp@contoso.com", "NULL", "AQMkADNkNAAAgEMAAAA", "NULL"},
		{"5b0a2a8e-user", "AQMkADNkNAAAVRMKAAAAA==", "Holiday promotion sale", "1", "Samantha Booth", "samanthab@contoso.onmicrosoft.com", "NULL", "AQMkADNkNAAAgEMAAAA", "NULL"},
		{"5b0a2a8e-user", "AQMkADNkNAAAgWJAAAA", "New or modified user account information", "1", "Randi Welch", "randiw@contoso.onmicrosoft.com", "NULL", "AQMkADNkNAAAgEMAAAA", "NULL"},
		{"5b0a2a8e-user", "AQMkADNkNAAAgWkAAAA", "Microsoft Virtual Academy at Contoso", "1", "Elliot Hyde", "elliot-hyde@tailspintoys.com", "NULL", "AQMkADNkNAAAgEMAAAA", "NULL"},
	}
	if rows := query(t, path, "SELECT "+cols+" FROM messages ORDER BY id"); !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("messages after the first round:\n%v\nwant\n%v", rows, wantRows)
	}
	delta := query(t, path, "SELECT user_id, resource, folder_id, delta_link FROM _outlooksql_delta ORDER BY resource")
	wantDelta := [][]string{
		{"5b0a2a8e-user", "mailFolders", "", rp.srv.URL + "/v1.0/me/mailfolders/delta?$deltatoken=folders1"},
		{"5b0a2a8e-user", "messages", "AQMkADNkNAAAgEMAAAA", rp.srv.URL + "/v1.0/me/mailfolders('AQMkADNkNAAAgEMAAAA')/messages/delta?$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY"},
	}
	if !reflect.DeepEqual(delta, wantDelta) {
		t.Errorf("_outlooksql_delta = %v, want %v", delta, wantDelta)
	}

	// Round two: page 4 removes an id the file does not have and marks
	// "Holiday hours update" read (isRead sent as the string "true").
	s, err = Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Added != 0 || s.Changed != 1 || s.Deleted != 0 || s.Moved != 0 || s.Requests != 3 {
		t.Errorf("second run: %+v; want 1 changed, 3 requests", s)
	}
	if got := rp.requests(); !reflect.DeepEqual(got[2:], wantReqs[5:]) {
		t.Errorf("second run requests:\n%s\nwant the saved deltaLink:\n%s", strings.Join(got, "\n"), wantReqs[5])
	}
	wantRows[0][3] = "1"
	if rows := query(t, path, "SELECT "+cols+" FROM messages ORDER BY id"); !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("messages after the second round:\n%v\nwant\n%v", rows, wantRows)
	}
	runs := query(t, path, "SELECT run_id, mailboxes, tables, body, folders, added, changed, moved, deleted, requests, error FROM _outlooksql_runs ORDER BY run_id")
	wantRuns := [][]string{
		{"1", `["5b0a2a8e-user"]`, "messages,mail_folders", "0", "1", "5", "0", "0", "0", "5", "NULL"},
		{"2", `["5b0a2a8e-user"]`, "messages,mail_folders", "0", "1", "0", "1", "0", "0", "3", "NULL"},
	}
	if !reflect.DeepEqual(runs, wantRuns) {
		t.Errorf("_outlooksql_runs = %v, want %v", runs, wantRuns)
	}
}
