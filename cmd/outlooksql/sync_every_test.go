package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSyncEvery: --every syncs again and again (the second run finds no
// change) until the context is cancelled (Ctrl-C), which ends it cleanly.
func TestSyncEvery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sync", "--demo", "--db", path, "--every", "1s"}, strings.NewReader(""), &stdout, &stderr)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(stdout.String(), "\n") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second run after 60s:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sync --every after Ctrl-C: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if !strings.Contains(lines[0], " 900 added") || !strings.Contains(lines[1], ": 0 added, 0 changed, 0 moved, 0 deleted") {
		t.Errorf("runs:\n%s", stdout.String())
	}
	if err := run(context.Background(), []string{"sync", "--demo", "--db", path, "--every", "10ms"}, strings.NewReader(""), &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "at least 1s") {
		t.Errorf("--every 10ms: %v", err)
	}
}

// TestSyncDemoTwiceOnOneFile: each --demo run is a new tenant on a new
// port; the file's delta links name the earlier one, so the second run
// reads every folder again in full (it must not send the token to the old
// address, nor fail) and finds nothing new.
func TestSyncDemoTwiceOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.db")
	var out []string
	for range 2 {
		var stdout, stderr lockedBuffer
		if err := run(context.Background(), []string{"sync", "--demo", "--db", path}, strings.NewReader(""), &stdout, &stderr); err != nil {
			t.Fatalf("sync --demo: %v\n%s", err, stderr.String())
		}
		out = append(out, stdout.String())
	}
	if !strings.Contains(out[0], "900 added") || !strings.Contains(out[1], ": 0 added, 0 changed, 0 moved, 0 deleted;") {
		t.Errorf("runs:\n%s%s", out[0], out[1])
	}
}
