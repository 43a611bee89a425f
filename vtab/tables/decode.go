package tables

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// Value decodes the column's value from v, the value at its Path in a Graph
// item, as SQLite stores it: nil (NULL), int64, string or []byte. A missing
// or null v is nil.
func (c *Column) Value(v gjson.Result) (any, error) {
	d, err := c.Decode(v)
	if err != nil {
		return nil, err
	}
	return d.Any(), nil
}

// Storage is the SQLite storage class of a Datum.
type Storage int

// Storage classes.
const (
	NoValue Storage = iota // NULL
	Int                    // INTEGER
	String                 // TEXT
	Bytes                  // BLOB
)

// Datum is one decoded value, unboxed so that a scan of many rows does
// not allocate for each.
type Datum struct {
	Storage Storage
	Int     int64
	Text    string
	Blob    []byte
}

// Any returns d as nil, int64, string or []byte.
func (d Datum) Any() any {
	switch d.Storage {
	case Int:
		return d.Int
	case String:
		return d.Text
	case Bytes:
		return d.Blob
	}
	return nil
}

// Decode is Value without boxing.
func (c *Column) Decode(v gjson.Result) (Datum, error) {
	if !v.Exists() || v.Type == gjson.Null {
		return Datum{}, nil
	}
	switch c.Type {
	case Integer:
		return Datum{Storage: Int, Int: v.Int()}, nil
	case Bool:
		if v.Bool() {
			return Datum{Storage: Int, Int: 1}, nil
		}
		return Datum{Storage: Int}, nil
	case Date:
		return Datum{Storage: String, Text: NormalizeDate(v.String())}, nil
	case Recipients:
		return Datum{Storage: String, Text: recipients(v)}, nil
	case JSON:
		return Datum{Storage: String, Text: string(appendJSON(nil, v))}, nil
	case Kind:
		return Datum{Storage: String, Text: attachmentKind(v.String())}, nil
	case Enum:
		return Datum{Storage: String, Text: c.member(v.String())}, nil
	case DateTimeZone:
		s, err := dateTimeZone(v)
		if err != nil {
			return Datum{}, fmt.Errorf("%s: %w", c.Name, err)
		}
		return Datum{Storage: String, Text: s}, nil
	case Blob:
		b, err := base64.StdEncoding.DecodeString(v.String())
		if err != nil {
			return Datum{}, fmt.Errorf("%s: Graph sent invalid base64: %w", c.Name, err)
		}
		return Datum{Storage: Bytes, Blob: b}, nil
	}
	return Datum{Storage: String, Text: v.String()}, nil
}

// member returns s in the case of the column's Members when it is one of
// them without regard to case: Graph writes some enums in other cases
// ("Scheduled" for scheduled). Other values are returned as they are.
func (c *Column) member(s string) string {
	for _, m := range c.Members {
		if m == s {
			return s
		}
	}
	for _, m := range c.Members {
		if strings.EqualFold(m, s) {
			return m
		}
	}
	return s
}

// dateTimeTimeZone is the layout of a dateTimeTimeZone's dateTime: no
// offset, up to seven fractional digits ("2016-03-14T07:00:00.0000000").
const dateTimeTimeZone = "2006-01-02T15:04:05.999999999"

// dateTimeZone turns a dateTimeTimeZone {dateTime, timeZone} into UTC text
// with whole seconds and "Z". Tables ask Graph for UTC (Prefer:
// outlook.timezone="UTC"); an IANA zone is converted too, any other zone
// (a Windows name) is an error rather than a wrong time.
func dateTimeZone(v gjson.Result) (string, error) {
	dt, tz := v.Get("dateTime").String(), v.Get("timeZone").String()
	loc := time.UTC
	switch {
	case tz == "" || strings.EqualFold(tz, "UTC") || strings.EqualFold(tz, "Etc/UTC"):
	default:
		l, err := time.LoadLocation(tz)
		if err != nil {
			return "", fmt.Errorf("Graph sent %s in time zone %q, not UTC as asked (Prefer: outlook.timezone=\"UTC\")", dt, tz)
		}
		loc = l
	}
	t, err := time.ParseInLocation(dateTimeTimeZone, dt, loc)
	if err != nil {
		return "", fmt.Errorf("Graph sent %q, not a dateTime: %w", dt, err)
	}
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"), nil
}

// attachmentKind maps "#microsoft.graph.fileAttachment" to "file".
func attachmentKind(odataType string) string {
	t := odataType[strings.LastIndexByte(odataType, '.')+1:]
	return strings.TrimSuffix(t, "Attachment")
}

// NormalizeDate returns a DateTimeOffset in the form SCHEMA.md promises:
// UTC, whole seconds, "Z". Graph sends that form already; anything else is
// converted when it parses.
func NormalizeDate(s string) string {
	if len(s) == 20 && s[19] == 'Z' {
		return s
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// recipients turns Graph's [{"emailAddress":{"name","address"}}] into
// SCHEMA.md's [{"name","address"}].
func recipients(v gjson.Result) string {
	b := []byte{'['}
	i := 0
	v.ForEach(func(_, r gjson.Result) bool {
		if i > 0 {
			b = append(b, ',')
		}
		i++
		e := r.Get("emailAddress")
		b = append(b, `{"name":`...)
		b = appendJSONString(b, e.Get("name"))
		b = append(b, `,"address":`...)
		b = appendJSONString(b, e.Get("address"))
		b = append(b, '}')
		return true
	})
	return string(append(b, ']'))
}

// appendJSONString appends v if it is a string, else null.
func appendJSONString(b []byte, v gjson.Result) []byte {
	if v.Type != gjson.String {
		return append(b, "null"...)
	}
	return jsonx.AppendString(b, v.String())
}

// appendJSON re-writes Graph's JSON compactly, strings re-escaped by
// jsonx.AppendString and keys in Graph's order, so the text of a JSON column
// does not depend on how Graph chose to escape it.
func appendJSON(b []byte, v gjson.Result) []byte {
	switch {
	case v.IsArray():
		b = append(b, '[')
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = appendJSON(b, e)
			return true
		})
		return append(b, ']')
	case v.IsObject():
		b = append(b, '{')
		i := 0
		v.ForEach(func(k, e gjson.Result) bool {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = jsonx.AppendString(b, k.String())
			b = append(b, ':')
			b = appendJSON(b, e)
			return true
		})
		return append(b, '}')
	case v.Type == gjson.String:
		return jsonx.AppendString(b, v.String())
	default:
		return append(b, strings.TrimSpace(v.Raw)...)
	}
}
