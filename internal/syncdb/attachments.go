package syncdb

// Attachment metadata (SCHEMA.md: "Metadata (no bytes) is copied for new
// and changed messages").
//
// What it costs: a folder round lists the messages it brings that Graph
// marks hasAttachments and that are new to the file or changed (another
// change key or folder, or no attachment rows yet), and reads their
// attachments' metadata with GET …/messages/{id}/attachments?$select=…
// sent 20 to a POST /$batch: one request per 20 such messages, on top of
// the round's delta pages; batches are per folder (the rows go in the
// folder's transaction), so a folder adds at most one partial batch. The
// 20 GETs inside a batch count against the mailbox's 4 concurrent
// requests, so the time grows with the messages read, about one latency
// per 4 of them. Measured on the fake tenant (20,000 messages in 30
// folders, 1,483 with attachments, 50 ms latency): a first sync of 64
// requests in 6.6 s becomes 155 requests (91 batches) in 26 s; a sync with
// no changes costs nothing more (32 requests either way). Messages whose
// only attachments are inline (hasAttachments false, as Graph reports
// images in a signature) are not read: their inline attachments are not
// copied.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// attachmentSelect is the $select of an attachments read: the metadata
// columns; contentId through its cast, as the attachments table reads it.
const attachmentSelect = "id,name,contentType,size,isInline,lastModifiedDateTime,microsoft.graph.fileAttachment/contentId"

// attachmentsMarker is appended to the select_list of a messages delta
// link made while attachments are synced: turning attachments on (or off)
// resyncs each folder once, so that messages synced before get theirs.
const attachmentsMarker = ";attachments"

// attachmentsTrigger deletes a message's attachment rows with the message,
// whichever way it goes (a removal, a full round, a folder deleted), in the
// same transaction.
const attachmentsTrigger = `CREATE TRIGGER IF NOT EXISTS messages_attachments_ad AFTER DELETE ON messages BEGIN
	DELETE FROM attachments WHERE user_id = old.user_id AND message_id = old.id; END`

// attachmentsWanted lists the ids of the round's messages whose
// attachments must be read: hasAttachments, and new to the file, changed
// (change key or folder), or without attachment rows. It runs before the
// round's transaction; only this folder's rounds delete rows of this
// folder, so a row it sees unchanged is still there when the round applies.
func (r *run) attachmentsWanted(sp *spool, userID, folder string) ([]string, error) {
	var ids []string
	err := sp.each(func(it gjson.Result) error {
		if it.Get("@removed").Exists() || !it.Get("hasAttachments").Bool() {
			return nil
		}
		id := it.Get("id").String()
		var oldFolder, oldChange sql.NullString
		var rows int
		err := r.db.QueryRow(`SELECT parent_folder_id, change_key, (SELECT count(*) FROM attachments a WHERE a.user_id = m.user_id AND a.message_id = m.id)
			FROM messages m WHERE user_id = ? AND id = ?`, userID, id).Scan(&oldFolder, &oldChange, &rows)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read message %s: %w", id, err)
		default:
			newFolder := it.Get("parentFolderId").String()
			if newFolder == "" {
				newFolder = folder
			}
			if rows > 0 && oldFolder.String == newFolder && oldChange.Valid && oldChange.String == it.Get("changeKey").String() {
				return nil // unchanged: its rows are current
			}
		}
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

// fetchAttachments reads the attachments of the messages ids, graph.MaxBatch
// to a $batch, and spools one item per message: {"message": id, "value":
// [attachments]}. A message gone meanwhile (404) is left out: the next
// round removes it.
func (r *run) fetchAttachments(ctx context.Context, mb, path string, ids []string, out *spool) error {
	hdr := http.Header(r.mailHeader(0))
	for start := 0; start < len(ids); start += graph.MaxBatch {
		chunk := ids[start:min(start+graph.MaxBatch, len(ids))]
		reqs := make([]graph.BatchRequest, len(chunk))
		for i, id := range chunk {
			reqs[i] = graph.BatchRequest{Path: path + "/messages/" + pathEscape(id) + "/attachments?$select=" + attachmentSelect, Header: hdr}
		}
		res, err := r.o.Client.Batch(ctx, mb, reqs)
		if err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		for i, rs := range res {
			if graph.Status(rs.Err) == http.StatusNotFound {
				continue
			}
			if rs.Err != nil {
				return fmt.Errorf("attachments of message %s: %w", chunk[i], rs.Err)
			}
			items, err := r.attachmentPages(ctx, mb, rs.Response.Body)
			if err != nil {
				return fmt.Errorf("attachments of message %s: %w", chunk[i], err)
			}
			raw := `{"message":` + strconv.Quote(chunk[i]) + `,"value":[`
			for j, a := range items {
				if j > 0 {
					raw += ","
				}
				raw += a.Raw
			}
			if err := out.add(gjson.Parse(raw + "]}")); err != nil {
				return err
			}
		}
	}
	return nil
}

// attachmentPages returns the attachments of one answer, following its
// @odata.nextLink (rare: a message with very many attachments).
func (r *run) attachmentPages(ctx context.Context, mb string, body []byte) ([]gjson.Result, error) {
	if !gjson.ValidBytes(body) {
		return nil, errors.New("the answer is not JSON")
	}
	page := gjson.ParseBytes(body)
	items := page.Get("value").Array()
	next := page.Get(`@odata\.nextLink`).String()
	if next == "" {
		return items, nil
	}
	p := r.o.Client.Pages(ctx, mb, next, http.Header(r.mailHeader(0)))
	for {
		pg, err := p.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return nil, err
		}
		items = append(items, pg.Array()...)
	}
}

// writeAttachments replaces the attachment rows of the messages the round
// wrote (wrote) with the spooled ones, inside the round's transaction.
func (r *run) writeAttachments(tx execer, userID string, att *spool, wrote map[string]bool) error {
	s := r.attachments
	mid := s.col("message_id")
	return att.each(func(it gjson.Result) error {
		id := it.Get("message").String()
		if !wrote[id] {
			return nil // skipped by the round (an older version)
		}
		if _, err := tx.Exec("DELETE FROM attachments WHERE user_id = ? AND message_id = ?", userID, id); err != nil {
			return fmt.Errorf("replace the attachments of message %s: %w", id, err)
		}
		for _, a := range it.Get("value").Array() {
			vals, present, err := s.row(userID, a)
			if err != nil {
				return err
			}
			vals[mid], present[mid] = id, true
			if err := upsert(tx, s, vals, present); err != nil {
				return err
			}
		}
		return nil
	})
}
