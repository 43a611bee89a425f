package fakegraph

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// The JSON the fake writes is built by appending, in Graph's property order.
// Strings are escaped by jsonx.AppendString, like Graph does: quotes,
// backslashes and control characters only; <, > and & are left as they are.

// obj appends the members of a JSON object, adding commas.
type obj struct {
	b []byte
	n int
}

func (o *obj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = jsonx.AppendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = jsonx.AppendString(o.b, v)
}

// strOrNull writes null for "".
func (o *obj) strOrNull(k, v string) {
	o.key(k)
	if v == "" {
		o.b = append(o.b, "null"...)
	} else {
		o.b = jsonx.AppendString(o.b, v)
	}
}

func (o *obj) ptr(k string, v *string) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
	} else {
		o.b = jsonx.AppendString(o.b, *v)
	}
}

func (o *obj) boolean(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) num(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) date(k string, t time.Time) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.UTC().AppendFormat(o.b, "2006-01-02T15:04:05Z")
	o.b = append(o.b, '"')
}

func (o *obj) raw(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, v...)
}

func (o *obj) strs(k string, v []string) {
	o.key(k)
	o.b = appendStrs(o.b, v)
}

func (o *obj) bytes64(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = base64.StdEncoding.AppendEncode(o.b, v)
	o.b = append(o.b, '"')
}

func appendStrs(b []byte, v []string) []byte {
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, s)
	}
	return append(b, ']')
}

// appendRecipient writes Graph's {"emailAddress":{"name","address"}}.
func appendRecipient(b []byte, r Recipient) []byte {
	b = append(b, `{"emailAddress":{"name":`...)
	b = jsonx.AppendString(b, r.Name)
	b = append(b, `,"address":`...)
	b = jsonx.AppendString(b, r.Address)
	return append(b, "}}"...)
}

func appendRecipients(b []byte, rs []Recipient) []byte {
	b = append(b, '[')
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRecipient(b, r)
	}
	return append(b, ']')
}

// dateTimeTimeZone writes {"dateTime":"…0000000","timeZone":"UTC"}.
func appendDTZ(b []byte, t time.Time) []byte {
	b = append(b, `{"dateTime":"`...)
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.0000000")
	return append(b, `","timeZone":"UTC"}`...)
}

// The SCHEMA.md forms of collections, for Rows.

func recipientsJSON(rs []Recipient) string {
	b := []byte{'['}
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsonx.AppendString(b, r.Name)
		b = append(b, `,"address":`...)
		b = jsonx.AppendString(b, r.Address)
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

func stringsJSON(v []string) string {
	return string(appendStrs(nil, v))
}

func headersJSON(hs []Header) string {
	return string(appendHeaders(nil, hs))
}

// appendHeaders writes [{"name","value"}], the same in Graph and in SCHEMA.md.
func appendHeaders(b []byte, hs []Header) []byte {
	b = append(b, '[')
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsonx.AppendString(b, h.Name)
		b = append(b, `,"value":`...)
		b = jsonx.AppendString(b, h.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}
