package vtab

/*
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// Context receives the value of one column in Cursor.Column (and a
// function's result). It is valid only during that call. Text and blobs are
// copied by SQLite, so the caller may reuse its buffers afterwards.
type Context struct {
	ctx *C.sqlite3_context
}

// ResultNull sets SQL NULL.
func (c *Context) ResultNull() { C.osq_result_null(c.ctx) }

// ResultInt64 sets an INTEGER.
func (c *Context) ResultInt64(v int64) { C.osq_result_int64(c.ctx, C.sqlite3_int64(v)) }

// ResultFloat sets a REAL.
func (c *Context) ResultFloat(v float64) { C.osq_result_double(c.ctx, C.double(v)) }

// ResultText sets TEXT; s should be UTF-8.
func (c *Context) ResultText(s string) {
	if len(s) > math.MaxInt32 {
		c.resultError(fmt.Sprintf("vtab: text of %d bytes is too big for SQLite", len(s)))
		return
	}
	C.osq_result_text(c.ctx, (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.int(len(s)))
}

// ResultBlob sets a BLOB; a nil or empty b is a zero-length blob.
func (c *Context) ResultBlob(b []byte) {
	if len(b) > math.MaxInt32 {
		c.resultError(fmt.Sprintf("vtab: blob of %d bytes is too big for SQLite", len(b)))
		return
	}
	C.osq_result_blob(c.ctx, unsafe.Pointer(unsafe.SliceData(b)), C.int(len(b)))
}

// ResultValue sets v by its Go type: nil is NULL, int64 and int are
// INTEGER, bool is INTEGER 1 or 0, float64 is REAL, string is TEXT, []byte
// is BLOB (a nil []byte is NULL, as database/sql drivers treat it). Any
// other type makes the statement fail with an error naming the type.
func (c *Context) ResultValue(v any) {
	switch v := v.(type) {
	case nil:
		c.ResultNull()
	case int64:
		c.ResultInt64(v)
	case int:
		c.ResultInt64(int64(v))
	case bool:
		if v {
			c.ResultInt64(1)
		} else {
			c.ResultInt64(0)
		}
	case float64:
		c.ResultFloat(v)
	case string:
		c.ResultText(v)
	case []byte:
		if v == nil {
			c.ResultNull()
			return
		}
		c.ResultBlob(v)
	default:
		c.resultError(fmt.Sprintf("vtab: cannot return a %T to SQLite; use nil, int64, int, bool, float64, string or []byte", v))
	}
}

// resultError makes the current call fail with msg.
func (c *Context) resultError(msg string) {
	p, n := cstr(msg)
	C.osq_result_error(c.ctx, p, n)
}
