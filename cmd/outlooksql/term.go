package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/outlooksql/outlooksql/driver"
)

// isTerminal reports whether w is a terminal; tests replace it.
var isTerminal = func(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth returns the width of the terminal w is, 0 when unknown;
// tests replace it.
var terminalWidth = func(w any) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}

// maxCell is the widest a table cell gets on a terminal; longer text is
// cut with "…" (csv and json always carry the full text).
const maxCell = 60

// outputOptions sizes table output to the terminal stdout is, if it is one.
func outputOptions(format string, stdout io.Writer) formatOptions {
	if format != "table" || !isTerminal(stdout) {
		return formatOptions{}
	}
	return formatOptions{Width: terminalWidth(stdout), MaxCell: maxCell}
}

// progressEvery is how often the progress line is redrawn; it first
// appears after this long, so quick statements show none.
var progressEvery = 200 * time.Millisecond

// progress keeps a line on stderr (a terminal) that says what the running
// statement has fetched: "messages: 12,000 rows, 12 pages, 2 waits (3.1 s
// throttled)". A nil *progress does nothing.
type progress struct {
	w     io.Writer
	watch func() driver.Progress
	width int
	prev  uint64 // the statement before this one, whose counts are stale

	mu     sync.Mutex
	shown  bool
	paused bool // a question is on the line: draw nothing
	once   sync.Once

	quit chan struct{}
	done chan struct{}
}

// startProgress starts the progress line when stderr is a terminal and
// watch is known; otherwise it returns nil.
func startProgress(watch func() driver.Progress, stderr io.Writer) *progress {
	if watch == nil || !isTerminal(stderr) {
		return nil
	}
	p := &progress{w: stderr, watch: watch, width: terminalWidth(stderr), prev: watch().Statement,
		quit: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			if pr := p.watch(); pr.Statement != p.prev {
				p.draw(progressLine(pr))
			}
		}
	}
}

func (p *progress) draw(line string) {
	if line == "" {
		return
	}
	if p.width > 1 {
		line = cut(line, p.width-1) // a wrapped line cannot be redrawn with \r
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		return
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.shown = true
}

// clear erases the line; p.mu must be held.
func (p *progress) clear() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// stop ends the progress line and erases it; it may be called again.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.quit) })
	<-p.done
	p.mu.Lock()
	p.clear()
	p.mu.Unlock()
}

// pause erases the line and keeps it away until resume is called, while
// a question is asked on the terminal.
func (p *progress) pause() (resume func()) {
	if p == nil {
		return func() {}
	}
	p.mu.Lock()
	p.clear()
	p.paused = true
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.paused = false
		p.mu.Unlock()
	}
}

// writer returns w wrapped so that output erases the progress line first
// (it is redrawn at the next tick, below the output).
func (p *progress) writer(w io.Writer) io.Writer {
	if p == nil || !isTerminal(w) {
		return w // output to a file does not disturb the line
	}
	return &clearingWriter{w: w, p: p}
}

type clearingWriter struct {
	w io.Writer
	p *progress
}

func (c *clearingWriter) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.p.clear()
	return c.w.Write(b)
}

// progressLine says what pr counts, "" before any scan started.
func progressLine(pr driver.Progress) string {
	if len(pr.Tables) == 0 {
		return ""
	}
	s := fmt.Sprintf("%s: %s %s, %s %s", strings.Join(pr.Tables, ", "),
		thousands(pr.Rows), plural(pr.Rows, "row"), thousands(int64(pr.Pages)), plural(int64(pr.Pages), "page"))
	if pr.Waits > 0 {
		s += fmt.Sprintf(", %s %s (%.1f s throttled)", thousands(int64(pr.Waits)), plural(int64(pr.Waits), "wait"), pr.Waited.Seconds())
	}
	return s
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// thousands writes n with "," between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
