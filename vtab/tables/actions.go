package tables

// The action tables: an INSERT into them sends mail. They are tables, not
// functions, because SQLite inserts exactly the rows a SELECT returns, where
// it may call a function for more rows than that (before ORDER BY and LIMIT
// cut them).

// Outbox is the outbox table: it reads the Outbox folder (mail waiting to go
// out) with the columns of messages; an INSERT sends a new message
// (sendMail) or, with draft_id, an existing draft.
var Outbox = outbox()

func outbox() *Table {
	t := &Table{
		Name:        "outbox",
		Doc:         "The Outbox folder (mail waiting to go out); INSERT sends a new message, or a draft by draft_id.",
		Collection:  "/{mailbox}/mailFolders/outbox/messages",
		Rows:        10,
		Header:      mailHeader,
		Needs:       []Need{mailRead, sharedMailboxes},
		MaxTop:      1000,
		DefaultPage: 10,
		Skip:        true,
		Writes: &Writes{
			Insert: []Action{
				{If: "draft_id", Path: "/{mailbox}/messages/{draft_id}/send", NoBody: true, Sends: true},
				{Path: "/{mailbox}/sendMail", Sends: true, Static: map[string]any{"saveToSentItems": true}},
			},
			Scope: "Mail.Send",
			Verb:  "send",
		},
	}
	sendable := map[string]string{
		"subject": "message.subject", "body": "message.body.content", "body_content_type": "message.body.contentType",
		"to_recipients": "message.toRecipients", "cc_recipients": "message.ccRecipients", "bcc_recipients": "message.bccRecipients",
		"reply_to": "message.replyTo", "importance": "message.importance",
	}
	for _, c := range Messages.Columns {
		switch {
		case c.Name == "user_id":
		case c.Hidden:
			continue
		case sendable[c.Name] != "":
			c.Write = &Write{When: InsertOnly, Body: sendable[c.Name]}
		default:
			c.Write = nil
		}
		if c.Key == KeyID {
			// No GET by id: it would find messages outside the Outbox; and
			// Graph's $filter on id is not documented.
			c.Key, c.Filter = "", 0
		}
		t.Columns = append(t.Columns, c)
	}
	t.Columns = append(t.Columns,
		Column{Name: "draft_id", Type: Text, Hidden: true, Write: scopeInsert, Doc: "INSERT: the id of a draft to send (reads back NULL)"},
		Column{Name: "save_to_sent_items", Type: Bool, Hidden: true, Write: &Write{When: InsertOnly, Body: "saveToSentItems"}, Doc: "INSERT: 0 keeps no copy in Sent Items (default 1; reads back NULL)"},
	)
	return t
}

// Replies is the replies table: an INSERT replies to a message (reply, or
// replyAll with reply_all = 1). It reads back empty.
var Replies = &Table{
	Name:       "replies",
	Doc:        "INSERT replies to messages (reply_all = 1: to all); reads back empty.",
	Collection: "/{mailbox}/replies",
	Fetch:      Fetch{Empty: true},
	Header:     mailHeader,
	Writes: &Writes{
		Insert: []Action{
			{If: "reply_all", Path: "/{mailbox}/messages/{message_id}/replyAll", Sends: true},
			{Path: "/{mailbox}/messages/{message_id}/reply", Sends: true},
		},
		Scope: "Mail.Send",
		Verb:  "reply",
	},
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: KeyMailbox, Write: scopeInsert, Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "message_id", Type: Text, Write: scopeInsert, Doc: "the message replied to"},
		{Name: "comment", Type: Text, Write: &Write{When: InsertOnly, Body: "comment"}, Doc: "the reply's text, above the quoted message"},
		{Name: "reply_all", Type: Bool, Write: scopeInsert, Doc: "1: reply to the sender and every recipient"},
	},
}

// Forwards is the forwards table: an INSERT forwards a message. It reads
// back empty.
var Forwards = &Table{
	Name:       "forwards",
	Doc:        "INSERT forwards messages to to_recipients; reads back empty.",
	Collection: "/{mailbox}/forwards",
	Fetch:      Fetch{Empty: true},
	Header:     mailHeader,
	Writes: &Writes{
		Insert: []Action{{Path: "/{mailbox}/messages/{message_id}/forward", Sends: true, Required: []string{"to_recipients"}}},
		Scope:  "Mail.Send",
		Verb:   "forward",
	},
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: KeyMailbox, Write: scopeInsert, Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "message_id", Type: Text, Write: scopeInsert, Doc: "the message forwarded"},
		{Name: "to_recipients", Type: Recipients, Write: &Write{When: InsertOnly, Body: "toRecipients"}, Doc: "who it goes to: JSON recipients or addresses separated by ;"},
		{Name: "comment", Type: Text, Write: &Write{When: InsertOnly, Body: "comment"}, Doc: "the text above the forwarded message"},
	},
}
