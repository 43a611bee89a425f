package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/syncdb"
)

// maxSyncLines is how many mailboxes the sync progress shows at once; the
// others are counted on one more line.
const maxSyncLines = 8

// syncProgress keeps one line per mailbox in progress on stderr (a
// terminal): "alice@contoso.com: 3/12 folders, 4,500/20,000 messages
// (22%), 900 msg/s, ETA 17s, 2 waits (3.1 s throttled)". It is written by
// hand, like the query's progress line: a few lines redrawn in place need
// only two escape sequences, and a progress library would add
// dependencies and its own idea of widths and refresh for no gain. A nil
// *syncProgress does nothing.
type syncProgress struct {
	w     io.Writer
	width int
	now   func() time.Time

	mu       sync.Mutex
	boxes    map[string]*boxLine
	order    []string // mailboxes in progress, in the order they started
	finished int
	lines    int // lines on the screen now

	quit chan struct{}
	done chan struct{}
}

type boxLine struct {
	p     syncdb.Progress
	start time.Time
}

// startSyncProgress starts the progress lines when stderr is a terminal;
// otherwise it returns nil.
func startSyncProgress(stderr io.Writer) *syncProgress {
	if !isTerminal(stderr) {
		return nil
	}
	p := &syncProgress{w: stderr, width: terminalWidth(stderr), now: time.Now, boxes: map[string]*boxLine{},
		quit: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

// report is the engine's Options.Progress; nil when there is no terminal.
func (p *syncProgress) report() func(syncdb.Progress) {
	if p == nil {
		return nil
	}
	return p.update
}

func (p *syncProgress) update(ev syncdb.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.boxes[ev.Mailbox]
	if !ok {
		b = &boxLine{start: p.now()}
		p.boxes[ev.Mailbox] = b
		p.order = append(p.order, ev.Mailbox)
	}
	b.p = ev
	if ev.Finished {
		p.finished++
		delete(p.boxes, ev.Mailbox)
		for i, mb := range p.order {
			if mb == ev.Mailbox {
				p.order = append(p.order[:i], p.order[i+1:]...)
				break
			}
		}
	}
}

func (p *syncProgress) loop() {
	defer close(p.done)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw(p.render())
			p.mu.Unlock()
		}
	}
}

// render is the lines to show; p.mu is held.
func (p *syncProgress) render() []string {
	var lines []string
	now := p.now()
	for i, mb := range p.order {
		if i == maxSyncLines {
			lines = append(lines, fmt.Sprintf("… and %d more %s in progress", len(p.order)-i, pluralWord(len(p.order)-i, "mailbox", "mailboxes")))
			break
		}
		b := p.boxes[mb]
		lines = append(lines, syncLine(b.p, now.Sub(b.start)))
	}
	if len(lines) > 0 && p.finished > 0 {
		lines = append(lines, fmt.Sprintf("%s %s done", thousands(int64(p.finished)), pluralWord(p.finished, "mailbox", "mailboxes")))
	}
	return lines
}

// draw replaces the lines on the screen; p.mu is held. The cursor stays
// at the end of the last line, so that output written after erase starts
// at the left of a clean line.
func (p *syncProgress) draw(lines []string) {
	var b strings.Builder
	b.WriteString(p.home())
	for i, l := range lines {
		if p.width > 1 {
			l = cut(l, p.width-1) // a wrapped line would break the redraw
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l + "\x1b[K")
	}
	b.WriteString("\x1b[J") // erase lines left below from a taller frame
	io.WriteString(p.w, b.String())
	p.lines = len(lines)
}

// home moves the cursor to the start of the first line drawn.
func (p *syncProgress) home() string {
	if p.lines > 1 {
		return fmt.Sprintf("\r\x1b[%dA", p.lines-1)
	}
	return "\r"
}

// stop ends the progress and erases its lines; it may be called again.
func (p *syncProgress) stop() {
	if p == nil {
		return
	}
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lines > 0 {
		io.WriteString(p.w, p.home()+"\x1b[J")
		p.lines = 0
	}
	p.boxes, p.order, p.finished = map[string]*boxLine{}, nil, 0
}

// syncLine says where one mailbox is, elapsed after it started.
func syncLine(pr syncdb.Progress, elapsed time.Duration) string {
	s := fmt.Sprintf("%s: %s/%s %s, %s/%s %s", pr.Mailbox,
		thousands(int64(pr.FoldersDone)), thousands(int64(pr.FoldersTotal)), pluralWord(pr.FoldersTotal, "folder", "folders"),
		thousands(pr.Done), thousands(pr.Messages), pluralWord(int(pr.Messages), "message", "messages"))
	if pr.Messages > 0 {
		s += fmt.Sprintf(" (%d%%)", pr.Done*100/pr.Messages)
	}
	if secs := elapsed.Seconds(); secs >= 1 && pr.Done > 0 {
		rate := float64(pr.Done) / secs
		s += fmt.Sprintf(", %s msg/s", thousands(int64(math.Round(rate))))
		if left := pr.Messages - pr.Done; left > 0 {
			s += ", ETA " + eta(time.Duration(float64(left)/rate*float64(time.Second)))
		}
	}
	if pr.Waits > 0 {
		s += fmt.Sprintf(", %s %s (%.1f s throttled)", thousands(int64(pr.Waits)), plural(int64(pr.Waits), "wait"), pr.Waited.Seconds())
	}
	return s
}

// eta shows a remaining time to the second, rounded up: 45s, 3m20s, 27h5m.
func eta(d time.Duration) string {
	d = (d + time.Second - 1).Truncate(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return d.String()
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
