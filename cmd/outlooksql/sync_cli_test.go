package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestSyncFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sync", "--demo"}, "sync: give the database file with --db FILE"},
		{[]string{"sync", "--demo", "--db", filepath.Join(dir, "a.db"), "extra"}, `sync takes no arguments (got "extra")`},
		{[]string{"sync", "--demo", "-p", "x", "--db", filepath.Join(dir, "a.db")}, "--demo and -c/-p both name a connection"},
		{[]string{"sync", "--demo", "--db", filepath.Join(dir, "a.db"), "--tables", "messages,rules"}, `sync copies messages, mail_folders, users and attachments, not "rules"`},
		{[]string{"sync", "--demo", "--db", filepath.Join(dir, "a.db"), "--tables", "attachments"}, "attachments are synced with their messages: add messages to --tables"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, strings.NewReader(""), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
