//go:build linux || darwin

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/profile"
)

// TestDemoServe starts "outlooksql demo --serve" as a process, reads the
// export line it prints, evaluates it with sh (so the quoting is checked
// too), queries the demo tenant through that connection string, and stops
// the process with SIGINT or SIGTERM: exit code 0, and the token file is
// removed.
func TestDemoServe(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wantUsers []string
	for _, u := range fakegraph.Demo().Users {
		wantUsers = append(wantUsers, u.UserPrincipalName)
	}
	sort.Strings(wantUsers)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(exe, "demo", "--serve")
			cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var export string
			var printed []string
			timeout := time.After(60 * time.Second)
			for export == "" || !strings.HasPrefix(printed[len(printed)-1], "Serving until Ctrl-C") {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("demo --serve ended early:\n%s\n%s", strings.Join(printed, "\n"), stderr.String())
					}
					printed = append(printed, l)
					if strings.HasPrefix(l, "export OUTLOOKSQL_CONNECTION='") {
						export = l
					}
				case <-timeout:
					t.Fatalf("no export line and ready line:\n%s", strings.Join(printed, "\n"))
				}
			}
			if !strings.Contains(strings.Join(printed, "\n"), "SELECT outlooksql_configure();") {
				t.Errorf("no hint for the extension:\n%s", strings.Join(printed, "\n"))
			}
			b, err := exec.Command("sh", "-c", export+`; printf %s "$OUTLOOKSQL_CONNECTION"`).Output()
			if err != nil {
				t.Fatal(err)
			}
			connStr := string(b)
			db, err := openDB(profile.Choice{ConnString: connStr, From: "demo --serve"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.QueryContext(context.Background(), "SELECT user_principal_name FROM users ORDER BY user_principal_name")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var s string
				rows.Scan(&s)
				got = append(got, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(wantUsers, ",") {
				t.Errorf("users %q, want %q", got, wantUsers)
			}
			var n int
			if err := db.QueryRow("SELECT count(*) FROM messages WHERE folder_id = 'inbox'").Scan(&n); err != nil || n == 0 {
				t.Errorf("inbox messages: %d, %v", n, err)
			}
			_, tokenFile, _ := strings.Cut(connStr, "RefreshTokenFilePath={")
			tokenFile = strings.TrimSuffix(tokenFile, "}")
			if _, err := os.Stat(tokenFile); err != nil {
				t.Fatalf("token file %q: %v", tokenFile, err)
			}

			cmd.Process.Signal(sig)
			for l := range lines {
				printed = append(printed, l)
			}
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 0 || printed[len(printed)-1] != "outlooksql demo: stopped." || stderr.String() != "" {
				t.Errorf("after %v: exit code %d, last line %q, stderr %q; want 0, \"outlooksql demo: stopped.\", \"\"", sig, code, printed[len(printed)-1], stderr.String())
			}
			if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
				t.Errorf("token file left behind: %v", err)
			}
		})
	}
}
