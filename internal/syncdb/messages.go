package syncdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// bodyProperties are the properties copied only with --body.
var bodyProperties = []string{"body", "uniqueBody", "internetMessageHeaders"}

// messageSelect is the $select of a messages round.
func (r *run) messageSelect() string {
	if r.o.Body {
		return r.messages.selectList()
	}
	return r.messages.selectList(bodyProperties...)
}

// linkSelect is what a folder's delta link is saved with: its $select,
// and the attachments marker when attachments are synced.
func (r *run) linkSelect() string {
	if r.attachments != nil {
		return r.messageSelect() + attachmentsMarker
	}
	return r.messageSelect()
}

// syncFolder applies one round of a folder's messages/delta and its new
// link in one transaction. Without a saved link, or with one made for
// another $select (--body turned on or off), or after 410 Gone, the round
// is full: the folder's rows become exactly the round's items.
func (r *run) syncFolder(ctx context.Context, mb, path, userID, folder string) error {
	sel := r.messageSelect()
	initial := path + "/mailFolders/" + pathEscape(folder) + "/messages/delta?$select=" + sel
	link, saved, err := r.savedLink(userID, resMessages, folder)
	if err != nil {
		return err
	}
	// A link made for other columns: every row is rewritten, even where
	// its changeKey says the message did not change.
	rewrite := link != "" && saved != r.linkSelect()
	if link == "" || rewrite {
		link = initial
	}
	sp, err := newSpool()
	if err != nil {
		return err
	}
	defer sp.close()
	delta, full, err := r.round(ctx, mb, link, initial, r.mailHeader(r.o.PageSize), sp.add, sp.reset)
	if graph.ItemNotFound(err) || graph.Status(err) == http.StatusNotFound {
		// The folder was deleted after the folder round listed it: what
		// the next folder round would say. Drop it (and its messages and
		// links) now; that is idempotent. Graph may also answer 404 for a
		// folder that exists (a lagging replica): the folders' link goes
		// too, so the next run lists the whole tree and copies the folder
		// again if it is there, instead of losing it for good.
		return r.tx(ctx, func(tx *sql.Tx) error {
			if err := r.dropFolder(tx, userID, folder); err != nil {
				return err
			}
			if _, err := tx.Exec("DELETE FROM _outlooksql_delta WHERE user_id = ? AND resource = ? AND folder_id = ''", userID, resFolders); err != nil {
				return fmt.Errorf("forget the folders' delta link: %w", err)
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	var att *spool
	if r.attachments != nil {
		ids, err := r.attachmentsWanted(sp, userID, folder)
		if err != nil {
			return err
		}
		if att, err = newSpool(); err != nil {
			return err
		}
		defer att.close()
		if err := r.fetchAttachments(ctx, mb, path, ids, att); err != nil {
			return err
		}
	}
	var a *applier
	err = r.tx(ctx, func(tx *sql.Tx) error {
		// A folder dropped meanwhile (its parent's round answered 404)
		// is not written: its messages would have no folder.
		var one int
		if err := tx.QueryRow("SELECT 1 FROM mail_folders WHERE user_id = ? AND id = ?", userID, folder).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return errFolderGone
		} else if err != nil {
			return fmt.Errorf("read folder %s: %w", folder, err)
		}
		a = &applier{r: r, tx: tx, ex: newPreparedTx(tx), userID: userID, folder: folder, rewrite: rewrite}
		if full {
			a.seen = map[string]bool{}
		}
		if att != nil {
			a.wrote = map[string]bool{}
		}
		if err := sp.each(a.apply); err != nil {
			return err
		}
		if full {
			if err := a.dropUnseen(); err != nil {
				return err
			}
		}
		if att != nil {
			if err := r.writeAttachments(a.ex, userID, att, a.wrote); err != nil {
				return err
			}
		}
		return saveLink(tx, userID, resMessages, folder, r.linkSelect(), delta)
	}, func() { a.count() })
	if errors.Is(err, errFolderGone) {
		return nil
	}
	if err != nil {
		return err
	}
	r.folderCount.Add(1)
	return nil
}

// errFolderGone ends the transaction of a folder dropped during the run.
var errFolderGone = errors.New("the folder was dropped during the run")

// applier applies one folder's round inside its transaction; the counts
// reach the run only when the transaction commits.
type applier struct {
	r      *run
	tx     *sql.Tx
	ex     execer // tx, each statement prepared once
	userID string
	folder string
	seen   map[string]bool // ids of a full round
	// rewrite writes unchanged messages too (the columns changed).
	rewrite bool
	// wrote are the ids of messages written, when attachments are synced:
	// their fetched attachments replace the old ones.
	wrote map[string]bool

	added, changed, moved, deleted int64
	removed, readded               []string // ids deleted, and ids added that were deleted earlier this run
}

// apply applies one delta item: @removed deletes the row only while it is
// still in this folder (a move applied first keeps it); anything else is
// an upsert by (user_id, id).
func (a *applier) apply(it gjson.Result) error {
	id := it.Get("id").String()
	if id == "" {
		return errors.New("messages/delta sent an item without an id")
	}
	if it.Get("@removed").Exists() {
		res, err := a.ex.Exec("DELETE FROM messages WHERE user_id = ? AND id = ? AND parent_folder_id = ?", a.userID, id, a.folder)
		if err != nil {
			return fmt.Errorf("delete message %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			a.deleted += n
			a.removed = append(a.removed, id)
		}
		if a.seen != nil {
			delete(a.seen, id)
		}
		return nil
	}
	s := a.r.messages
	vals, present, err := s.row(a.userID, it)
	if err != nil {
		return err
	}
	if a.rewrite {
		// A full item for the new columns: those it lacks (the bodies
		// after --body was turned off) become NULL.
		for i := range present {
			present[i] = true
		}
	}
	pf := s.col("parent_folder_id")
	if vals[pf] == nil {
		// The folder's delta lists the folder's items.
		vals[pf], present[pf] = a.folder, true
	}
	if a.seen != nil {
		a.seen[id] = true
	}
	var oldFolder, oldChange, oldModified sql.NullString
	err = a.ex.QueryRow("SELECT parent_folder_id, change_key, last_modified_date_time FROM messages WHERE user_id = ? AND id = ?", a.userID, id).
		Scan(&oldFolder, &oldChange, &oldModified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		a.added++
		if a.r.wasRemoved(a.userID, id) {
			a.readded = append(a.readded, id)
		}
	case err != nil:
		return fmt.Errorf("read message %s: %w", id, err)
	default:
		ck, lm := s.col("change_key"), s.col("last_modified_date_time")
		newModified, _ := vals[lm].(string)
		if present[lm] && oldModified.Valid && newModified != "" && newModified < oldModified.String {
			// An older version than the file's (a folder's round read
			// before a move that another folder's round already applied).
			return nil
		}
		if !a.rewrite && oldFolder.String == vals[pf] && oldChange.Valid && present[ck] && oldChange.String == vals[ck] {
			return nil // unchanged: a replay
		}
		switch {
		case oldFolder.String != vals[pf]:
			a.moved++
		case oldChange.Valid && present[ck] && oldChange.String == vals[ck]:
			// rewritten for new columns: not a change of the message
		default:
			a.changed++
		}
	}
	if err := upsert(a.ex, s, vals, present); err != nil {
		return err
	}
	if a.wrote != nil {
		a.wrote[id] = true
		if ha := s.col("has_attachments"); present[ha] && !it.Get("hasAttachments").Bool() {
			// No attachments (inline ones aside): none to keep.
			if _, err := a.ex.Exec("DELETE FROM attachments WHERE user_id = ? AND message_id = ?", a.userID, id); err != nil {
				return fmt.Errorf("delete the attachments of message %s: %w", id, err)
			}
		}
	}
	return nil
}

// dropUnseen deletes the folder's rows that a full round did not list.
func (a *applier) dropUnseen() error {
	ids, err := queryStrings(a.tx, "SELECT id FROM messages WHERE user_id = ? AND parent_folder_id = ?", a.userID, a.folder)
	if err != nil {
		return fmt.Errorf("list the messages of folder %s: %w", a.folder, err)
	}
	for _, id := range ids {
		if a.seen[id] {
			continue
		}
		if _, err := a.ex.Exec("DELETE FROM messages WHERE user_id = ? AND id = ?", a.userID, id); err != nil {
			return fmt.Errorf("delete message %s: %w", id, err)
		}
		a.deleted++
		a.removed = append(a.removed, id)
	}
	return nil
}

// count adds the round's counts to the run's. A message deleted from one
// folder and added to another in the same run was moved.
func (a *applier) count() {
	r := a.r
	r.removedMu.Lock()
	for _, id := range a.removed {
		r.removed[a.userID+"\x00"+id] = true
	}
	r.removedMu.Unlock()
	moves := int64(len(a.readded))
	r.added.Add(a.added - moves)
	r.deleted.Add(a.deleted - moves)
	r.changed.Add(a.changed)
	r.moved.Add(a.moved + moves)
}

// wasRemoved reports whether the run deleted the message from some folder.
func (r *run) wasRemoved(userID, id string) bool {
	r.removedMu.Lock()
	defer r.removedMu.Unlock()
	return r.removed[userID+"\x00"+id]
}
