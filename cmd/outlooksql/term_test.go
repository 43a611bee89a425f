package main

import (
	"bytes"
	"context"
	"github.com/outlooksql/outlooksql/internal/profile"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
)

// fakeTerminal makes isTerminal true for the writers given and
// terminalWidth return width, for one test.
func fakeTerminal(t *testing.T, width int, terms ...any) {
	oldIs, oldWidth := isTerminal, terminalWidth
	isTerminal = func(w any) bool {
		for _, x := range terms {
			if w == x {
				return true
			}
		}
		return false
	}
	terminalWidth = func(any) int { return width }
	t.Cleanup(func() { isTerminal, terminalWidth = oldIs, oldWidth })
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		p    driver.Progress
		want string
	}{
		{driver.Progress{}, ""},
		{driver.Progress{Tables: []string{"messages"}}, "messages: 0 rows, 0 pages"},
		{driver.Progress{Tables: []string{"messages"}, Rows: 1, Pages: 1}, "messages: 1 row, 1 page"},
		{driver.Progress{Tables: []string{"users", "messages"}, Rows: 12000, Pages: 12, Requests: 14, Waits: 2, Waited: 3140 * time.Millisecond},
			"users, messages: 12,000 rows, 12 pages, 2 waits (3.1 s throttled)"},
		{driver.Progress{Tables: []string{"messages"}, Rows: 1234567, Pages: 1235, Waits: 1, Waited: time.Second},
			"messages: 1,234,567 rows, 1,235 pages, 1 wait (1.0 s throttled)"},
	} {
		if got := progressLine(tc.p); got != tc.want {
			t.Errorf("progressLine(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProgress runs a slow, throttled scan with stderr as a (fake)
// terminal: the progress line counts rows, pages and the throttling wait,
// and is erased at the end. Without a terminal there is none.
func TestProgress(t *testing.T) {
	f := newTenantFixture(t)
	old := progressEvery
	progressEvery = 10 * time.Millisecond
	t.Cleanup(func() { progressEvery = old })
	// Pages of 100 messages (the fake caps them): 4 pages of 400.
	f.env.Server.SetPageCap(100)
	t.Cleanup(func() { f.env.Server.SetPageCap(0) })
	const q = "SELECT id, body FROM messages"

	for _, terminal := range []bool{true, false} {
		t.Run("terminal="+strconv.FormatBool(terminal), func(t *testing.T) {
			var stdout bytes.Buffer
			stderr := &syncBuffer{}
			if terminal {
				fakeTerminal(t, 200, stderr)
			} else {
				fakeTerminal(t, 200)
			}
			db, err := openDB(profile.Choice{ConnString: f.env.ConnString("ParallelScans=1"), From: "--demo"}) // pages in sequence
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			f.env.Server.SetLatency(60 * time.Millisecond)
			defer f.env.Server.SetLatency(0)
			f.env.Server.FailNext(1, 429, "0.3")
			if err := execute(context.Background(), conn, q, printOpts{format: "csv"}, &stdout, stderr); err != nil {
				t.Fatal(err)
			}
			scans, _ := driver.Scans(conn)
			if len(scans) != 1 || scans[0].Pages != 4 || scans[0].Rows != 400 {
				t.Fatalf("scans %+v, want one of 400 rows in 4 pages", scans)
			}
			got := stderr.String()
			if !terminal {
				if got != "" {
					t.Errorf("stderr is not a terminal, yet it got %q", got)
				}
				return
			}
			if !strings.HasSuffix(got, "\r\x1b[K") {
				t.Errorf("the progress line is not erased at the end: %q", got)
			}
			line := regexp.MustCompile(`^messages: ([0-9,]+) rows?, ([0-9]) pages?(, 1 wait \(0\.3 s throttled\))?$`)
			var last [2]int
			waits := false
			for _, l := range strings.Split(got, "\r") {
				l = strings.TrimSuffix(l, "\x1b[K")
				if l == "" {
					continue
				}
				m := line.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("progress line %q", l)
				}
				rows, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
				pages, _ := strconv.Atoi(m[2])
				if rows < last[0] || pages < last[1] || rows > 100*pages {
					t.Errorf("progress went from %v to %q", last, l)
				}
				last = [2]int{rows, pages}
				waits = waits || m[3] != ""
			}
			if last[1] < 2 || !waits {
				t.Errorf("the progress lines never reached page 2 with the wait counted:\n%q", got)
			}
		})
	}
}

// TestTableFitsTerminal checks that on a terminal, table output is cut to
// its width with …, while csv keeps the whole text.
func TestTableFitsTerminal(t *testing.T) {
	f := newTenantFixture(t)
	const q = "SELECT id, subject, body_preview FROM messages ORDER BY id LIMIT 5"
	const plain = "SELECT id, subject, body_preview FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY id LIMIT 5"
	cs := f.env.ConnString()
	var out bytes.Buffer
	fakeTerminal(t, 100, &out)
	if err := run(context.Background(), []string{"query", "-c", cs, q}, strings.NewReader(""), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	want := f.plainOutput(t, "table", plain, formatOptions{Width: 100, MaxCell: maxCell})
	if out.String() != want || !strings.Contains(want, "…") {
		t.Errorf("table on a 100-column terminal:\n%s\nwant\n%s", out.String(), want)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if n := width.StringWidth(l); n > 100 {
			t.Errorf("line of %d columns: %s", n, l)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"query", "-f", "csv", "-c", cs, q}, strings.NewReader(""), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if want := f.plainOutput(t, "csv", plain, formatOptions{}); out.String() != want {
		t.Errorf("csv on a terminal:\n%s\nwant\n%s", out.String(), want)
	}
}
