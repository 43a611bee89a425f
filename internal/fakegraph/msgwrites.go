package fakegraph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
)

// Message properties a write may set.
var (
	// alwaysWritable may change on any message.
	alwaysWritable = []string{"categories", "flag", "importance", "inferenceClassification", "isRead",
		"isReadReceiptRequested", "isDeliveryReceiptRequested"}
	// draftWritable may change only while isDraft is true (SCHEMA.md's rule,
	// stricter than Graph for recipients on purpose).
	draftWritable = []string{"subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "from"}
)

// readOnlyProps are the message's properties that no write may set.
var readOnlyProps = []string{"id", "changeKey", "createdDateTime", "lastModifiedDateTime", "receivedDateTime", "sentDateTime",
	"hasAttachments", "internetMessageId", "bodyPreview", "parentFolderId", "conversationId", "conversationIndex",
	"isDraft", "webLink", "internetMessageHeaders", "uniqueBody", "sender", "attachments"}

// canonical returns the message property name that name spells (any case).
func canonical(name string, lists ...[]string) string {
	for _, l := range lists {
		for _, p := range l {
			if strings.EqualFold(p, name) {
				return p
			}
		}
	}
	return ""
}

// enumValue parses an enum value in any case into its CSDL form.
func enumValue(raw json.RawMessage, typ string, members ...string) (string, *apiError) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		for _, m := range members {
			if strings.EqualFold(m, s) {
				return m, nil
			}
		}
	}
	return "", bodyRead(fmt.Sprintf("Cannot convert the literal '%s' to the expected type '%s'.", strings.Trim(string(raw), `"`), typ))
}

func boolValue(raw json.RawMessage, prop string) (bool, *apiError) {
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil || string(bytes.TrimSpace(raw)) == "null" {
		return false, bodyRead(fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.Boolean' (property '%s').", raw, prop))
	}
	return b, nil
}

func stringValue(raw json.RawMessage, prop string) (string, *apiError) {
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", bodyRead(fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.String' (property '%s').", raw, prop))
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

type jsonRecipient struct {
	EmailAddress *struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

func parseRecipients(raw json.RawMessage, prop string) ([]Recipient, *apiError) {
	var rs []jsonRecipient
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, bodyRead(fmt.Sprintf("Property '%s' must be a collection of microsoft.graph.recipient ({\"emailAddress\":{\"name\",\"address\"}}).", prop))
	}
	out := []Recipient{}
	for _, r := range rs {
		if r.EmailAddress == nil {
			return nil, bodyRead(fmt.Sprintf("A recipient of '%s' has no emailAddress.", prop))
		}
		out = append(out, Recipient{Name: r.EmailAddress.Name, Address: r.EmailAddress.Address})
	}
	return out, nil
}

// messageEdit parses a message JSON (PATCH, draft, sendMail's message) into
// the changes it makes, checking every property first: nothing is applied
// when one is wrong. draft says whether the target is a draft.
func messageEdit(o jsonObject, draft bool) (func(*Message), *apiError) {
	var sets []func(*Message)
	// sorted names, so that the first wrong one named is stable
	names := make([]string, 0, len(o))
	for k := range o {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		raw := o[name]
		if strings.HasPrefix(name, "@odata.") || strings.HasPrefix(name, "@") {
			continue // annotations: @odata.type, @odata.etag
		}
		p := canonical(name, alwaysWritable, draftWritable)
		if p == "" {
			if ro := canonical(name, readOnlyProps); ro != "" {
				return nil, badRequest("ErrorInvalidPropertySet", fmt.Sprintf("The property '%s' is read-only and cannot be set.", ro))
			}
			return nil, bodyRead(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.", name))
		}
		if !draft && slices.Contains(draftWritable, p) {
			return nil, badRequest("ErrorInvalidPropertyUpdateSentMessageItem", fmt.Sprintf("The property '%s' can be updated only on a draft (isDraft true); this message has been sent.", p))
		}
		set, err := messageProp(p, raw)
		if err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	return func(m *Message) {
		for _, f := range sets {
			f(m)
		}
	}, nil
}

// messageProp parses one writable property.
func messageProp(p string, raw json.RawMessage) (func(*Message), *apiError) {
	switch p {
	case "categories":
		var cs []string
		if err := json.Unmarshal(raw, &cs); err != nil {
			return nil, bodyRead("Property 'categories' must be a collection of strings.")
		}
		cs = append([]string{}, cs...)
		return func(m *Message) { m.Categories = cs }, nil // replaced whole
	case "flag":
		var fo jsonObject
		if err := json.Unmarshal(raw, &fo); err != nil || fo == nil {
			return nil, bodyRead("Property 'flag' must be a microsoft.graph.followupFlag object.")
		}
		status := ""
		for k, v := range fo {
			if !strings.EqualFold(k, "flagStatus") {
				return nil, bodyRead(fmt.Sprintf("The property '%s' of 'flag' is not served by this fake: only flagStatus may be written.", k))
			}
			s, err := enumValue(v, "microsoft.graph.followupFlagStatus", "notFlagged", "complete", "flagged")
			if err != nil {
				return nil, err
			}
			status = s
		}
		if status == "" {
			return func(*Message) {}, nil
		}
		return func(m *Message) { setFlag(m, status) }, nil
	case "importance":
		v, err := enumValue(raw, "microsoft.graph.importance", "low", "normal", "high")
		return func(m *Message) { m.Importance = v }, err
	case "inferenceClassification":
		v, err := enumValue(raw, "microsoft.graph.inferenceClassificationType", "focused", "other")
		return func(m *Message) { m.InferenceClassification = v }, err
	case "isRead", "isReadReceiptRequested", "isDeliveryReceiptRequested":
		v, err := boolValue(raw, p)
		return func(m *Message) {
			switch p {
			case "isRead":
				m.IsRead = v
			case "isReadReceiptRequested":
				m.IsReadReceiptRequested = v
			default:
				m.IsDeliveryReceiptRequested = v
			}
		}, err
	case "subject":
		v, err := stringValue(raw, p)
		return func(m *Message) { m.Subject = v }, err
	case "body":
		var bo jsonObject
		if err := json.Unmarshal(raw, &bo); err != nil || bo == nil {
			return nil, bodyRead("Property 'body' must be a microsoft.graph.itemBody object ({\"contentType\",\"content\"}).")
		}
		var content *string
		ctype := ""
		for k, v := range bo {
			switch {
			case strings.EqualFold(k, "content"):
				s, err := stringValue(v, "body/content")
				if err != nil {
					return nil, err
				}
				content = &s
			case strings.EqualFold(k, "contentType"):
				s, err := enumValue(v, "microsoft.graph.bodyType", "text", "html")
				if err != nil {
					return nil, err
				}
				ctype = s
			default:
				return nil, bodyRead(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.itemBody'.", k))
			}
		}
		return func(m *Message) {
			if ctype != "" {
				m.Body.ContentType = ctype
			}
			if content != nil {
				m.Body.Content = *content
			}
			if m.Body.ContentType == "" {
				m.Body.ContentType = "text"
			}
			m.BodyPreview, m.UniqueBody = "", nil // follow the body
		}, nil
	case "toRecipients", "ccRecipients", "bccRecipients", "replyTo":
		rs, err := parseRecipients(raw, p)
		return func(m *Message) {
			switch p {
			case "toRecipients":
				m.ToRecipients = rs
			case "ccRecipients":
				m.CcRecipients = rs
			case "bccRecipients":
				m.BccRecipients = rs
			default:
				m.ReplyTo = rs
			}
		}, err
	case "from":
		var r *jsonRecipient
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, bodyRead("Property 'from' must be a microsoft.graph.recipient.")
		}
		return func(m *Message) {
			if r == nil || r.EmailAddress == nil {
				m.From, m.Sender = nil, nil
				return
			}
			x := Recipient{Name: r.EmailAddress.Name, Address: r.EmailAddress.Address}
			y := x
			m.From, m.Sender = &x, &y
		}, nil
	}
	return nil, bodyRead(fmt.Sprintf("The property '%s' cannot be written.", p))
}

// setFlag sets flagStatus as Exchange does: notFlagged clears the dates,
// complete stamps completedDateTime, flagged clears it.
func setFlag(m *Message, status string) {
	m.Flag.Status = status
	switch status {
	case "notFlagged":
		m.Flag.Start, m.Flag.Due, m.Flag.Completed = nil, nil, nil
	case "complete":
		if m.Flag.Completed == nil {
			t := nowUTC()
			m.Flag.Completed = &t
		}
	case "flagged":
		m.Flag.Completed = nil
	}
}

// patchMessage: PATCH messages/{id} → 200 + the message.
func (c *call) patchMessage(u *User, m *Message) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	edit, err := messageEdit(o, m.IsDraft)
	if err != nil {
		c.answer(err)
		return
	}
	edit(m)
	touched(m)
	c.reindex(u)
	c.sendMessage(http.StatusOK, m)
}

// removeMessage takes m out of the mailbox.
func removeMessage(u *User, m *Message) {
	if i := slices.Index(u.Messages, m); i >= 0 {
		u.Messages = slices.Delete(u.Messages, i, i+1)
	}
}

// deleteMessage: DELETE messages/{id} → 204.
func (c *call) deleteMessage(u *User, m *Message) {
	removeMessage(u, m)
	c.reindex(u)
	c.empty(http.StatusNoContent)
}

// newDraft is a fresh draft of u in folder f.
func newDraft(f *Folder) *Message {
	now := nowUTC()
	return &Message{
		ID: newMessageID(), ParentFolderID: f.ID, Body: ItemBody{ContentType: "text"},
		ToRecipients: []Recipient{}, CcRecipients: []Recipient{}, BccRecipients: []Recipient{}, ReplyTo: []Recipient{},
		ReceivedDateTime: now, SentDateTime: now, CreatedDateTime: now, LastModifiedDateTime: now,
		Importance: "normal", InferenceClassification: "focused", IsRead: true, IsDraft: true,
		Flag: Flag{Status: "notFlagged"}, Categories: []string{}, ConversationID: newConversationID(),
		InternetMessageID: "<" + strings.ToLower(newRequestID()) + "@fakegraph.local>", ChangeKey: newChangeKey(),
	}
}

// createDraft: POST messages or mailFolders/{id}/messages → 201 + draft.
func (c *call) createDraft(u *User, f *Folder) {
	o, err := c.body(true)
	if err != nil {
		c.answer(err)
		return
	}
	edit, err := messageEdit(o, true)
	if err != nil {
		c.answer(err)
		return
	}
	m := newDraft(f)
	edit(m)
	u.Messages = append(u.Messages, m)
	c.reindex(u)
	c.w.Header().Set("Location", c.s.GraphURL()+fmt.Sprintf("/users('%s')/messages('%s')", u.ID, m.ID))
	c.sendMessage(http.StatusCreated, m)
}

// destination reads an action's destinationId (any case) as a folder.
func (c *call) destination(mb *mailbox) (*Folder, *apiError) {
	o, err := c.body(false)
	if err != nil {
		return nil, err
	}
	raw, ok := o.get("destinationId")
	if !ok {
		return nil, badRequest("ErrorInvalidParameter", "The parameter 'DestinationId' is missing: give a folder id or well-known name.")
	}
	id, err := stringValue(raw, "DestinationId")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, badRequest("ErrorInvalidParameter", "The parameter 'DestinationId' is empty: give a folder id or well-known name.")
	}
	return mb.folder(id)
}

// moveMessage: POST messages/{id}/move (or copy) → 201 + the message. A
// moved message gets a new id unless the request prefers immutable ids; a
// copy always does.
func (c *call) moveMessage(u *User, mb *mailbox, m *Message, copy bool) {
	dest, err := c.destination(mb)
	if err != nil {
		c.answer(err)
		return
	}
	if copy {
		cp := CloneMessage(m)
		cp.ID = newMessageID()
		cp.ParentFolderID = dest.ID
		cp.CreatedDateTime = nowUTC()
		touched(cp)
		u.Messages = append(u.Messages, cp)
		c.reindex(u)
		c.sendMessage(http.StatusCreated, cp)
		return
	}
	m.ParentFolderID = dest.ID
	if !c.immutableIDs() {
		m.ID = newMessageID()
	}
	touched(m)
	c.reindex(u)
	c.sendMessage(http.StatusCreated, m)
}

// owner is the mailbox owner as a recipient (from and sender of sent mail).
func owner(u *User) *Recipient {
	addr := u.UserPrincipalName
	if u.Mail != nil && *u.Mail != "" {
		addr = *u.Mail
	}
	return &Recipient{Name: u.DisplayName, Address: addr}
}

// markSent turns m into sent mail of u in Sent Items.
func markSent(u *User, mb *mailbox, m *Message) {
	now := nowUTC()
	m.IsDraft, m.IsRead = false, true
	m.SentDateTime, m.ReceivedDateTime = now, now
	if m.From == nil {
		m.From = owner(u)
	}
	s := *m.From
	m.Sender = &s
	if f := mb.wk["sentitems"]; f != nil {
		m.ParentFolderID = f.ID
	}
	touched(m)
}

func noRecipients(m *Message) bool {
	return len(m.ToRecipients)+len(m.CcRecipients)+len(m.BccRecipients) == 0
}

var errNoRecipients = badRequest("ErrorInvalidRecipients", "At least one recipient is required: set toRecipients, ccRecipients or bccRecipients.")

// sendDraft: POST messages/{id}/send → 202. The draft becomes sent mail in
// Sent Items, under a new id unless the request prefers immutable ids.
func (c *call) sendDraft(u *User, m *Message) {
	if !m.IsDraft {
		c.fail(http.StatusBadRequest, "ErrorInvalidOperation", "Only a draft (isDraft true) can be sent; this message has already been sent.")
		return
	}
	if noRecipients(m) {
		c.answer(errNoRecipients)
		return
	}
	mb := c.s.idx.mailbox(u)
	markSent(u, mb, m)
	if !c.immutableIDs() {
		m.ID = newMessageID()
	}
	c.reindex(u)
	c.empty(http.StatusAccepted)
}

// sendMail: POST sendMail {"message", "saveToSentItems"} → 202.
func (c *call) sendMail(u *User) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	save := true
	if raw, ok := o.get("saveToSentItems"); ok && string(raw) != "null" {
		if save, err = boolValue(raw, "SaveToSentItems"); err != nil {
			c.answer(err)
			return
		}
	}
	raw, ok := o.get("message")
	var mo jsonObject
	if !ok || json.Unmarshal(raw, &mo) != nil || mo == nil {
		c.fail(http.StatusBadRequest, "ErrorInvalidParameter", "The parameter 'Message' is missing: give the message to send.")
		return
	}
	for k := range o {
		if !strings.EqualFold(k, "message") && !strings.EqualFold(k, "saveToSentItems") {
			c.answer(bodyRead(fmt.Sprintf("The parameter '%s' is not a parameter of the action 'sendMail'.", k)))
			return
		}
	}
	edit, err := messageEdit(mo, true)
	if err != nil {
		c.answer(err)
		return
	}
	mb := c.s.idx.mailbox(u)
	m := newDraft(mb.wk["drafts"])
	edit(m)
	if noRecipients(m) {
		c.answer(errNoRecipients)
		return
	}
	if save {
		markSent(u, mb, m)
		u.Messages = append(u.Messages, m)
		c.reindex(u)
	}
	c.empty(http.StatusAccepted)
}

// respond serves reply, replyAll and forward (send true: 202, the sent
// response saved in Sent Items) and their create… forms (send false: 201 +
// the draft in Drafts). kind is "reply", "replyall" or "forward".
func (c *call) respond(u *User, orig *Message, kind string, send bool) {
	o, err := c.body(true)
	if err != nil {
		c.answer(err)
		return
	}
	comment := ""
	var edit func(*Message)
	var to []Recipient
	for k, raw := range o {
		switch {
		case strings.EqualFold(k, "comment"):
			if comment, err = stringValue(raw, "Comment"); err != nil {
				c.answer(err)
				return
			}
		case strings.EqualFold(k, "toRecipients") && kind == "forward":
			if to, err = parseRecipients(raw, "ToRecipients"); err != nil {
				c.answer(err)
				return
			}
		case strings.EqualFold(k, "message"):
			var mo jsonObject
			if json.Unmarshal(raw, &mo) != nil || mo == nil {
				c.answer(bodyRead("The parameter 'Message' must be a microsoft.graph.message object."))
				return
			}
			if edit, err = messageEdit(mo, true); err != nil {
				c.answer(err)
				return
			}
		default:
			c.answer(bodyRead(fmt.Sprintf("The parameter '%s' is not a parameter of the action '%s'.", k, kind)))
			return
		}
	}
	mb := c.s.idx.mailbox(u)
	m := newDraft(mb.wk["drafts"])
	m.ConversationID = orig.ConversationID
	me := owner(u)
	prefix := "RE: "
	switch kind {
	case "reply", "replyall":
		if orig.From != nil {
			m.ToRecipients = []Recipient{*orig.From}
		}
		if kind == "replyall" {
			for _, r := range orig.ToRecipients {
				if !strings.EqualFold(r.Address, me.Address) && (orig.From == nil || !strings.EqualFold(r.Address, orig.From.Address)) {
					m.ToRecipients = append(m.ToRecipients, r)
				}
			}
			for _, r := range orig.CcRecipients {
				if !strings.EqualFold(r.Address, me.Address) {
					m.CcRecipients = append(m.CcRecipients, r)
				}
			}
		}
	case "forward":
		prefix = "FW: "
		m.ToRecipients = append([]Recipient{}, to...)
	}
	m.Subject = prefix + orig.Subject
	m.Body = ItemBody{ContentType: "html", Content: "<html><body><div>" + html.EscapeString(comment) + "</div><hr><div>" +
		html.EscapeString(orig.Preview()) + "</div></body></html>"}
	if kind == "forward" {
		for _, a := range orig.Attachments {
			cp := cloneAttachment(a)
			cp.ID = newMessageID()
			m.Attachments = append(m.Attachments, cp)
		}
	}
	if edit != nil {
		edit(m)
	}
	if send && noRecipients(m) {
		c.answer(errNoRecipients)
		return
	}
	if send {
		markSent(u, mb, m)
	}
	u.Messages = append(u.Messages, m)
	c.reindex(u)
	if send {
		c.empty(http.StatusAccepted)
		return
	}
	c.sendMessage(http.StatusCreated, m)
}
