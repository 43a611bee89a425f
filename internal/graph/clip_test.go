package graph

import (
	"strings"
	"testing"
)

// TestErrorClipsLongValues: a 100 KB id in the URL and a server message
// that echoes it are cut to 200 bytes each, with their length.
func TestErrorClipsLongValues(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	e := &Error{Status: 404, Code: "ErrorItemNotFound", Message: "The folder " + big + " was not found.", Method: "GET", URL: "/me/mailFolders/" + big, RequestID: "r1"}
	got := e.Error()
	want := "graph: GET /me/mailFolders/" + strings.Repeat("x", 200-len("/me/mailFolders/")) + "… (100016 bytes): 404 ErrorItemNotFound: The folder " +
		strings.Repeat("x", 200-len("The folder ")) + "… (100026 bytes) (request-id r1)"
	if got != want {
		t.Errorf("Error() = %d bytes:\n%.400s\nwant %d bytes:\n%.400s", len(got), got, len(want), want)
	}
}
