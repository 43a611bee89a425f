package syncdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// Progress is one mailbox's progress in a run, as Options.Progress
// receives it: after the folder round, after every page of a folder's
// messages, after every folder, and once when the mailbox ends.
type Progress struct {
	// Mailbox is the mailbox as Options.Mailboxes names it.
	Mailbox string
	// FoldersTotal is how many folders' messages the run syncs (known
	// after the folder round); FoldersDone how many are committed.
	FoldersTotal, FoldersDone int
	// Messages is what those folders hold: the sum of their totalItemCount.
	Messages int64
	// Done counts the messages of committed folders (their
	// totalItemCount) and those fetched so far from folders in progress,
	// each folder at most its count: it reaches Messages when every folder
	// is done, on a first sync and on a sync of a few changes alike.
	Done int64
	// Fetched counts the message items Graph sent this run: every message
	// on a first sync, only the changes later.
	Fetched int64
	// Waits counts the requests that first waited because Graph throttled
	// (429/503 and Retry-After); Waited is the sum of those waits.
	Waits  int
	Waited time.Duration
	// Finished is true in the mailbox's last event; Err is then its error,
	// if any.
	Finished bool
	Err      error
}

// watcher keeps one mailbox's Progress and reports it. A nil *watcher
// does nothing: the run has no Options.Progress.
type watcher struct {
	report func(Progress)
	log    *graph.Log // the mailbox's requests: their throttling waits

	mu      sync.Mutex
	p       Progress
	total   map[string]int64 // folder id → totalItemCount
	fetched map[string]int64 // folder id → items fetched by its round so far
	seen    int              // log records already counted
}

type watcherKey struct{}
type folderKey struct{}

// watch returns ctx carrying a watcher of mailbox mb, when the run reports
// progress.
func (r *run) watch(ctx context.Context, mb string) context.Context {
	if r.o.Progress == nil {
		return ctx
	}
	w := &watcher{report: r.o.Progress, log: &graph.Log{}, p: Progress{Mailbox: mb},
		total: map[string]int64{}, fetched: map[string]int64{}}
	return context.WithValue(graph.WithLog(ctx, w.log), watcherKey{}, w)
}

func watcherOf(ctx context.Context) *watcher {
	w, _ := ctx.Value(watcherKey{}).(*watcher)
	return w
}

// folders records the folders whose messages the run syncs, with their
// totalItemCount from the file (the folder round just wrote them).
func (w *watcher) folders(r *run, userID string, ids []string) {
	if w == nil {
		return
	}
	counts := map[string]int64{}
	rows, err := r.db.Query("SELECT id, COALESCE(total_item_count, 0) FROM mail_folders WHERE user_id = ?", userID)
	if err == nil {
		for rows.Next() {
			var id string
			var n int64
			if rows.Scan(&id, &n) == nil {
				counts[id] = n
			}
		}
		rows.Close()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.p.FoldersTotal = len(ids)
	for _, id := range ids {
		w.total[id] = counts[id]
		w.p.Messages += counts[id]
	}
	w.emit()
}

// folder returns ctx carrying the folder id whose round's pages are
// counted.
func (w *watcher) folder(ctx context.Context, id string) context.Context {
	if w == nil {
		return ctx
	}
	return context.WithValue(ctx, folderKey{}, id)
}

// page counts n items of a delta page fetched under ctx; reset (n < 0)
// forgets the folder's items after a 410 Gone restarted its round.
func pageFetched(ctx context.Context, n int) {
	w := watcherOf(ctx)
	id, _ := ctx.Value(folderKey{}).(string)
	if w == nil || id == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	old := min(w.fetched[id], w.total[id])
	if n < 0 {
		w.fetched[id] = 0
	} else {
		w.fetched[id] += int64(n)
		w.p.Fetched += int64(n)
	}
	w.p.Done += min(w.fetched[id], w.total[id]) - old
	w.emit()
}

// folderDone counts a committed folder: all its messages are current.
func (w *watcher) folderDone(id string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.p.Done += w.total[id] - min(w.fetched[id], w.total[id])
	w.fetched[id] = w.total[id]
	w.p.FoldersDone++
	w.emit()
}

// finish sends the mailbox's last event.
func (w *watcher) finish(err error) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.p.Finished, w.p.Err = true, err
	w.emit()
}

// emit reports the progress; w.mu is held, so that events of one mailbox
// arrive in order.
func (w *watcher) emit() {
	recs := w.log.Records()
	for _, rec := range recs[min(w.seen, len(recs)):] {
		if rec.Wait > 0 {
			w.p.Waits++
			w.p.Waited += rec.Wait
		}
	}
	w.seen = len(recs)
	w.report(w.p)
}

// Users lists the tenant's users (GET /users, every page), as the
// mailboxes of --all-users: their userPrincipalName, else their id. It
// needs app-only access with User.Read.All.
func Users(ctx context.Context, c *graph.Client) ([]string, error) {
	var out []string
	u := "/users?$select=id,userPrincipalName&$top=999"
	visited := map[string]bool{} // the pages read: a nextLink back to one loops
	for u != "" {
		visited[u] = true
		resp, err := c.Get(ctx, "", u, nil)
		if err != nil {
			return nil, fmt.Errorf("list the users: %w", err)
		}
		var page struct {
			Value []struct {
				ID  string `json:"id"`
				UPN string `json:"userPrincipalName"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("list the users: GET %s: %w", u, err)
		}
		for _, v := range page.Value {
			if v.UPN != "" {
				out = append(out, v.UPN)
			} else if v.ID != "" {
				out = append(out, v.ID)
			}
		}
		if visited[page.Next] {
			return nil, fmt.Errorf("list the users: GET %s: the @odata.nextLink points back to a page already read (%s); stopping: the server's paging loops", u, page.Next)
		}
		u = page.Next
	}
	return out, nil
}

// noMailboxNote is the summary's note on skipped users.
func noMailboxNote(users []string) string {
	if len(users) == 0 {
		return ""
	}
	return fmt.Sprintf("; skipped %d %s without a mailbox (%s)", len(users), plural(len(users), "user", "users"), strings.Join(users, ", "))
}
