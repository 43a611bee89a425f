package fakegraph

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// MaxMessagesTop is the largest $top Graph accepts on messages; the default
// page is DefaultMessagesPage.
const (
	MaxMessagesTop      = 1000
	DefaultMessagesPage = 10
)

func msg(x any) *Message { return x.(*Message) }

func recipientPath(name string, get func(*Message) *Recipient) []*propDef {
	return []*propDef{
		{path: name + "/emailAddress/address", typ: edmString, get: func(x any) any {
			if r := get(msg(x)); r != nil {
				return r.Address
			}
			return nil
		}},
		{path: name + "/emailAddress/name", typ: edmString, get: func(x any) any {
			if r := get(msg(x)); r != nil {
				return r.Name
			}
			return nil
		}},
	}
}

var recipientSchema = newSchema("microsoft.graph.recipient", []*propDef{
	{path: "emailAddress/address", typ: edmString, get: func(x any) any { return x.(Recipient).Address }},
	{path: "emailAddress/name", typ: edmString, get: func(x any) any { return x.(Recipient).Name }},
}, map[string]string{"emailAddress": "microsoft.graph.emailAddress"})

var headerSchema = newSchema("microsoft.graph.internetMessageHeader", []*propDef{
	{path: "name", typ: edmString, get: func(x any) any { return x.(Header).Name }},
	{path: "value", typ: edmString, get: func(x any) any { return x.(Header).Value }},
}, nil)

var attachmentElemSchema = newSchema("microsoft.graph.attachment", []*propDef{
	{path: "id", typ: edmString, exact: true, get: func(x any) any { return x.(*Attachment).ID }},
	{path: "name", typ: edmString, get: func(x any) any { return x.(*Attachment).Name }},
	{path: "contentType", typ: edmString, get: func(x any) any { return nullIfEmpty(x.(*Attachment).ContentType) }},
	{path: "size", typ: edmInt32, get: func(x any) any { return float64(x.(*Attachment).Size) }},
	{path: "isInline", typ: edmBool, get: func(x any) any { return x.(*Attachment).IsInline }},
}, nil)

func recipientsValue(rs []Recipient) any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

func flagDate(get func(*Message) *time.Time) func(x any) any {
	return func(x any) any {
		if t := get(msg(x)); t != nil {
			return t.UTC().Format("2006-01-02T15:04:05.0000000")
		}
		return nil
	}
}

var messageSchema = func() *schema {
	defs := []*propDef{
		{path: "id", typ: edmString, exact: true, get: func(x any) any { return msg(x).ID }},
		{path: "subject", typ: edmString, get: func(x any) any { return msg(x).Subject }},
		{path: "bodyPreview", typ: edmString, get: func(x any) any { return msg(x).Preview() }},
		{path: "body/content", typ: edmString, get: func(x any) any { return msg(x).Body.Content }},
		{path: "body/contentType", typ: "microsoft.graph.bodyType", enum: []string{"text", "html"}, get: func(x any) any { return strings.ToLower(msg(x).Body.ContentType) }},
		{path: "uniqueBody/content", typ: edmString, get: func(x any) any { return msg(x).Unique().Content }},
		{path: "uniqueBody/contentType", typ: "microsoft.graph.bodyType", enum: []string{"text", "html"}, get: func(x any) any { return strings.ToLower(msg(x).Unique().ContentType) }},
		{path: "receivedDateTime", typ: edmDTO, get: func(x any) any { return msg(x).ReceivedDateTime }},
		{path: "sentDateTime", typ: edmDTO, get: func(x any) any { return msg(x).SentDateTime }},
		{path: "createdDateTime", typ: edmDTO, get: func(x any) any { return msg(x).CreatedDateTime }},
		{path: "lastModifiedDateTime", typ: edmDTO, get: func(x any) any { return msg(x).LastModifiedDateTime }},
		{path: "importance", typ: "microsoft.graph.importance", enum: []string{"low", "normal", "high"}, get: func(x any) any { return msg(x).Importance }},
		{path: "inferenceClassification", typ: "microsoft.graph.inferenceClassificationType", enum: []string{"focused", "other"}, get: func(x any) any { return msg(x).InferenceClassification }},
		{path: "isRead", typ: edmBool, get: func(x any) any { return msg(x).IsRead }},
		{path: "isDraft", typ: edmBool, get: func(x any) any { return msg(x).IsDraft }},
		{path: "hasAttachments", typ: edmBool, get: func(x any) any { return msg(x).HasAttachments() }},
		{path: "isReadReceiptRequested", typ: edmBool, get: func(x any) any { return msg(x).IsReadReceiptRequested }},
		{path: "isDeliveryReceiptRequested", typ: edmBool, get: func(x any) any { return msg(x).IsDeliveryReceiptRequested }},
		{path: "flag/flagStatus", typ: "microsoft.graph.followupFlagStatus", enum: []string{"notFlagged", "complete", "flagged"}, get: func(x any) any { return flagStatus(msg(x)) }},
		{path: "flag/startDateTime/dateTime", typ: edmString, get: flagDate(func(m *Message) *time.Time { return m.Flag.Start })},
		{path: "flag/dueDateTime/dateTime", typ: edmString, get: flagDate(func(m *Message) *time.Time { return m.Flag.Due })},
		{path: "flag/completedDateTime/dateTime", typ: edmString, get: flagDate(func(m *Message) *time.Time { return m.Flag.Completed })},
		{path: "categories", typ: edmStrings, get: func(x any) any { return msg(x).Categories }},
		{path: "conversationId", typ: edmString, exact: true, get: func(x any) any { return nullIfEmpty(msg(x).ConversationID) }},
		{path: "internetMessageId", typ: edmString, get: func(x any) any { return nullIfEmpty(msg(x).InternetMessageID) }},
		{path: "parentFolderId", typ: edmString, exact: true, get: func(x any) any { return msg(x).ParentFolderID }},
		{path: "webLink", typ: edmString, get: func(x any) any { return msg(x).Link() }},
		{path: "changeKey", typ: edmString, exact: true, get: func(x any) any { return nullIfEmpty(msg(x).ChangeKey) }},
		{path: "toRecipients", typ: "Collection(microsoft.graph.recipient)", elem: recipientSchema, get: func(x any) any { return recipientsValue(msg(x).ToRecipients) }},
		{path: "ccRecipients", typ: "Collection(microsoft.graph.recipient)", elem: recipientSchema, get: func(x any) any { return recipientsValue(msg(x).CcRecipients) }},
		{path: "bccRecipients", typ: "Collection(microsoft.graph.recipient)", elem: recipientSchema, get: func(x any) any { return recipientsValue(msg(x).BccRecipients) }},
		{path: "replyTo", typ: "Collection(microsoft.graph.recipient)", elem: recipientSchema, get: func(x any) any { return recipientsValue(msg(x).ReplyTo) }},
		{path: "internetMessageHeaders", typ: "Collection(microsoft.graph.internetMessageHeader)", elem: headerSchema, get: func(x any) any {
			hs := msg(x).InternetMessageHeaders
			out := make([]any, len(hs))
			for i, h := range hs {
				out[i] = h
			}
			return out
		}},
		{path: "attachments", typ: "Collection(microsoft.graph.attachment)", elem: attachmentElemSchema, get: func(x any) any {
			as := msg(x).Attachments
			out := make([]any, len(as))
			for i, a := range as {
				out[i] = a
			}
			return out
		}},
	}
	defs = append(defs, recipientPath("from", func(m *Message) *Recipient { return m.From })...)
	defs = append(defs, recipientPath("sender", func(m *Message) *Recipient { return m.Sender })...)
	return newSchema("microsoft.graph.message", defs, map[string]string{
		"from": "microsoft.graph.recipient", "from/emailAddress": "microsoft.graph.emailAddress",
		"sender": "microsoft.graph.recipient", "sender/emailAddress": "microsoft.graph.emailAddress",
		"body": "microsoft.graph.itemBody", "uniqueBody": "microsoft.graph.itemBody",
		"flag": "microsoft.graph.followupFlag", "flag/startDateTime": "microsoft.graph.dateTimeTimeZone",
		"flag/dueDateTime": "microsoft.graph.dateTimeTimeZone", "flag/completedDateTime": "microsoft.graph.dateTimeTimeZone",
	})
}()

var invalidNodes = badRequest("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")

// filterError maps a parse/bind error to Graph's response.
func filterError(err error) *apiError {
	qe, ok := err.(*queryError)
	if !ok {
		return badRequest("BadRequest", "Invalid filter clause: "+err.Error())
	}
	switch qe.kind {
	case "property":
		return badRequest("RequestBroker--ParseUri", qe.msg)
	case "unsupported":
		return invalidNodes
	}
	return badRequest("BadRequest", "Invalid filter clause: "+qe.msg)
}

// exchangeFilter parses, binds and checks a $filter the way Exchange
// (messages, mail folders) accepts it.
func exchangeFilter(s *schema, src string) (*expr, *apiError) {
	e, err := parseFilter(src)
	if err != nil {
		return nil, filterError(err)
	}
	if err := bind(s, e); err != nil {
		if qe, ok := err.(*queryError); ok && qe.kind == "unsupported" {
			return nil, invalidNodes
		}
		return nil, filterError(err)
	}
	if err := exchangeShape(e, ""); err != nil {
		return nil, err
	}
	return e, nil
}

// exchangeShape rejects the nodes Exchange does not evaluate: endswith, in,
// has, lambdas other than categories/any, body/bodyPreview/uniqueBody/
// internetMessageHeaders, comparisons that are not "property op literal",
// and bare boolean properties.
func exchangeShape(e *expr, vr string) *apiError {
	isProp := func(x *expr) bool { return x.kind == eProp || x.kind == eVar }
	switch e.kind {
	case eBin:
		switch e.op {
		case "and", "or":
			for _, a := range e.args {
				if a.kind == eProp || a.kind == eLit {
					return invalidNodes
				}
				if err := exchangeShape(a, vr); err != nil {
					return err
				}
			}
			return nil
		case "has":
			return invalidNodes
		}
		l, r := e.args[0], e.args[1]
		if !isProp(l) || r.kind != eLit {
			return invalidNodes
		}
		return propAllowed(l)
	case eNot:
		a := e.args[0]
		if a.kind == eProp || a.kind == eLit {
			return invalidNodes
		}
		return exchangeShape(a, vr)
	case eCall:
		if e.op != "contains" && e.op != "startswith" {
			return invalidNodes
		}
		if !isProp(e.args[0]) || e.args[1].kind != eLit {
			return invalidNodes
		}
		return propAllowed(e.args[0])
	case eLambda:
		if e.op != "any" || !strings.EqualFold(e.def.path, "categories") || len(e.args) == 0 {
			return invalidNodes
		}
		return exchangeShape(e.args[0], e.vr)
	case eIn, eLit, eProp, eVar:
		return invalidNodes
	}
	return invalidNodes
}

func propAllowed(p *expr) *apiError {
	if p.kind == eVar {
		return nil
	}
	path := strings.ToLower(p.def.path)
	for _, bad := range []string{"body/", "uniquebody/", "bodypreview", "internetmessageheaders", "torecipients", "ccrecipients", "bccrecipients", "replyto", "attachments", "flag/startdatetime", "flag/duedatetime", "flag/completeddatetime", "weblink"} {
		if strings.HasPrefix(path, bad) {
			return invalidNodes
		}
	}
	return nil
}

// exchangeOrderBy parses $orderby and checks that the properties sort.
func exchangeOrderBy(s *schema, src string) ([]orderKey, *apiError) {
	keys, err := parseOrderBy(s, src)
	if err != nil {
		if qe, ok := err.(*queryError); ok && qe.kind == "property" {
			return nil, badRequest("RequestBroker--ParseUri", qe.msg)
		}
		return nil, badRequest("BadRequest", err.Error())
	}
	for _, k := range keys {
		t := k.def.typ
		p := strings.ToLower(k.def.path)
		if strings.HasPrefix(t, "Collection(") || isComplex(t) && k.def.enum == nil || k.def.get == nil ||
			strings.HasPrefix(p, "body/") || strings.HasPrefix(p, "uniquebody/") || p == "bodypreview" || strings.HasPrefix(p, "flag/") && p != "flag/flagstatus" {
			return nil, badRequest("BadRequest", "OrderBy not supported.")
		}
	}
	return keys, nil
}

// filterAndOrder parses a listing's $filter and $orderby the way Exchange
// does, and applies the InefficientFilter rule to the pair.
func filterAndOrder(sch *schema, q *query) (*expr, []orderKey, *apiError) {
	var filter *expr
	var err *apiError
	if q.has["$filter"] {
		if filter, err = exchangeFilter(sch, q.filter); err != nil {
			return nil, nil, err
		}
	}
	var keys []orderKey
	if q.has["$orderby"] {
		if keys, err = exchangeOrderBy(sch, q.orderby); err != nil {
			return nil, nil, err
		}
		if filter != nil {
			if err := inefficient(filter, keys); err != nil {
				return nil, nil, err
			}
		}
	}
	return filter, keys, nil
}

// inefficient applies the InefficientFilter rule: with both $filter and
// $orderby, the $orderby properties must come first in the $filter, in the
// same order.
func inefficient(f *expr, keys []orderKey) *apiError {
	props := filterProps(f)
	for i, k := range keys {
		if i >= len(props) || props[i] != strings.ToLower(k.def.path) {
			return badRequest("InefficientFilter", "The restriction or sort order is too complex for this operation.")
		}
	}
	return nil
}

// --- $select ---

// messageProps are the selectable properties in the order Graph sends them.
var messageProps = []string{
	"createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "receivedDateTime", "sentDateTime",
	"hasAttachments", "internetMessageId", "subject", "bodyPreview", "importance", "parentFolderId",
	"conversationId", "conversationIndex", "isDeliveryReceiptRequested", "isReadReceiptRequested", "isRead",
	"isDraft", "webLink", "inferenceClassification", "internetMessageHeaders", "body", "uniqueBody",
	"sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
}

// selection is a set of selected properties; nil means the default set.
type selection map[string]bool

func parseSelect(names []string, props []string, typeName string, extra ...string) (selection, []string, *apiError) {
	if names == nil {
		return nil, nil, nil
	}
	sel := selection{}
	var canon []string
	for _, n := range names {
		found := ""
		if strings.EqualFold(n, "id") {
			found = "id"
		}
		for _, p := range append(props, extra...) {
			if strings.EqualFold(p, n) {
				found = p
			}
		}
		if n == "*" {
			for _, p := range props {
				sel[p] = true
			}
			canon = append(canon, "*")
			continue
		}
		if found == "" {
			seg := n
			if i := strings.IndexByte(n, '/'); i >= 0 {
				seg = n[:i]
			}
			return nil, nil, badRequest("RequestBroker--ParseUri", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", seg, typeName))
		}
		sel[found] = true
		canon = append(canon, found)
	}
	return sel, canon, nil
}

func (s selection) has(p string, def bool) bool {
	if s == nil {
		return def
	}
	return s[p]
}

// renderBody converts a body to the requested content type.
func (c *call) renderBody(b ItemBody) ItemBody {
	ct := strings.ToLower(b.ContentType)
	if c.textBody && ct == "html" {
		return ItemBody{"text", htmlToText(b.Content)}
	}
	if !c.textBody && ct == "text" {
		return ItemBody{"html", "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>" +
			strings.ReplaceAll(html.EscapeString(b.Content), "\n", "<br>\n") + "</div></body></html>"}
	}
	return ItemBody{ct, b.Content}
}

// appendMessage writes one message as Graph does.
func (c *call) appendMessage(b []byte, m *Message, sel selection, exp *expandSpec) []byte {
	o := obj{b: append(b, '{')}
	o.str("@odata.etag", `W/"`+m.ChangeKey+`"`)
	o.str("id", m.ID)
	for _, p := range messageProps {
		def := p != "uniqueBody" && p != "internetMessageHeaders"
		if !sel.has(p, def) {
			continue
		}
		switch p {
		case "createdDateTime":
			o.date(p, m.CreatedDateTime)
		case "lastModifiedDateTime":
			o.date(p, m.LastModifiedDateTime)
		case "changeKey":
			o.strOrNull(p, m.ChangeKey)
		case "categories":
			o.strs(p, orEmpty(m.Categories))
		case "receivedDateTime":
			o.date(p, m.ReceivedDateTime)
		case "sentDateTime":
			o.date(p, m.SentDateTime)
		case "hasAttachments":
			o.boolean(p, m.HasAttachments())
		case "internetMessageId":
			o.strOrNull(p, m.InternetMessageID)
		case "subject":
			o.str(p, m.Subject)
		case "bodyPreview":
			if !c.basic {
				o.str(p, m.Preview())
			}
		case "importance":
			o.str(p, m.Importance)
		case "parentFolderId":
			o.str(p, m.ParentFolderID)
		case "conversationId":
			o.strOrNull(p, m.ConversationID)
		case "conversationIndex":
			h := fnv.New64a()
			h.Write([]byte(m.ConversationID))
			o.bytes64(p, h.Sum([]byte{0x01, 0xd9}))
		case "isDeliveryReceiptRequested":
			o.boolean(p, m.IsDeliveryReceiptRequested)
		case "isReadReceiptRequested":
			o.boolean(p, m.IsReadReceiptRequested)
		case "isRead":
			o.boolean(p, m.IsRead)
		case "isDraft":
			o.boolean(p, m.IsDraft)
		case "webLink":
			o.str(p, m.Link())
		case "inferenceClassification":
			o.str(p, m.InferenceClassification)
		case "internetMessageHeaders":
			o.key(p)
			o.b = appendHeaders(o.b, m.InternetMessageHeaders)
		case "body", "uniqueBody":
			if c.basic {
				continue
			}
			body := m.Body
			if p == "uniqueBody" {
				body = m.Unique()
			}
			body = c.renderBody(body)
			o.key(p)
			bo := obj{b: append(o.b, '{')}
			bo.str("contentType", body.ContentType)
			bo.str("content", body.Content)
			o.b = append(bo.b, '}')
		case "sender", "from":
			r := m.From
			if p == "sender" {
				r = m.Sender
			}
			if r != nil {
				o.key(p)
				o.b = appendRecipient(o.b, *r)
			}
		case "toRecipients":
			o.key(p)
			o.b = appendRecipients(o.b, m.ToRecipients)
		case "ccRecipients":
			o.key(p)
			o.b = appendRecipients(o.b, m.CcRecipients)
		case "bccRecipients":
			o.key(p)
			o.b = appendRecipients(o.b, m.BccRecipients)
		case "replyTo":
			o.key(p)
			o.b = appendRecipients(o.b, m.ReplyTo)
		case "flag":
			o.key(p)
			fo := obj{b: append(o.b, '{')}
			fo.str("flagStatus", flagStatus(m))
			if m.Flag.Completed != nil {
				fo.raw("completedDateTime", appendDTZ(nil, *m.Flag.Completed))
			}
			if m.Flag.Due != nil {
				fo.raw("dueDateTime", appendDTZ(nil, *m.Flag.Due))
			}
			if m.Flag.Start != nil {
				fo.raw("startDateTime", appendDTZ(nil, *m.Flag.Start))
			}
			o.b = append(fo.b, '}')
		}
	}
	if exp != nil {
		o.key("attachments")
		o.b = append(o.b, '[')
		for i, a := range m.Attachments {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendAttachment(o.b, a, exp.sel, true)
		}
		o.b = append(o.b, ']')
	}
	return append(o.b, '}')
}

// expandSpec is $expand=attachments[($select=…)].
type expandSpec struct {
	sel selection
}

func parseMessageExpand(v string) (*expandSpec, *apiError) {
	if v == "" {
		return nil, nil
	}
	name, inner, hasInner := strings.Cut(v, "(")
	name = strings.TrimSpace(name)
	if !strings.EqualFold(name, "attachments") {
		if strings.Contains(name, ",") {
			return nil, badRequest("BadRequest", "Only $expand=attachments is served for messages.")
		}
		switch strings.ToLower(name) {
		case "extensions", "singlevalueextendedproperties", "multivalueextendedproperties":
			return nil, &apiError{http.StatusNotImplemented, "NotImplemented", fmt.Sprintf("Expanding '%s' is not served by this fake.", name)}
		}
		return nil, badRequest("RequestBroker--ParseUri", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.message'.", name))
	}
	spec := &expandSpec{}
	if hasInner {
		if !strings.HasSuffix(inner, ")") {
			return nil, badRequest("BadRequest", fmt.Sprintf("Syntax error: ')' expected in '$expand=%s'.", v))
		}
		inner = strings.TrimSuffix(inner, ")")
		for _, opt := range strings.Split(inner, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(opt), "=")
			if !strings.EqualFold(k, "$select") {
				return nil, badRequest("BadRequest", fmt.Sprintf("The query option '%s' is not supported inside $expand=attachments by this fake.", k))
			}
			var names []string
			for _, n := range strings.Split(val, ",") {
				names = append(names, strings.TrimSpace(n))
			}
			sel, _, err := parseAttachmentSelect(names)
			if err != nil {
				return nil, err
			}
			spec.sel = sel
		}
	}
	return spec, nil
}

// --- handlers ---

// SearchCap is the most results $search returns on messages (Graph's
// documented cap; 250 in older docs).
const SearchCap = 1000

func (c *call) listMessages(mb *mailbox, f *Folder) {
	q := c.q()
	if err := q.allow("$select", "$filter", "$orderby", "$top", "$skip", "$search", "$count", "$expand"); err != nil {
		c.answer(err)
		return
	}
	if q.has["$search"] && q.has["$filter"] {
		c.fail(http.StatusBadRequest, "SearchWithFilter", "The query parameter '$filter' is not supported with '$search'.")
		return
	}
	if q.has["$search"] && q.has["$orderby"] {
		c.fail(http.StatusBadRequest, "SearchWithOrderBy", "The query parameter '$orderBy' is not supported with '$search'.")
		return
	}
	page := DefaultMessagesPage
	if q.has["$top"] {
		if q.top > MaxMessagesTop {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", MaxMessagesTop, q.top))
			return
		}
		if q.top < 1 {
			c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid $top value '%d': it must be between 1 and %d.", q.top, MaxMessagesTop))
			return
		}
		page = q.top
	}
	sel, canon, err := parseSelect(q.sel, messageProps, "microsoft.graph.message")
	if err != nil {
		c.answer(err)
		return
	}
	exp, err := parseMessageExpand(q.expand)
	if err != nil {
		c.answer(err)
		return
	}
	filter, keys, err := filterAndOrder(messageSchema, q)
	if err == nil && filter != nil && keys != nil && c.s.tooComplex.Load() {
		err = badRequest("InefficientFilter", "The restriction or sort order is too complex for this operation.")
	}
	if err != nil {
		c.answer(err)
		return
	}
	var kql *kqlNode
	if q.has["$search"] {
		if kql, err = parseSearch(q.search); err != nil {
			c.answer(err)
			return
		}
	}
	folderID := ""
	if f != nil {
		folderID = f.ID
	}
	key := folderID + "\x00" + q.filter + "\x00" + q.orderby + "\x00" + q.search + "\x00" + strconv.FormatBool(q.has["$search"])
	list := mb.cached(key, func() []*Message {
		base := mb.base(folderID)
		var out []*Message
		switch {
		case kql != nil:
			// model order, as Tenant.Search, so ties sort the same
			for _, m := range mb.u.Messages {
				if (folderID == "" || m.ParentFolderID == folderID) && kql.match(m) {
					out = append(out, m)
				}
			}
			slices.SortStableFunc(out, func(a, b *Message) int { return b.SentDateTime.Compare(a.SentDateTime) })
			if len(out) > SearchCap {
				out = out[:SearchCap]
			}
			return out
		case filter != nil:
			for _, m := range base {
				if v, _ := filter.eval(m, nil).(bool); v {
					out = append(out, m)
				}
			}
		default:
			out = base
		}
		if keys != nil {
			out = slices.Clone(out)
			slices.SortStableFunc(out, func(a, b *Message) int { return lessBy(keys, a, b) })
		}
		return out
	})
	ctx := fmt.Sprintf("users('%s')/messages", c.user.ID)
	if f != nil {
		ctx = fmt.Sprintf("users('%s')/mailFolders('%s')/messages", c.user.ID, f.ID)
	}
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	b := append(getBuf(), `{"@odata.context":`...)
	b = jsonx.AppendString(b, c.context(ctx))
	if q.count {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(len(list)), 10)
	}
	b = append(b, `,"value":[`...)
	start := min(q.skip, len(list))
	end := min(start+c.capPage(page), len(list))
	for i, m := range list[start:end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendMessage(b, m, sel, exp)
	}
	b = append(b, ']')
	if end < len(list) {
		b = append(b, `,"@odata.nextLink":`...)
		b = jsonx.AppendString(b, c.nextLink("$skip", strconv.Itoa(end)))
	}
	b = append(b, '}')
	c.writePage(b)
}

func (c *call) countMessages(mb *mailbox, f *Folder) {
	q := c.q()
	if err := q.allow("$filter", "$search"); err != nil {
		c.answer(err)
		return
	}
	n := 0
	folderID := ""
	if f != nil {
		folderID = f.ID
	}
	var filter *expr
	if q.has["$filter"] {
		var err *apiError
		if filter, err = exchangeFilter(messageSchema, q.filter); err != nil {
			c.answer(err)
			return
		}
	}
	for _, m := range mb.base(folderID) {
		if filter == nil {
			n++
		} else if v, _ := filter.eval(m, nil).(bool); v {
			n++
		}
	}
	c.rawValue("text/plain;charset=utf-8", []byte(strconv.Itoa(n)))
}

func (c *call) getMessage(mb *mailbox, m *Message) {
	q := c.q()
	if err := q.allow("$select", "$expand"); err != nil {
		c.answer(err)
		return
	}
	sel, canon, err := parseSelect(q.sel, messageProps, "microsoft.graph.message")
	if err != nil {
		c.answer(err)
		return
	}
	exp, err := parseMessageExpand(q.expand)
	if err != nil {
		c.answer(err)
		return
	}
	ctx := fmt.Sprintf("users('%s')/messages", c.user.ID)
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	b := c.appendMessage(nil, m, sel, exp)
	c.writeJSON(withContext(b, c.context(ctx+"/$entity")))
}

// withContext puts "@odata.context" first into a rendered object.
func withContext(obj []byte, ctx string) []byte {
	b := []byte(`{"@odata.context":`)
	b = jsonx.AppendString(b, ctx)
	if len(obj) > 2 {
		b = append(b, ',')
	}
	return append(b, obj[1:]...)
}
