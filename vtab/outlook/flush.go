package outlook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// WriteError is a flush that did not make every change: how many it made,
// and each failure with Graph's code and message.
type WriteError struct {
	Done, Total int
	Failed      []Failure
}

// Failure is one change that failed.
type Failure struct {
	Table string
	Verb  string // UPDATE, DELETE, send, …
	Item  string // the item's id, or what it would have created
	Code  string // Graph's error code; "" when there was no answer
	Err   error
}

// MaxFailuresShown is how many failures a WriteError's message lists.
const MaxFailuresShown = 10

func (e *WriteError) Error() string {
	var b strings.Builder
	maybe := 0
	for _, f := range e.Failed {
		if graph.MayHaveHappened(f.Err) {
			maybe++
		}
	}
	fmt.Fprintf(&b, "%d of %d changes were made", e.Done, e.Total)
	if maybe > 0 {
		fmt.Fprintf(&b, ", and %d more may have been", maybe)
	}
	fmt.Fprintf(&b, "; %d failed:", len(e.Failed))
	for i, f := range e.Failed {
		if i == MaxFailuresShown {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Failed)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s %s %s: %v", f.Table, f.Verb, f.Item, f.Err)
	}
	return b.String()
}

// flush sends the connection's collected changes: reads first (parents
// that must be drafts, folders moves name), then the person's
// confirmation, then the writes in waves (a change of an item waits for
// the earlier ones that change it), each wave as $batch requests of 20 per
// mailbox, mailboxes in parallel, and the wave's uploads. A dry run stops
// after the reads and records what it would send.
func (c *Conn) flush() error {
	w := &c.w
	w.mu.Lock()
	ops := w.ops
	w.ops = nil
	w.marks = nil
	dry, confirm := w.dryRun, w.confirm
	w.mu.Unlock()
	if len(ops) == 0 {
		return nil
	}
	src := c.source()
	if src == nil {
		return ErrNotConfigured
	}
	st, ctx, done := c.writeContext(src)
	defer done()
	name := ops[0].t.Name

	if err := c.checkParents(ctx, src, ops); err != nil {
		return fmt.Errorf("%s: %w; nothing was sent", name, st.Err(err))
	}
	if err := checkDestinations(ctx, src, ops); err != nil {
		return fmt.Errorf("%s: %w; nothing was sent", name, st.Err(err))
	}
	if dry {
		var planned []Planned
		for _, o := range ops {
			for _, r := range o.reqs {
				planned = append(planned, Planned{Method: r.Method, URL: r.Path, Body: string(r.Body)})
			}
			if o.upload != nil {
				planned = append(planned, Planned{Method: o.upload.session.Method, URL: o.upload.session.Path, Body: string(o.upload.session.Body)},
					Planned{Method: http.MethodPut, URL: "(the upload URL)", Body: fmt.Sprintf("(%d bytes in %d chunks)", len(o.upload.data), chunks(len(o.upload.data), o.upload.chunk))})
			}
		}
		st.mu.Lock()
		st.planned = append(st.planned, planned...)
		st.mu.Unlock()
		return nil
	}
	if confirm != nil && len(ops) > 1 {
		if err := confirm(Pending{Changes: len(ops), Summary: summary(ops)}); err != nil {
			return fmt.Errorf("%s: %w; nothing was sent", name, err)
		}
	}

	res := make([]opResult, len(ops))
	for _, wave := range waves(ops) {
		c.sendWave(ctx, src, ops, res, wave)
	}
	st.memo.Reset() // reads later in the statement see the changes

	we := &WriteError{Total: len(ops)}
	for i, o := range ops {
		r := res[i]
		if r.err != nil {
			we.Failed = append(we.Failed, Failure{Table: o.t.Name, Verb: o.verb, Item: clip.String(o.label), Code: graph.Code(r.err), Err: explainWrite(o, src, timedOut(st, r.err))})
			continue
		}
		we.Done++
		if o.creates && r.created != "" {
			w.mu.Lock()
			w.lastID = r.created
			w.mu.Unlock()
		}
	}
	if len(we.Failed) > 0 {
		err := fmt.Errorf("%s: %w", name, we)
		w.mu.Lock()
		w.failed = err
		w.mu.Unlock()
		return err
	}
	return nil
}

// timedOut says a timeout as the statement's Timeout does, keeping what
// an ambiguous failure says: the request may have happened.
func timedOut(st *Statement, err error) error {
	var a *graph.AmbiguousError
	if errors.As(err, &a) {
		if te := st.Err(a.Err); te != a.Err {
			return &graph.AmbiguousError{Method: a.Method, Path: a.Path, Err: te}
		}
		return err
	}
	return st.Err(err)
}

// TakeWriteError returns, once, the error of the last flush that failed
// part-way (it wraps a *WriteError), which SQLite passed on as text: a
// driver returns it in place of SQLite's copy, so that errors.As finds the
// counts and failures.
func (c *Conn) TakeWriteError() error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	err := c.w.failed
	c.w.failed = nil
	return err
}

// opResult is what became of one op.
type opResult struct {
	err     error
	created string // the created item's id
}

// waves orders the requests of ops (and their uploads, as request 0 of
// an op with an upload): an op's requests go in successive waves, and an
// op waits for the earlier ops of the flush that change an item it acts on
// (op.excl, op.shared): a PATCH and a move of one message, an UPDATE and a
// later DELETE of it in one transaction, or edits of a draft and then its
// send, are never in flight at once. Ops that only share an item (files
// added to one draft) and ops on different items share waves. Each element
// is a list of (op, request) indexes.
func waves(ops []*op) [][][2]int {
	var out [][][2]int
	free := map[string]int{} // item → the first wave after its last exclusive op
	used := map[string]int{} // item → the first wave after its last op
	for i, o := range ops {
		n := len(o.reqs)
		if o.upload != nil {
			n = 1
		}
		start := 0
		for _, k := range o.shared {
			start = max(start, free[k])
		}
		for _, k := range o.excl {
			start = max(start, free[k], used[k])
		}
		for j := range n {
			for len(out) <= start+j {
				out = append(out, nil)
			}
			out[start+j] = append(out[start+j], [2]int{i, j})
		}
		end := start + n
		for _, k := range o.shared {
			used[k] = max(used[k], end)
		}
		for _, k := range o.excl {
			free[k], used[k] = end, end
		}
	}
	return out
}

// sendWave sends one wave: per mailbox in parallel, $batch requests of 20;
// then the wave's uploads, one at a time.
func (c *Conn) sendWave(ctx context.Context, src *Source, ops []*op, res []opResult, wave [][2]int) {
	byMailbox := map[string][][2]int{}
	var order []string
	var uploads []int
	for _, x := range wave {
		if res[x[0]].err != nil {
			continue // an earlier request of the op failed
		}
		if ops[x[0]].upload != nil {
			uploads = append(uploads, x[0])
			continue
		}
		mb := ops[x[0]].mailbox
		if _, ok := byMailbox[mb]; !ok {
			order = append(order, mb)
		}
		byMailbox[mb] = append(byMailbox[mb], x)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, mb := range order {
		xs := byMailbox[mb]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := make([]graph.Write, len(xs))
			for k, x := range xs {
				ws[k] = ops[x[0]].reqs[x[1]]
			}
			out, err := sendWrites(ctx, src, mb, ws)
			mu.Lock()
			defer mu.Unlock()
			for k, x := range xs {
				r := &res[x[0]]
				switch {
				case k >= len(out) || out[k].Err == nil && out[k].Response == nil:
					r.err = err // the call stopped before this write had an answer
					if r.err == nil {
						r.err = fmt.Errorf("graph: no answer")
					}
				case out[k].Err != nil:
					r.err = out[k].Err
				case ops[x[0]].creates && x[1] == len(ops[x[0]].reqs)-1 && out[k].Response != nil:
					r.created = gjson.GetBytes(out[k].Response.Body, tables.ID).String()
				}
			}
		}()
	}
	wg.Wait()
	for _, i := range uploads {
		res[i].created, res[i].err = c.upload(ctx, src, ops[i])
	}
}

// sendWrites sends the writes of one mailbox as the connection's FanOut
// says: $batch requests of 20 (Batch), one request each, as many at a time
// as the mailbox allows (Concurrent), or one at a time (Sequential).
func sendWrites(ctx context.Context, src *Source, mailbox string, ws []graph.Write) ([]graph.BatchResult, error) {
	switch src.Config.FanOut {
	case config.FanOutConcurrent:
		out := make([]graph.BatchResult, len(ws))
		var wg sync.WaitGroup
		for i := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i].Response, out[i].Err = src.Client.Do(ctx, mailbox, ws[i])
			}()
		}
		wg.Wait()
		return out, nil
	case config.FanOutSequential:
		out := make([]graph.BatchResult, len(ws))
		for i := range ws {
			out[i].Response, out[i].Err = src.Client.Do(ctx, mailbox, ws[i])
		}
		return out, nil
	}
	if len(ws) == 1 {
		resp, err := src.Client.Do(ctx, mailbox, ws[0]) // a $batch of one is one more envelope
		return []graph.BatchResult{{Response: resp, Err: err}}, nil
	}
	return src.Client.Writes(ctx, mailbox, ws)
}

// upload sends an attachment through an upload session: the session, then
// the bytes in chunks to the pre-authorised upload URL.
func (c *Conn) upload(ctx context.Context, src *Source, o *op) (string, error) {
	resp, err := src.Client.Do(ctx, o.mailbox, o.upload.session)
	if err != nil {
		return "", err
	}
	u := gjson.GetBytes(resp.Body, "uploadUrl").String()
	if u == "" {
		return "", fmt.Errorf("graph: the upload session has no uploadUrl")
	}
	data, total := o.upload.data, int64(len(o.upload.data))
	var last *graph.Response
	for start := 0; start < len(data); start += o.upload.chunk {
		end := min(start+o.upload.chunk, len(data))
		if last, err = src.Client.Upload(ctx, u, data[start:end], int64(start), total); err != nil {
			return "", fmt.Errorf("uploading bytes %d-%d of %d: %w", start, end-1, total, err)
		}
		if last.Status < 200 || last.Status > 299 {
			return "", fmt.Errorf("uploading bytes %d-%d of %d: status %d: %s", start, end-1, total, last.Status, clip.String(string(last.Body)))
		}
	}
	if last != nil {
		if id := gjson.GetBytes(last.Body, tables.ID).String(); id != "" {
			return id, nil
		}
		if loc := last.Header.Get("Location"); loc != "" {
			if i := strings.LastIndex(loc, "('"); i >= 0 {
				return strings.TrimSuffix(strings.TrimSuffix(loc[i+2:], ")"), "'"), nil
			}
		}
	}
	return "", nil
}

// chunks is how many chunks of size n hold total bytes.
func chunks(total, n int) int { return (total + n - 1) / n }

// checkParents reads the parents that writes need to be drafts (the
// messages attachments are added to or removed from), before any write.
func (c *Conn) checkParents(ctx context.Context, src *Source, ops []*op) error {
	type key struct{ mailbox, path string }
	seen := map[key]*parentRef{}
	var order []key
	for _, o := range ops {
		if o.parent == nil {
			continue
		}
		k := key{o.parent.mailbox, o.parent.path}
		if _, ok := seen[k]; !ok {
			seen[k] = o.parent
			order = append(order, k)
		}
	}
	for _, k := range order {
		p := seen[k]
		what := ops[0].t.Name
		resp, err := src.Client.Get(ctx, p.mailbox, p.path, header(headerOf(tables.Messages, src)))
		if err != nil {
			if graph.ItemNotFound(err) {
				return fmt.Errorf("%s does not exist", clip.String(p.id))
			}
			return err
		}
		if !gjson.GetBytes(resp.Body, "isDraft").Bool() {
			return fmt.Errorf("%s is not a draft: %s can be added to or deleted from drafts only", clip.String(p.id), what)
		}
	}
	return nil
}

// checkDestinations reads, once each, the folders moves name by id, before
// any write: a display name given for an id ('Receipts') fails here,
// naming the value and how to find the id, instead of failing every move.
func checkDestinations(ctx context.Context, src *Source, ops []*op) error {
	type key struct{ mailbox, value string }
	seen := map[key]bool{}
	for _, o := range ops {
		d := o.dest
		if d == nil || slices.ContainsFunc(tables.WellKnownFolders, func(w string) bool { return strings.EqualFold(w, d.value) }) {
			continue
		}
		k := key{d.mailbox, d.value}
		if seen[k] {
			continue
		}
		seen[k] = true
		_, err := src.Client.Get(ctx, d.mailbox, d.mailboxPath+"/mailFolders/"+url.PathEscape(d.value)+"?$select=id", header(headerOf(o.t, src)))
		if graph.NotFound(err) || graph.Status(err) == http.StatusBadRequest {
			return fmt.Errorf("%s = %s names no folder: %s", d.column, showValue(d.value), tables.FolderAdvice)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// summary says what ops do, for a confirmation: "UPDATE 12 messages".
func summary(ops []*op) string {
	type key struct{ verb, table string }
	n := map[key]int{}
	var order []key
	for _, o := range ops {
		k := key{o.verb, o.t.Name}
		if n[k] == 0 {
			order = append(order, k)
		}
		n[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%s %d × %s", k.verb, n[k], k.table)
	}
	return strings.Join(parts, ", ")
}

// explainWrite adds advice to a failed write: the permission a 403 lacks,
// a send that may have happened.
func explainWrite(o *op, src *Source, err error) error {
	if graph.MayHaveHappened(err) {
		return err
	}
	if graph.Status(err) == http.StatusForbidden {
		scope := o.t.Writes.Scope
		if src.Config.AuthType == config.ApplicationCredentials {
			return fmt.Errorf("%w; the app needs the application permission %s (admin consent)", err, scope)
		}
		return fmt.Errorf("%w; the sign-in needs %s (add it to Scope and run outlooksql login again)", err, scope)
	}
	return err
}

// writeContext is the statement a flush belongs to and the context its
// requests run under: the statement stepping (autocommit, or COMMIT run
// by the driver), or, in a host that loaded the extension, a fresh one
// under the connection's Timeout that logs into the last statement.
func (c *Conn) writeContext(src *Source) (*Statement, context.Context, func()) {
	st := c.lastStatement()
	if st.ctx != nil && st.ctx.Err() == nil && st.budget != nil {
		return st, st.context(), func() {}
	}
	c.mu.Lock()
	fresh := c.begin(context.Background())
	c.mu.Unlock()
	return fresh, fresh.context(), fresh.End
}
