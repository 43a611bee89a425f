package plan

import "testing"

// TestChildrenURL: a folder-tree walk asks the plan for a folder's
// children; the folder id is one escaped path segment.
func TestChildrenURL(t *testing.T) {
	_, s, err := sqlQuery{t: folders, cols: []string{"display_name"}}.plan(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Requests) != 1 {
		t.Fatalf("got %d requests, want 1", len(s.Requests))
	}
	r := s.Requests[0]
	want := "/me/mailFolders/AQMk%2FAA=%20x/childFolders?includeHiddenFolders=true&$select=id,displayName,parentFolderId,childFolderCount&$top=" + itoa(int64(folders.MaxTop))
	if got := r.ChildrenURL("AQMk/AA= x"); got != want {
		t.Errorf("ChildrenURL:\n got %s\nwant %s", got, want)
	}
	if got := (&Request{URL: "/me/messages"}).ChildrenURL("x"); got != "" {
		t.Errorf("ChildrenURL of a list request: got %q, want \"\"", got)
	}
}
