package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	soOnce sync.Once
	soDir  string
	soPath string
	soErr  error
)

// TestMain removes the extension built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if soDir != "" {
		os.RemoveAll(soDir)
	}
	os.Exit(code)
}

// extension builds the loadable extension once per test binary and returns
// the sqlite3 shell and the .so.
func extension(t *testing.T) (shell, so string) {
	t.Helper()
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the sqlite3 shell is not installed (apt-get install sqlite3); .ci/run installs it")
		}
		t.Skip("the sqlite3 shell is not installed (apt-get install sqlite3); .ci/run installs it")
	}
	soOnce.Do(func() {
		dir, err := os.MkdirTemp("", "outlooksql-ext-")
		if err != nil {
			soErr = err
			return
		}
		soDir, soPath = dir, filepath.Join(dir, "outlooksql.so")
		out, err := exec.Command("go", "build", "-tags", "outlooksql_ext", "-buildmode=c-shared", "-o", soPath, ".").CombinedOutput()
		if err != nil {
			soErr = &buildError{err, out}
		}
	})
	if soErr != nil {
		t.Fatal(soErr)
	}
	return shell, soPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "build the extension: " + e.err.Error() + "\n" + string(e.out)
}

// runScript runs script in the sqlite3 shell on the database file db, with
// the environment env added, and returns stdout and stderr.
func runScript(t *testing.T, shell, db, script string, env ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(shell, db)
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // the shell exits 1 after an error; the output says which
	return stdout.String(), stderr.String()
}
