package fakegraph

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// folderRow is a folder with its mailbox, for filters and rendering.
type folderRow struct {
	f  *Folder
	mb *mailbox
}

func fr(x any) folderRow { return x.(folderRow) }

var folderSchema = newSchema("microsoft.graph.mailFolder", []*propDef{
	{path: "id", typ: edmString, exact: true, get: func(x any) any { return fr(x).f.ID }},
	{path: "displayName", typ: edmString, get: func(x any) any { return fr(x).f.DisplayName }},
	{path: "parentFolderId", typ: edmString, exact: true, get: func(x any) any { return nullIfEmpty(fr(x).f.ParentFolderID) }},
	{path: "childFolderCount", typ: edmInt32, get: func(x any) any { return float64(fr(x).mb.stats.children[fr(x).f.ID]) }},
	{path: "unreadItemCount", typ: edmInt32, get: func(x any) any { return float64(fr(x).mb.stats.unread[fr(x).f.ID]) }},
	{path: "totalItemCount", typ: edmInt32, get: func(x any) any { return float64(fr(x).mb.stats.total[fr(x).f.ID]) }},
	{path: "isHidden", typ: edmBool, get: func(x any) any { return fr(x).f.IsHidden }},
}, nil)

var folderProps = []string{"displayName", "parentFolderId", "childFolderCount", "unreadItemCount", "totalItemCount", "isHidden"}

func appendFolder(b []byte, mb *mailbox, f *Folder, sel selection) []byte {
	o := obj{b: append(b, '{')}
	if f.SearchFolder {
		o.str("@odata.type", "#microsoft.graph.mailSearchFolder")
	}
	o.str("id", f.ID)
	for _, p := range folderProps {
		if !sel.has(p, true) {
			continue
		}
		switch p {
		case "displayName":
			o.str(p, f.DisplayName)
		case "parentFolderId":
			o.strOrNull(p, f.ParentFolderID)
		case "childFolderCount":
			o.num(p, int64(mb.stats.children[f.ID]))
		case "unreadItemCount":
			o.num(p, int64(mb.stats.unread[f.ID]))
		case "totalItemCount":
			o.num(p, int64(mb.stats.total[f.ID]))
		case "isHidden":
			o.boolean(p, f.IsHidden)
		}
	}
	return append(o.b, '}')
}

func (c *call) includeHidden() bool {
	for k, v := range c.q().custom {
		if strings.EqualFold(k, "includeHiddenFolders") && len(v) > 0 && strings.EqualFold(v[0], "true") {
			return true
		}
	}
	return false
}

// listFolders serves /mailFolders (children of msgfolderroot) and
// /mailFolders/{id}/childFolders.
func (c *call) listFolders(mb *mailbox, parent *Folder, ctxPath string) {
	q := c.q()
	if err := q.allow("$select", "$filter", "$orderby", "$top", "$skip", "$count"); err != nil {
		c.answer(err)
		return
	}
	page := DefaultMessagesPage
	if q.has["$top"] {
		if q.top < 1 || q.top > MaxMessagesTop {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", MaxMessagesTop, q.top))
			return
		}
		page = q.top
	}
	sel, canon, err := parseSelect(q.sel, folderProps, "microsoft.graph.mailFolder")
	if err != nil {
		c.answer(err)
		return
	}
	filter, keys, err := filterAndOrder(folderSchema, q)
	if err != nil {
		c.answer(err)
		return
	}
	hidden := c.includeHidden()
	var list []*Folder
	for _, f := range mb.children[parent.ID] {
		if f.IsHidden && !hidden {
			continue
		}
		if filter != nil {
			if v, _ := filter.eval(folderRow{f, mb}, nil).(bool); !v {
				continue
			}
		}
		list = append(list, f)
	}
	if keys != nil {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(a, b *Folder) int { return lessBy(keys, folderRow{a, mb}, folderRow{b, mb}) })
	}
	ctx := fmt.Sprintf("users('%s')/%s", c.user.ID, ctxPath)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	writeList(c, q, ctx, list, page, func(b []byte, f *Folder) []byte {
		return appendFolder(b, mb, f, sel)
	})
}

func (c *call) getFolder(mb *mailbox, f *Folder) {
	q := c.q()
	if err := q.allow("$select"); err != nil {
		c.answer(err)
		return
	}
	sel, canon, err := parseSelect(q.sel, folderProps, "microsoft.graph.mailFolder")
	if err != nil {
		c.answer(err)
		return
	}
	ctx := fmt.Sprintf("users('%s')/mailFolders", c.user.ID)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	c.writeJSON(withContext(appendFolder(nil, mb, f, sel), c.context(ctx+"/$entity")))
}
