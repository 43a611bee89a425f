package syncdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Resources named in _outlooksql_delta.
const (
	resFolders  = "mailFolders"
	resMessages = "messages"
	resUsers    = "users"
)

// searchFolder is the @odata.type of a search folder: its messages live in
// other folders, so it is not synced.
const searchFolder = "#microsoft.graph.mailSearchFolder"

// mailbox syncs one mailbox: its folder tree, then its folders' messages,
// o.Folders at a time. It returns the owner's user id.
func (r *run) mailbox(ctx context.Context, mb string) (string, error) {
	path, err := plan.MailboxPath(mb)
	if err != nil {
		return "", fmt.Errorf("--mailbox %q: %w", mb, err)
	}
	var id string
	resp, err := r.o.Client.Get(ctx, mb, path+"?$select=id", nil)
	switch {
	case err == nil:
		id = gjson.GetBytes(resp.Body, "id").String()
	case graph.Status(err) == http.StatusForbidden && plan.IsGUID(mb):
		// Reading the user needs a directory permission that a mail-only
		// registration lacks; a mailbox given by its id names its owner.
		id = strings.ToLower(mb)
	case graph.Status(err) == http.StatusForbidden:
		return "", fmt.Errorf("mailbox %s: %w; sync names each mailbox's owner by id, and Graph refused to read the user: grant User.Read.All (or User.ReadBasic.All), or give the mailbox by its user id (--mailbox <id>)", mb, err)
	default:
		return "", fmt.Errorf("mailbox %s: %w", mb, err)
	}
	if id == "" {
		return "", fmt.Errorf("mailbox %s: Graph's answer to GET %s has no id", mb, path)
	}
	// The same mailbox named twice (by id and by userPrincipalName, or
	// as me): synced once.
	r.removedMu.Lock()
	dup := r.claimed[id]
	r.claimed[id] = true
	r.removedMu.Unlock()
	if dup {
		return "", nil
	}
	if err := r.syncFolders(ctx, mb, path, id); err != nil {
		return id, fmt.Errorf("mailbox %s: folders: %w", mb, err)
	}
	if r.messages == nil {
		return id, nil
	}
	folders, err := r.folderIDs(id)
	if err != nil {
		return id, err
	}
	w := watcherOf(ctx)
	w.folders(r, id, folders)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	next := make(chan string)
	for range min(r.o.Folders, max(len(folders), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				if err := r.syncFolder(w.folder(ctx, f), mb, path, id, f); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("mailbox %s: folder %s: %w", mb, f, err))
					mu.Unlock()
				} else {
					w.folderDone(f)
				}
			}
		}()
	}
	for _, f := range folders {
		if ctx.Err() != nil {
			break
		}
		next <- f
	}
	close(next)
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return id, errors.Join(errs...)
}

// folderIDs lists the mailbox's synced folders.
func (r *run) folderIDs(userID string) ([]string, error) {
	rows, err := r.db.Query("SELECT id FROM mail_folders WHERE user_id = ? ORDER BY path, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// syncFolders applies one round of the mailbox's mailFolders/delta, with
// the paths of every folder recomputed, and its new link, in one
// transaction. Search folders are skipped, hidden ones kept. A removed
// folder takes its messages, its subfolders and its delta link with it.
func (r *run) syncFolders(ctx context.Context, mb, path, userID string) error {
	initial := path + "/mailFolders/delta"
	link, _, err := r.savedLink(userID, resFolders, "")
	if err != nil {
		return err
	}
	if link == "" {
		link = initial
	}
	var items []gjson.Result // a folder tree is small: kept in memory
	delta, full, err := r.round(ctx, mb, link, initial, r.mailHeader(0),
		func(it gjson.Result) error { items = append(items, it); return nil },
		func() error { items = items[:0]; return nil })
	if err != nil {
		return err
	}
	return r.tx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for _, it := range items {
			id := it.Get("id").String()
			if id == "" {
				return fmt.Errorf("mailFolders/delta sent a folder without an id")
			}
			if it.Get("@removed").Exists() || it.Get(`@odata\.type`).String() == searchFolder {
				if err := r.dropFolder(tx, userID, id); err != nil {
					return err
				}
				continue
			}
			seen[id] = true
			if err := r.upsertFolder(tx, userID, it); err != nil {
				return err
			}
		}
		if full {
			// A full round lists every folder: the others are gone.
			ids, err := queryStrings(tx, "SELECT id FROM mail_folders WHERE user_id = ?", userID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if !seen[id] {
					if err := r.dropFolder(tx, userID, id); err != nil {
						return err
					}
				}
			}
		}
		if err := recomputePaths(tx, userID); err != nil {
			return err
		}
		return saveLink(tx, userID, resFolders, "", "", delta)
	})
}

// upsertFolder writes one folder from a delta item; an updated folder
// keeps the values of properties the item leaves out.
func (r *run) upsertFolder(tx *sql.Tx, userID string, it gjson.Result) error {
	vals, present, err := r.folders.row(userID, it)
	if err != nil {
		return err
	}
	return upsert(tx, r.folders, vals, present)
}

// upsert inserts the row, or updates the present columns of the row with
// its key: an updated item may carry only the changed properties.
func upsert(tx execer, s *table, vals []any, present []bool) error {
	names := s.names()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	var sets []string
	var args []any
	args = append(args, vals...)
	for i, n := range names {
		if present[i] && n != "user_id" && n != "id" && !(n == "message_id" && s.t.Name == TableAttachments) {
			sets = append(sets, n+" = excluded."+n)
		}
	}
	q := fmt.Sprintf("INSERT INTO %s(%s) VALUES(%s) ON CONFLICT(%s) DO ", s.t.Name, strings.Join(names, ", "), marks, s.key())
	if len(sets) == 0 {
		q += "NOTHING"
	} else {
		q += "UPDATE SET " + strings.Join(sets, ", ")
	}
	if _, err := tx.Exec(q, args...); err != nil {
		return fmt.Errorf("write %s: %w", s.t.Name, err)
	}
	return nil
}

// dropFolder removes a folder, its subfolders, their messages and their
// delta links.
func (r *run) dropFolder(tx *sql.Tx, userID, id string) error {
	ids, err := queryStrings(tx, `WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT f.id FROM mail_folders f JOIN sub ON f.parent_folder_id = sub.id WHERE f.user_id = ?)
		SELECT id FROM sub`, id, userID)
	if err != nil {
		return err
	}
	// The messages of the file, synced by this run or an earlier one: a
	// later run would never visit the folder again.
	var msgs int
	if err := tx.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'messages'").Scan(&msgs); err != nil {
		return fmt.Errorf("read the tables of the file: %w", err)
	}
	for _, f := range ids {
		if msgs > 0 {
			res, err := tx.Exec("DELETE FROM messages WHERE user_id = ? AND parent_folder_id = ?", userID, f)
			if err != nil {
				return fmt.Errorf("delete the messages of folder %s: %w", f, err)
			}
			n, _ := res.RowsAffected()
			r.deleted.Add(n)
		}
		if _, err := tx.Exec("DELETE FROM mail_folders WHERE user_id = ? AND id = ?", userID, f); err != nil {
			return fmt.Errorf("delete folder %s: %w", f, err)
		}
		if _, err := tx.Exec("DELETE FROM _outlooksql_delta WHERE user_id = ? AND resource = ? AND folder_id = ?", userID, resMessages, f); err != nil {
			return fmt.Errorf("delete folder %s: %w", f, err)
		}
	}
	return nil
}

// recomputePaths sets every folder's path: display names from the top,
// joined by "/"; a folder whose parent is not synced (the root) is at the
// top. Only changed paths are written.
func recomputePaths(tx *sql.Tx, userID string) error {
	rows, err := tx.Query("SELECT id, COALESCE(display_name, ''), COALESCE(parent_folder_id, ''), COALESCE(path, '') FROM mail_folders WHERE user_id = ?", userID)
	if err != nil {
		return fmt.Errorf("read folders: %w", err)
	}
	type folder struct{ name, parent, path string }
	all := map[string]*folder{}
	for rows.Next() {
		var id string
		f := &folder{}
		if err := rows.Scan(&id, &f.name, &f.parent, &f.path); err != nil {
			rows.Close()
			return err
		}
		all[id] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	pathOf := func(id string) string {
		var parts []string
		seen := map[string]bool{}
		for f, ok := all[id]; ok && !seen[id]; f, ok = all[id] {
			seen[id] = true
			parts = append(parts, f.name)
			id = f.parent
		}
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		return strings.Join(parts, "/")
	}
	for id, f := range all {
		if p := pathOf(id); p != f.path {
			if _, err := tx.Exec("UPDATE mail_folders SET path = ? WHERE user_id = ? AND id = ?", p, userID, id); err != nil {
				return fmt.Errorf("write folder paths: %w", err)
			}
		}
	}
	return nil
}

// savedLink returns the delta link of a resource, with the $select it was
// made with; "" when there is none.
func (r *run) savedLink(userID, resource, folder string) (link, sel string, err error) {
	err = r.db.QueryRow("SELECT delta_link, select_list FROM _outlooksql_delta WHERE user_id = ? AND resource = ? AND folder_id = ?",
		userID, resource, folder).Scan(&link, &sel)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read the delta link: %w", err)
	}
	if base := r.o.Client.BaseURL(); !strings.HasPrefix(link, base+"/") {
		// Made by another Graph root (another BaseUrl, or another run of
		// the demo tenant): the client would refuse to send the token
		// there. The resource is read again in full.
		return "", "", nil
	}
	return link, sel, nil
}

// saveLink stores a resource's new delta link, in the transaction that
// applied the round it ends.
func saveLink(tx *sql.Tx, userID, resource, folder, sel, link string) error {
	_, err := tx.Exec(`INSERT INTO _outlooksql_delta(user_id, resource, folder_id, select_list, delta_link, synced_at)
		VALUES(?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
		ON CONFLICT(user_id, resource, folder_id) DO UPDATE SET select_list = excluded.select_list,
		delta_link = excluded.delta_link, synced_at = excluded.synced_at`, userID, resource, folder, sel, link)
	if err != nil {
		return fmt.Errorf("save the delta link: %w", err)
	}
	return nil
}

// queryStrings returns the first column of a query's rows.
func queryStrings(tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// pathEscape escapes an id for a path segment.
func pathEscape(id string) string { return url.PathEscape(id) }
