package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSyncHostileTables: a --tables typo is a usage error, refused at once,
// even with --every (retrying cannot fix it), and a stray comma is not a
// table name.
func TestSyncHostileTables(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" : the sync runs
	}{
		{[]string{"--tables", "mesages", "--every", "1s"}, `not "mesages"`},
		{[]string{"--tables", "attachments", "--every", "1s"}, "add messages to --tables"},
		{[]string{"--tables", ","}, "--tables names no table"},
		{[]string{"--tables", "messages,"}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr lockedBuffer
			path := filepath.Join(t.TempDir(), "mail.db")
			err := run(ctx, append([]string{"sync", "--demo", "--db", path}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if ctx.Err() != nil {
				t.Fatalf("still running after 30s:\n%s\n%s", stdout.String(), stderr.String())
			}
			if tc.want == "" {
				if err != nil || !strings.Contains(stdout.String(), "synced 1 mailbox") {
					t.Errorf("err = %v, stdout %q", err, stdout.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q; stderr %q", err, tc.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "trying again") {
				t.Errorf("a usage error was retried: %q", stderr.String())
			}
		})
	}
}
