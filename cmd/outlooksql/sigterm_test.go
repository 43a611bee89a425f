//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMRemovesDemoTokens: SIGTERM to a running --demo command (the
// shell waiting for input; sync --every waiting for its next round) ends
// it by that signal, as if uncaught, and removes its temporary token directory.
func TestSIGTERMRemovesDemoTokens(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"shell --demo", []string{"shell", "--demo"}},
		{"sync --demo --every", []string{"sync", "--demo", "--every", "1h", "--db", filepath.Join(t.TempDir(), "mail.db")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(exe, tc.args...)
			cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1", "TMPDIR="+tmp)
			stdin, err := cmd.StdinPipe() // kept open: the shell waits for input
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// Wait until the demo's token file is there (the signal
			// handler is installed before the demo starts).
			var dir string
			deadline := time.Now().Add(60 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(tmp, "outlooksql-demo-*", "token.json")); len(m) == 1 {
					dir = filepath.Dir(m[0])
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no demo token file in %s; stdout %q, stderr %q", tmp, stdout.String(), stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			// It ends by the signal, as if uncaught (a shell says 143).
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Errorf("ended with %v, want killed by SIGTERM; stderr %q", cmd.ProcessState, stderr.String())
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the demo's token directory %s is still there (%v)", dir, err)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "outlooksql-demo-*")); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
