// Package fakegraph is a fake Microsoft Graph tenant on loopback: real HTTP,
// real OAuth 2.0 token endpoint, and the mail, folder, attachment and user
// endpoints that outlooksql reads, with Graph's query options, paging,
// JSON batching ($batch) and rejections, and the write endpoints (PATCH,
// DELETE, move, drafts, send, reply, forward, attachments with upload
// sessions on a second host, folders; see writes.go) with Graph's status
// codes and rules, and delta queries for messages per folder, the folder
// tree and users (delta.go; ExpireDeltaTokens and ResetDelta answer 410). Tests, the demo and benchmarks run
// against it, so a request
// that passes here should work against Microsoft.
//
// Use it like net/http/httptest:
//
//	srv := fakegraph.New(fakegraph.Demo())
//	defer srv.Close()
//	// connection string: BaseUrl=srv.GraphURL(); TokenUrl=srv.TokenURL(); ...
//
// The Tenant is a plain exported model. Tenant.Rows computes the rows the
// SQL tables should hold straight from it (the oracle of differential tests).
package fakegraph

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"
)

// Tenant is a directory with users and their mailboxes.
type Tenant struct {
	// ID is the tenant's GUID (accepted in token URLs).
	ID string
	// Name is the short name ("contoso"), accepted in token URLs.
	Name string
	// Domain is the initial domain ("contoso.onmicrosoft.com"), accepted in
	// token URLs.
	Domain string
	// Users in directory order.
	Users []*User
}

// User is a directory user and, unless NoMailbox, their mailbox.
// Nil pointer fields are null in Graph.
type User struct {
	ID                string // GUID
	DisplayName       string
	GivenName         *string
	Surname           *string
	Mail              *string
	UserPrincipalName string
	JobTitle          *string
	Department        *string
	OfficeLocation    *string
	MobilePhone       *string
	PreferredLanguage *string
	BusinessPhones    []string
	// NoMailbox marks a user without an Exchange Online mailbox: mailbox
	// requests get 404 MailboxNotEnabledForRESTAPI.
	NoMailbox bool
	// RootFolderID is the id of msgfolderroot, the parent of the top-level
	// folders. It is not one of Folders.
	RootFolderID string
	// Folders is every folder, nested ones included, in any order.
	Folders []*Folder
	// Messages is every message of the mailbox, in any order.
	Messages []*Message
	// Rules are the inbox rules, in the order Graph lists them.
	Rules []*Rule
	// Categories is the mailbox's master category list.
	Categories []*Category
	// Settings are the mailbox settings; nil reads as Graph's defaults for
	// a new mailbox (see DefaultSettings).
	Settings *Settings
}

// Rule is an inbox rule (messageRule). Conditions, Actions and Exceptions
// are compact JSON objects (messageRulePredicates, messageRuleActions) with
// strings escaped as jsonx writes them; "" is absent.
type Rule struct {
	ID                              string
	DisplayName                     string
	Sequence                        int
	IsEnabled, HasError, IsReadOnly bool
	Conditions, Actions, Exceptions string
}

// Category is an outlookCategory of the master list.
type Category struct {
	ID          string // a GUID
	DisplayName string
	Color       string // none, preset0 … preset24
}

// Settings are a mailbox's mailboxSettings. Enum values are in the CSDL
// (camelCase) form; the fake writes the automatic-replies ones capitalized,
// as Graph's own sample does ("Scheduled", "All").
type Settings struct {
	TimeZone                  string // a Windows name, e.g. "Pacific Standard Time" (see zoneOffsets)
	Locale, LocaleDisplayName string
	DateFormat, TimeFormat    string
	// Automatic replies.
	ReplyStatus      string    // disabled, alwaysEnabled, scheduled
	ExternalAudience string    // none, contactsOnly, all
	ReplyStart       time.Time // UTC, whole seconds
	ReplyEnd         time.Time
	InternalReply    string
	ExternalReply    string
	// Working hours.
	WorkDays           []string // monday, …
	WorkStart, WorkEnd string   // "08:00:00.0000000"
	WorkTimeZone       string
	UserPurpose        string // user, linked, shared, room, equipment, others
}

// Folder is a mail folder.
type Folder struct {
	ID             string
	DisplayName    string
	ParentFolderID string // the user's RootFolderID for top-level folders
	// WellKnownName is "inbox", "sentitems", … or "" for a user folder.
	WellKnownName string
	IsHidden      bool
	// SearchFolder marks a mailSearchFolder (a saved search, holding no
	// messages of its own): listings and mailFolders/delta send it with
	// "@odata.type":"#microsoft.graph.mailSearchFolder".
	SearchFolder bool
}

// Recipient is Graph's recipient: {"emailAddress":{"name","address"}}.
type Recipient struct {
	Name    string
	Address string
}

// ItemBody is Graph's itemBody.
type ItemBody struct {
	ContentType string // "html" or "text"
	Content     string
}

// Header is an internet message header.
type Header struct {
	Name, Value string
}

// Flag is Graph's followupFlag. The dates are UTC and sent as
// dateTimeTimeZone values; nil ones are left out.
type Flag struct {
	Status    string // notFlagged, flagged, complete
	Start     *time.Time
	Due       *time.Time
	Completed *time.Time
}

// Message is a mail message. Dates are UTC with whole seconds.
type Message struct {
	ID             string
	ParentFolderID string
	Subject        string
	Body           ItemBody
	// UniqueBody is the part of the body unique to this message in its
	// conversation; nil means the whole Body.
	UniqueBody *ItemBody
	// BodyPreview is the first 255 characters of the text body; "" means
	// derived from Body (see Preview).
	BodyPreview             string
	From, Sender            *Recipient // nil: absent (drafts)
	ToRecipients            []Recipient
	CcRecipients            []Recipient
	BccRecipients           []Recipient
	ReplyTo                 []Recipient
	ReceivedDateTime        time.Time
	SentDateTime            time.Time
	CreatedDateTime         time.Time
	LastModifiedDateTime    time.Time
	Importance              string // low, normal, high
	InferenceClassification string // focused, other
	IsRead                  bool
	IsDraft                 bool
	IsReadReceiptRequested  bool
	// IsDeliveryReceiptRequested is sent as given.
	IsDeliveryReceiptRequested bool
	Flag                       Flag
	Categories                 []string
	ConversationID             string
	InternetMessageID          string
	// WebLink is the OWA link; "" means derived from ID (see Link).
	WebLink string
	// ChangeKey is the version stamp; @odata.etag is W/"<ChangeKey>".
	ChangeKey              string
	InternetMessageHeaders []Header
	Attachments            []*Attachment
}

// Attachment is a file, item or reference attachment.
type Attachment struct {
	Kind        string // "file", "item" or "reference"
	ID          string
	Name        string
	ContentType string // "" is null (item attachments)
	ContentID   string // "" is null; file attachments only
	Size        int
	IsInline    bool
	// LastModified is lastModifiedDateTime.
	LastModified time.Time
	// Content is the file's bytes, or the RFC 822 text of an item
	// attachment (what /$value returns); nil for reference attachments.
	Content []byte
	// Item is the attached message of an item attachment, for
	// $expand=microsoft.graph.itemAttachment/item; may be nil.
	Item *Message
}

// Str returns a pointer to s, for the nullable fields of User.
func Str(s string) *string { return &s }

// HasAttachments is Graph's hasAttachments: true when the message has an
// attachment that is not inline.
func (m *Message) HasAttachments() bool {
	for _, a := range m.Attachments {
		if !a.IsInline {
			return true
		}
	}
	return false
}

// Preview is bodyPreview: BodyPreview, or the first 255 characters of the
// body as text.
func (m *Message) Preview() string {
	if m.BodyPreview != "" {
		return m.BodyPreview
	}
	if strings.EqualFold(m.Body.ContentType, "html") {
		return previewOf(m.Body.Content)
	}
	return cut255(strings.TrimSpace(m.Body.Content))
}

// previewOf is the bodyPreview of an HTML body.
func previewOf(h string) string {
	return cut255(htmlToText(h))
}

func cut255(t string) string {
	r := []rune(t)
	if len(r) > 255 {
		r = r[:255]
	}
	return string(r)
}

// Unique is uniqueBody: UniqueBody, or Body when nil.
func (m *Message) Unique() ItemBody {
	if m.UniqueBody != nil {
		return *m.UniqueBody
	}
	return m.Body
}

// Link is webLink: WebLink, or the OWA link derived from the id.
func (m *Message) Link() string {
	if m.WebLink != "" {
		return m.WebLink
	}
	return "https://outlook.office365.com/owa/?ItemID=" + url.QueryEscape(m.ID) + "&exvsurl=1&viewmodel=ReadMessageItem"
}

// htmlToText turns the generator's simple HTML into text the way Outlook's
// text rendering does for it: tags dropped, <br> and </p> as line breaks,
// entities decoded.
func htmlToText(h string) string {
	if i := strings.Index(strings.ToLower(h), "<body"); i >= 0 {
		if j := strings.IndexByte(h[i:], '>'); j >= 0 {
			h = h[i+j+1:]
		}
	}
	var b strings.Builder
	b.Grow(len(h))
	for i := 0; i < len(h); {
		c := h[i]
		if c == '<' {
			j := strings.IndexByte(h[i:], '>')
			if j < 0 {
				b.WriteString(h[i:])
				break
			}
			tag := strings.ToLower(h[i+1 : i+j])
			if tag == "br" || tag == "br/" || tag == "br /" || tag == "/p" || tag == "/div" {
				b.WriteString("\r\n")
			}
			i += j + 1
			continue
		}
		if c == '&' {
			if j := strings.IndexByte(h[i:], ';'); j > 0 && j < 8 {
				switch h[i : i+j+1] {
				case "&amp;":
					b.WriteByte('&')
				case "&lt;":
					b.WriteByte('<')
				case "&gt;":
					b.WriteByte('>')
				case "&quot;":
					b.WriteByte('"')
				case "&#39;":
					b.WriteByte('\'')
				case "&nbsp;":
					b.WriteByte(' ')
				default:
					b.WriteString(h[i : i+j+1])
				}
				i += j + 1
				continue
			}
		}
		if c == '\r' || c == '\n' {
			i++
			continue
		}
		b.WriteByte(c)
		i++
	}
	return strings.TrimSpace(b.String())
}

// idMalformed reports whether s cannot be an Exchange REST id: ids are
// URL-safe base64 of at least 16 bytes.
func idMalformed(s string) bool {
	if len(s) < 20 {
		return true
	}
	raw, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return true
		}
	}
	return len(raw) < 16
}

// dateText is Graph's DateTimeOffset form: UTC, whole seconds, Z.
func dateText(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
