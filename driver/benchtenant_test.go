package driver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// bigMessages is the size of the mailbox the scan benchmarks and the memory
// test read.
const bigMessages = 100_000

// bigConfig is the 100,000-message tenant: one user.
var bigConfig = fakegraph.GenConfig{Seed: 1, Users: 1, MessagesPerUser: bigMessages}

// remote is a fake tenant served by another process: this test binary run
// again as TestRemoteTenantProcess. The 100,000-message tenant is about
// 100 MB of live heap; in this process it would set the garbage collector's
// goal near 200 MB and the heap this process measures would be the fake's,
// not the client's. Served from a child, the heap here is the client's alone.
type remote struct {
	ConnString string // connection string for the signed-in user
	Token      string // an access token for the baseline; never print it
}

var (
	remoteOnce sync.Once
	remoteEnv  *remote
	remoteErr  error
	// remoteStdin is the child's standard input.
	remoteStdin io.WriteCloser
)

// remoteEnvVar tells the child process to serve the big tenant.
const remoteEnvVar = "OUTLOOKSQL_TEST_REMOTE_TENANT"

// bigRemote starts the child process serving the 100,000-message tenant, once
// per test binary. The child exits when this process does: it serves until
// its standard input, a pipe from this process, is closed.
func bigRemote(tb testing.TB) *remote {
	tb.Helper()
	remoteOnce.Do(func() { remoteEnv, remoteErr = startRemote() })
	if remoteErr != nil {
		tb.Fatal(remoteErr)
	}
	return remoteEnv
}

func startRemote() (*remote, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemoteTenantProcess$")
	cmd.Env = append(os.Environ(), remoteEnvVar+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the fake tenant process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the fake tenant process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the fake tenant process: %w", err)
	}
	// stdin stays open for the life of this process: the child stops when
	// it closes, at exit. Kept in a global, or the garbage collector would
	// close it.
	remoteStdin = stdin
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("the fake tenant process did not start: %v: %s", err, stderr.Bytes())
	}
	var r remote
	if err := json.Unmarshal(line, &r); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("the fake tenant process sent %q: %w", line, err)
	}
	return &r, nil
}

// TestRemoteTenantProcess is the child process of bigRemote; it is skipped
// in normal runs.
func TestRemoteTenantProcess(t *testing.T) {
	if os.Getenv(remoteEnvVar) != "1" {
		t.Skip("runs only as the child process of bigRemote")
	}
	de, err := demo.Start(fakegraph.Generate(bigConfig))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	line, _ := json.Marshal(remote{
		ConnString: de.ConnString(),
		Token:      de.Server.IssueAccessToken(de.User),
	})
	os.Stdout.Write(append(line, '\n'))
	io.Copy(io.Discard, os.Stdin) // until the parent closes the pipe or exits
	de.Close()
	os.Exit(0)
}

// heapSampler records the peak of the Go heap (bytes in live and not yet
// swept objects, runtime/metrics /memory/classes/heap/objects:bytes) while
// it runs, sampling every millisecond.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		sample := []metrics.Sample{{Name: heapObjects}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak in bytes.
func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	return <-s.done
}

// liveHeap collects garbage and returns the bytes still in use.
func liveHeap() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// processCPU returns the CPU time, user and system, this process has used,
// from /proc/self/stat; false where there is no such file (not Linux). With
// the tenant in another process, it is the client's work alone, which other
// load on the machine changes less than it changes the wall time.
func processCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// Field 2, the command, is in parentheses and may hold spaces; the
	// fields after it start at 3 (state). utime and stime are 14 and 15,
	// in clock ticks of USER_HZ, which is 100 on Linux.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * (time.Second / 100), true
}
