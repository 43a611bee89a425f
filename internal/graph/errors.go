package graph

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/redact"
)

// Error is a non-2xx answer from Graph, with its error body decoded.
type Error struct {
	Status    int    // HTTP status
	Code      string // Graph's error.code, e.g. "InefficientFilter"; "" if the body had none
	Message   string // Graph's error.message, or the start of a non-JSON body
	RequestID string // error.innerError.request-id, else the request-id header
	Method    string
	URL       string // relative to BaseURL when on it
	Attempts  int    // attempts made, retries and a token refresh included
}

// Error formats e as
// `graph: GET /me/messages?…: 400 InefficientFilter: The restriction … (request-id 1234)`.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph: %s %s: %d", e.Method, clip.String(e.URL), e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else {
		b.WriteString(" " + http.StatusText(e.Status))
	}
	if e.Message != "" {
		b.WriteString(": " + clip.String(e.Message))
	}
	var notes []string
	if e.RequestID != "" {
		notes = append(notes, "request-id "+e.RequestID)
	}
	if e.Attempts > 1 {
		notes = append(notes, fmt.Sprintf("gave up after %d attempts", e.Attempts))
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, "; ") + ")")
	}
	return b.String()
}

// Code returns Graph's error code if err is or wraps an *Error, else "".
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Graph's error codes for "no such entity", in one place. Exchange (mail)
// answers an item id that names nothing with ErrorItemNotFound (404), and
// one that is not an id at all with ErrorInvalidIdMalformed (400); the
// directory (users) answers with Request_ResourceNotFound, and Graph's
// front door with ResourceNotFound for a path it cannot resolve.
// A 404 about the mailbox itself (the user has none, or no such address)
// is not "no such entity": the whole request's scope is missing.
var (
	itemNotFoundCodes  = []string{"ErrorItemNotFound", "ErrorInvalidIdMalformed"}
	otherNotFoundCodes = []string{"Request_ResourceNotFound", "ResourceNotFound"}
	mailboxCodes       = []string{"MailboxNotEnabledForRESTAPI", "ErrorNonExistentMailbox"}
)

// NoMailbox reports whether err is Graph saying the mailbox a request names
// does not exist or cannot be read (a user without Exchange Online).
func NoMailbox(err error) bool {
	return slices.Contains(mailboxCodes, Code(err))
}

// ItemNotFound reports whether err is Exchange saying that the item an id
// names does not exist or that the id is malformed: for a mail folder or
// message named in a request's path.
func ItemNotFound(err error) bool {
	return slices.Contains(itemNotFoundCodes, Code(err))
}

// NotFound reports whether err means "no such entity" from any part of
// Graph: one of the not-found codes, or any 404 but a mailbox's (NoMailbox).
func NotFound(err error) bool {
	if NoMailbox(err) {
		return false
	}
	return ItemNotFound(err) || slices.Contains(otherNotFoundCodes, Code(err)) || Status(err) == http.StatusNotFound
}

// Status returns the HTTP status if err is or wraps an *Error, else 0.
func Status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// answerError is the *Error for a failed answer to attempt of method url,
// sent with token: Graph may echo the token in its message, so it is
// redacted.
func answerError(r *Response, method, url, token string, attempt int) *Error {
	e := decodeError(r, url)
	e.Message = redact.String(e.Message, token)
	e.Method = method
	e.Attempts = attempt
	return e
}

// rejected reports whether e is Graph refusing token (401
// InvalidAuthenticationToken, or a 401 without a code), and if so tells the
// token source. The token expired or was revoked early: one fresh token
// settles it, whatever the retry policy, so callers retry once at once.
func (c *Client) rejected(e *Error, token string) bool {
	if e.Status != http.StatusUnauthorized || c.tokens == nil ||
		(e.Code != "InvalidAuthenticationToken" && e.Code != "") {
		return false
	}
	c.tokens.Reject(token)
	return true
}

// decodeError reads Graph's {"error":{code,message,innerError:{request-id}}};
// a body that is not that shape keeps its first line as the message.
func decodeError(r *Response, url string) *Error {
	e := &Error{Status: r.Status, Method: http.MethodGet, URL: url}
	body := gjson.ParseBytes(r.Body)
	if gjson.ValidBytes(r.Body) && body.Get("error").IsObject() {
		ge := body.Get("error")
		e.Code = ge.Get("code").String()
		e.Message = ge.Get("message").String()
		inner := ge.Get("innerError")
		if !inner.Exists() {
			inner = ge.Get("innererror")
		}
		for _, k := range []string{"request-id", "requestId"} {
			if v := inner.Get(k).String(); v != "" && e.RequestID == "" {
				e.RequestID = v
			}
		}
	} else if gjson.ValidBytes(r.Body) && body.Get("error").Type == gjson.String {
		// OAuth-style {"error":"…","error_description":"…"}.
		e.Code = body.Get("error").String()
		e.Message = body.Get("error_description").String()
	} else {
		e.Message = snippet(r.Body)
	}
	if e.RequestID == "" {
		e.RequestID = r.Header.Get("request-id")
	}
	if e.RequestID == "" {
		e.RequestID = r.Header.Get("client-request-id")
	}
	return e
}

// snippet is the first line of a non-JSON body, valid UTF-8; Error cuts
// it to clip.Max bytes.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "?")
}
