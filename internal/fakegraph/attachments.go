package fakegraph

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// MaxInlineContent is the largest file attachment whose contentBytes Graph
// includes in attachment lists and $expand=attachments (3 MB); larger ones
// are fetched with /$value (or a GET of the attachment itself).
const MaxInlineContent = 3 * 1024 * 1024

var attachmentProps = []string{"lastModifiedDateTime", "name", "contentType", "size", "isInline"}

const fileCast = "microsoft.graph.fileAttachment/"

var fileProps = []string{"contentId", "contentLocation", "contentBytes"}

// parseAttachmentSelect reads $select on attachments: base properties and
// the cast form microsoft.graph.fileAttachment/{contentId|contentLocation|contentBytes}.
func parseAttachmentSelect(names []string) (selection, []string, *apiError) {
	if names == nil {
		return nil, nil, nil
	}
	sel := selection{}
	var canon []string
	for _, n := range names {
		low := strings.ToLower(n)
		found := ""
		if low == "id" {
			found = "id"
		}
		for _, p := range attachmentProps {
			if strings.EqualFold(p, n) {
				found = p
			}
		}
		if strings.HasPrefix(low, strings.ToLower(fileCast)) {
			for _, p := range fileProps {
				if strings.EqualFold(p, n[len(fileCast):]) {
					found = fileCast + p
				}
			}
			if found == "" {
				return nil, nil, badRequest("RequestBroker--ParseUri", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.fileAttachment'.", n[len(fileCast):]))
			}
		}
		if found == "" {
			return nil, nil, badRequest("RequestBroker--ParseUri", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.attachment'.", n))
		}
		sel[found] = true
		canon = append(canon, found)
	}
	return sel, canon, nil
}

// appendAttachment writes an attachment as Graph does. In lists and
// $expand (list true) a file's contentBytes is left out over 3 MB.
func appendAttachment(b []byte, a *Attachment, sel selection, list bool) []byte {
	o := obj{b: append(b, '{')}
	o.str("@odata.type", "#microsoft.graph."+a.Kind+"Attachment")
	if a.Kind == "file" && sel == nil {
		o.str("@odata.mediaContentType", orOctet(a.ContentType))
	}
	o.str("id", a.ID)
	for _, p := range attachmentProps {
		if !sel.has(p, true) {
			continue
		}
		switch p {
		case "lastModifiedDateTime":
			o.date(p, a.LastModified)
		case "name":
			o.str(p, a.Name)
		case "contentType":
			o.strOrNull(p, a.ContentType)
		case "size":
			o.num(p, int64(a.Size))
		case "isInline":
			o.boolean(p, a.IsInline)
		}
	}
	if a.Kind == "file" {
		for _, p := range fileProps {
			if !sel.has(fileCast+p, true) {
				continue
			}
			switch p {
			case "contentId":
				o.strOrNull(p, a.ContentID)
			case "contentLocation":
				o.strOrNull(p, "")
			case "contentBytes":
				if !list || len(a.Content) <= MaxInlineContent {
					o.bytes64(p, a.Content)
				}
			}
		}
	}
	return append(o.b, '}')
}

func orOctet(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}

func (c *call) listAttachments(m *Message) {
	q := c.q()
	// $filter is accepted and ignored on this endpoint, as Graph does.
	if err := q.allow("$select", "$filter", "$top", "$skip", "$count"); err != nil {
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
	sel, canon, err := parseAttachmentSelect(q.sel)
	if err != nil {
		c.answer(err)
		return
	}
	ctx := fmt.Sprintf("users('%s')/messages('%s')/attachments", c.user.ID, m.ID)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	writeList(c, q, ctx, m.Attachments, page, func(b []byte, a *Attachment) []byte {
		return appendAttachment(b, a, sel, true)
	})
}

// writeList sends one page of list as a collection: @odata.context, the
// count when asked for, the items from $skip on, and a nextLink with the
// next $skip while more remain.
func writeList[T any](c *call, q *query, ctx string, list []T, page int, item func([]byte, T) []byte) {
	b := []byte(`{"@odata.context":`)
	b = jsonx.AppendString(b, c.context(ctx))
	if q.count {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(len(list)), 10)
	}
	b = append(b, `,"value":[`...)
	start := min(q.skip, len(list))
	end := min(start+c.capPage(page), len(list))
	for i, v := range list[start:end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(b, v)
	}
	b = append(b, ']')
	if end < len(list) {
		b = append(b, `,"@odata.nextLink":`...)
		b = jsonx.AppendString(b, c.nextLink("$skip", strconv.Itoa(end)))
	}
	c.writePage(append(b, '}'))
}

func (c *call) getAttachment(m *Message, a *Attachment) {
	q := c.q()
	if err := q.allow("$select", "$expand"); err != nil {
		c.answer(err)
		return
	}
	sel, canon, err := parseAttachmentSelect(q.sel)
	if err != nil {
		c.answer(err)
		return
	}
	expandItem := false
	if q.has["$expand"] {
		switch strings.ToLower(q.expand) {
		case "microsoft.graph.itemattachment/item":
			expandItem = true
		default:
			c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.attachment'.", q.expand))
			return
		}
	}
	ctx := fmt.Sprintf("users('%s')/messages('%s')/attachments", c.user.ID, m.ID)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	b := appendAttachment(nil, a, sel, false)
	if expandItem && a.Kind == "item" && a.Item != nil {
		b = b[:len(b)-1]
		o := obj{b: b, n: 1}
		o.str("item@odata.context", c.context(fmt.Sprintf("users('%s')/messages('%s')/attachments('%s')/microsoft.graph.itemAttachment/item/$entity", c.user.ID, m.ID, a.ID)))
		o.key("item")
		item := c.appendMessage(nil, a.Item, nil, nil)
		o.b = append(o.b, `{"@odata.type":"#microsoft.graph.message",`...)
		o.b = append(o.b, item[1:]...)
		b = append(o.b, '}')
	}
	c.writeJSON(withContext(b, c.context(ctx+"/$entity")))
}

func (c *call) attachmentValue(a *Attachment) {
	switch a.Kind {
	case "reference":
		c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", "The OData request is not supported: $value is not available for a reference attachment.")
	case "item":
		c.rawValue("text/plain", a.Content)
	default:
		c.rawValue(orOctet(a.ContentType), a.Content)
	}
}
