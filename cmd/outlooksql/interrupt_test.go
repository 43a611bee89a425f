//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestInterruptExits130: Ctrl-C (SIGINT) during query or explain stops the
// statement and ends the process with exit code 130 (128 + SIGINT), as
// shells expect of an interrupted command, and says so on stderr.
func TestInterruptExits130(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmdName := range []string{"query", "explain"} {
		t.Run(cmdName, func(t *testing.T) {
			f := newTenantFixture(t)
			f.env.Server.SetLatency(5 * time.Second)
			defer f.env.Server.SetLatency(0)
			cmd := exec.Command(exe, cmdName, "-c", f.env.ConnString(), "SELECT id FROM messages")
			cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			waitForRequest(t, f)
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 130 || stderr.String() != "outlooksql: interrupted\n" {
				t.Errorf("exit code %d, stderr %q; want 130 and \"outlooksql: interrupted\"", code, stderr.String())
			}
		})
	}
}

// waitForRequest waits until the fake tenant is serving a Graph request:
// the command has started its statement (and its signal handler).
func waitForRequest(t *testing.T, f *tenantFixture) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if n, _ := f.env.Server.Peak(); n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the command sent no Graph request")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
