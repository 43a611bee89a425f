package outlook

import (
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// TestRowMapDetectsClashes: two different items that hash to one rowid can
// never be confused; the same item seen twice (two scans of an OR) is fine.
func TestRowMapDetectsClashes(t *testing.T) {
	c := &Conn{}
	a := &rowRef{t: tables.Messages, mailbox: "me", id: "A", keys: map[string]string{}}
	a2 := &rowRef{t: tables.Messages, mailbox: "me", id: "A", keys: map[string]string{"folder_id": "inbox"}}
	b := &rowRef{t: tables.Messages, mailbox: "me", id: "B", keys: map[string]string{}}
	other := &rowRef{t: tables.Messages, mailbox: "alice@contoso.com", id: "A", keys: map[string]string{}}

	c.record(1, a)
	c.record(1, a2) // the same message through a folder scope
	if r, err := c.row(tables.Messages, 1); err != nil || r.id != "A" {
		t.Errorf("row 1: %v, %v", r, err)
	}
	c.record(2, a)
	c.record(2, b)
	if _, err := c.row(tables.Messages, 2); err == nil || !strings.Contains(err.Error(), "two different items share rowid 2") {
		t.Errorf("row 2 after a clash: %v", err)
	}
	c.record(3, a)
	c.record(3, other) // the same id in another mailbox is another item
	if _, err := c.row(tables.Messages, 3); err == nil {
		t.Error("row 3: the same id in two mailboxes was not a clash")
	}
	if _, err := c.row(tables.Messages, 4); err == nil || !strings.Contains(err.Error(), "names no row read in this transaction") {
		t.Errorf("row 4: %v", err)
	}
	if _, err := c.row(tables.MailFolders, 1); err == nil {
		t.Error("a messages row answered for mail_folders")
	}
	c.w.reset()
	if _, err := c.row(tables.Messages, 1); err == nil {
		t.Error("rows outlived the transaction")
	}
}
