package fakegraph

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON the fake writes is built by appending, in Graph's property order.
// Strings are escaped like Graph does: quotes, backslashes and control
// characters only; <, > and & are left as they are.

const hexDigits = "0123456789abcdef"

func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

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
	o.b = appendStr(o.b, k)
	o.b = append(o.b, ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendStr(o.b, v)
}

// strOrNull writes null for "".
func (o *obj) strOrNull(k, v string) {
	o.key(k)
	if v == "" {
		o.b = append(o.b, "null"...)
	} else {
		o.b = appendStr(o.b, v)
	}
}

func (o *obj) ptr(k string, v *string) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
	} else {
		o.b = appendStr(o.b, *v)
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
		b = appendStr(b, s)
	}
	return append(b, ']')
}

// appendRecipient writes Graph's {"emailAddress":{"name","address"}}.
func appendRecipient(b []byte, r Recipient) []byte {
	b = append(b, `{"emailAddress":{"name":`...)
	b = appendStr(b, r.Name)
	b = append(b, `,"address":`...)
	b = appendStr(b, r.Address)
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
		b = appendStr(b, r.Name)
		b = append(b, `,"address":`...)
		b = appendStr(b, r.Address)
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

func stringsJSON(v []string) string {
	return string(appendStrs(nil, v))
}

func headersJSON(hs []Header) string {
	b := []byte{'['}
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendStr(b, h.Name)
		b = append(b, `,"value":`...)
		b = appendStr(b, h.Value)
		b = append(b, '}')
	}
	return string(append(b, ']'))
}
