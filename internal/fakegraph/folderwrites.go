package fakegraph

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// folderName reads displayName from a folder body; it must not be empty.
func folderName(o jsonObject) (string, bool, *apiError) {
	raw, ok := o.get("displayName")
	if !ok {
		return "", false, nil
	}
	name, err := stringValue(raw, "displayName")
	if err != nil {
		return "", true, err
	}
	if strings.TrimSpace(name) == "" {
		return "", true, badRequest("ErrorInvalidRequest", "The folder's displayName must not be empty.")
	}
	return name, true, nil
}

// sibling returns the folder named name (any case) under parent, other than skip.
func sibling(mb *mailbox, parent *Folder, name string, skip *Folder) *Folder {
	for _, f := range mb.children[parent.ID] {
		if f != skip && strings.EqualFold(f.DisplayName, name) {
			return f
		}
	}
	return nil
}

var errFolderExists = &apiError{http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists."}

// createFolder: POST mailFolders or mailFolders/{id}/childFolders → 201.
func (c *call) createFolder(u *User, mb *mailbox, parent *Folder) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	f := &Folder{ID: newFolderID(), ParentFolderID: parent.ID}
	for k, raw := range o {
		switch {
		case strings.HasPrefix(k, "@"):
		case strings.EqualFold(k, "displayName"):
		case strings.EqualFold(k, "isHidden"):
			if f.IsHidden, err = boolValue(raw, "isHidden"); err != nil {
				c.answer(err)
				return
			}
		default:
			c.answer(folderPropError(k))
			return
		}
	}
	name, ok, err := folderName(o)
	if err == nil && !ok {
		err = badRequest("ErrorInvalidRequest", "A new folder needs a displayName.")
	}
	if err != nil {
		c.answer(err)
		return
	}
	if sibling(mb, parent, name, nil) != nil {
		c.answer(errFolderExists)
		return
	}
	f.DisplayName = name
	u.Folders = append(u.Folders, f)
	mb = c.reindex(u)
	c.w.Header().Set("Location", c.s.GraphURL()+fmt.Sprintf("/users('%s')/mailFolders('%s')", u.ID, f.ID))
	c.sendFolder(http.StatusCreated, mb, f)
}

func folderPropError(k string) *apiError {
	for _, p := range []string{"id", "parentFolderId", "childFolderCount", "unreadItemCount", "totalItemCount", "wellKnownName"} {
		if strings.EqualFold(p, k) {
			return badRequest("ErrorInvalidPropertySet", fmt.Sprintf("The property '%s' is read-only and cannot be set.", p))
		}
	}
	return bodyRead(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.mailFolder'. Make sure to only use property names that are defined by the type or mark the type as open type.", k))
}

// patchFolder: PATCH mailFolders/{id} {"displayName"} → 200.
func (c *call) patchFolder(u *User, mb *mailbox, f *Folder) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	for k := range o {
		switch {
		case strings.HasPrefix(k, "@"), strings.EqualFold(k, "displayName"):
		case strings.EqualFold(k, "isHidden"):
			c.fail(http.StatusBadRequest, "ErrorInvalidPropertySet", "The property 'isHidden' can be set only when the folder is created.")
			return
		default:
			c.answer(folderPropError(k))
			return
		}
	}
	name, ok, err := folderName(o)
	if err != nil {
		c.answer(err)
		return
	}
	if ok {
		if f == mb.root {
			c.fail(http.StatusBadRequest, "ErrorInvalidOperation", "The root folder (msgfolderroot) cannot be renamed.")
			return
		}
		if parent, _ := mb.folder(f.ParentFolderID); parent != nil && sibling(mb, parent, name, f) != nil {
			c.answer(errFolderExists)
			return
		}
		f.DisplayName = name
	}
	mb = c.reindex(u)
	c.sendFolder(http.StatusOK, mb, f)
}

// descendants is f and every folder under it.
func descendants(mb *mailbox, f *Folder) []*Folder {
	out := []*Folder{f}
	for i := 0; i < len(out); i++ {
		out = append(out, mb.children[out[i].ID]...)
	}
	return out
}

// moveFolder: POST mailFolders/{id}/move {"destinationId"} → 201. Folder
// ids are stable: the moved folder keeps its id.
func (c *call) moveFolder(u *User, mb *mailbox, f *Folder) {
	dest, err := c.destination(mb)
	if err != nil {
		c.answer(err)
		return
	}
	if f.WellKnownName != "" {
		c.fail(http.StatusBadRequest, "ErrorMoveDistinguishedFolder", fmt.Sprintf("The well-known folder '%s' cannot be moved.", f.WellKnownName))
		return
	}
	if slices.Contains(descendants(mb, f), dest) {
		c.fail(http.StatusBadRequest, "ErrorMoveCopyFailed", "A folder cannot be moved into itself or one of its subfolders.")
		return
	}
	if sibling(mb, dest, f.DisplayName, f) != nil {
		c.answer(errFolderExists)
		return
	}
	f.ParentFolderID = dest.ID
	mb = c.reindex(u)
	c.sendFolder(http.StatusCreated, mb, f)
}

// deleteFolder: DELETE mailFolders/{id} → 204, with its messages and
// subfolders.
func (c *call) deleteFolder(u *User, mb *mailbox, f *Folder) {
	if f.WellKnownName != "" {
		c.fail(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", fmt.Sprintf("The well-known folder '%s' cannot be deleted.", f.WellKnownName))
		return
	}
	gone := map[string]bool{}
	for _, d := range descendants(mb, f) {
		gone[d.ID] = true
	}
	u.Folders = slices.DeleteFunc(u.Folders, func(x *Folder) bool { return gone[x.ID] })
	u.Messages = slices.DeleteFunc(u.Messages, func(m *Message) bool { return gone[m.ParentFolderID] })
	c.reindex(u)
	c.empty(http.StatusNoContent)
}
