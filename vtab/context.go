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
	// res, in Column, takes the value instead: vtColumn sets it when
	// Column returns, which saves a cgo call per column. Text and blobs up
	// to maxCopied bytes are copied into its buffer (C memory) for that.
	res *C.osq_result
}

// maxCopied is the largest text or blob a column passes through its
// result buffer; a larger one is set directly (one more cgo call, but no
// buffer that size kept for the cursor's life).
const maxCopied = 64 << 10

// ResultNull sets SQL NULL.
func (c *Context) ResultNull() {
	if c.res != nil {
		c.res._type = C.SQLITE_NULL
		return
	}
	C.osq_result_null(c.ctx)
}

// ResultInt64 sets an INTEGER.
func (c *Context) ResultInt64(v int64) {
	if c.res != nil {
		c.res._type, c.res.i = C.SQLITE_INTEGER, C.sqlite3_int64(v)
		return
	}
	C.osq_result_int64(c.ctx, C.sqlite3_int64(v))
}

// ResultFloat sets a REAL.
func (c *Context) ResultFloat(v float64) {
	if c.res != nil {
		c.res._type, c.res.f = C.SQLITE_FLOAT, C.double(v)
		return
	}
	C.osq_result_double(c.ctx, C.double(v))
}

// ResultText sets TEXT; s should be UTF-8.
func (c *Context) ResultText(s string) {
	if len(s) > math.MaxInt32 {
		c.resultError(fmt.Sprintf("vtab: text of %d bytes is too big for SQLite", len(s)))
		return
	}
	if c.copied(C.SQLITE_TEXT, unsafe.StringData(s), len(s)) {
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
	if c.copied(C.SQLITE_BLOB, unsafe.SliceData(b), len(b)) {
		return
	}
	C.osq_result_blob(c.ctx, unsafe.Pointer(unsafe.SliceData(b)), C.int(len(b)))
}

// copied puts the n bytes at p, of SQLite type typ, in the result buffer;
// false when there is none, or they do not fit and it cannot grow to them:
// the caller then sets the value directly.
func (c *Context) copied(typ C.int, p *byte, n int) bool {
	r := c.res
	if r == nil {
		return false
	}
	if n > maxCopied || (n > int(r.cap) && C.osq_result_reserve(r, C.int(max(n, 256))) == 0) {
		r._type = 0 // set directly: no earlier value may override it
		return false
	}
	if n > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(r.buf)), n), unsafe.Slice(p, n))
	}
	r._type, r.n = typ, C.int(n)
	return true
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
	if c.res != nil {
		c.res._type = 0 // the error is the result
	}
	p, n := cstr(msg)
	C.osq_result_error(c.ctx, p, n)
}
