package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestErrorsClipLongValues: errors that quote a 100 KB SQL literal, as
// Graph's answer (the URL and the message) or as SQLite's own message, are
// cut down, in query's last word and in the shell.
func TestErrorsClipLongValues(t *testing.T) {
	f := newTenantFixture(t)
	big := strings.Repeat("x", 100_000)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql string
		want      []string
	}{
		{"Graph", "SELECT id FROM messages WHERE folder_id = '" + big + "'", []string{
			"outlooksql: messages: graph: GET /me/mailFolders/" + strings.Repeat("x", 200-len("/me/mailFolders/")) + "… (",
			" bytes): 404 ErrorItemNotFound",
			`folder_id "` + strings.Repeat("x", 200) + `… (100000 bytes)" is neither a folder id`}},
		{"SQLite", "SELECT " + big, []string{"no such column: " + strings.Repeat("x", 2048-len("no such column: ")) + "… (100016 bytes) …"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(exe, "query", "-c", f.env.ConnString(), tc.sql)
			cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Run()
			if got := stderr.String(); len(got) > 3000 || !containsAll(got, tc.want) || cmd.ProcessState.ExitCode() != 1 {
				t.Errorf("query: exit %d, stderr %d bytes %.300q…; want at most 3000 bytes with %.80q", cmd.ProcessState.ExitCode(), len(got), got, tc.want)
			}
			var out, errb strings.Builder
			run(t.Context(), []string{"shell", "-c", f.env.ConnString()}, strings.NewReader(tc.sql+";\n"), &out, &errb)
			if got := strings.Replace(errb.String(), "error near line 1:", "outlooksql:", 1); len(got) > 3000 || !containsAll(got, tc.want) {
				t.Errorf("shell: stderr %d bytes %.300q…; want at most 3000 bytes with %.80q", len(got), got, tc.want)
			}
		})
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
