package graph

// TEMPORARY stand-in for the write client being built on branch i9graph;
// deleted when it is merged.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Write is one request that changes something.
type Write struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Safe   bool
}

// AmbiguousError is a write that may have happened.
type AmbiguousError struct {
	Method, Path string
	Err          error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("graph: %s %s: %v: it may have happened: check before retrying", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// MayHaveHappened reports whether err is an *AmbiguousError.
func MayHaveHappened(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}

// Do sends one write.
func (c *Client) Do(ctx context.Context, mailbox string, w Write) (*Response, error) {
	u, err := c.resolve(w.Path)
	if err != nil {
		return nil, err
	}
	release, err := c.acquire(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, w.Method, u.String(), bytes.NewReader(w.Body))
	if err != nil {
		return nil, err
	}
	for k, vs := range w.Header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if w.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	token, resp, err := c.do(ctx, req)
	rec := Record{Method: w.Method, URL: u.Redacted(), Attempt: 1, Duration: time.Since(start)}
	if resp != nil {
		rec.Status = resp.Status
	}
	logFrom(ctx).add(rec)
	if err != nil {
		if !w.Safe {
			return nil, &AmbiguousError{w.Method, c.shorten(u), err}
		}
		return nil, fmt.Errorf("graph: %s %s: %w", w.Method, c.shorten(u), err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return resp, answerError(resp, w.Method, c.shorten(u), token, 1)
	}
	return resp, nil
}

// Writes sends writes of one mailbox.
func (c *Client) Writes(ctx context.Context, mailbox string, ws []Write) ([]BatchResult, error) {
	out := make([]BatchResult, len(ws))
	for i, w := range ws {
		out[i].Response, out[i].Err = c.Do(ctx, mailbox, w)
	}
	return out, nil
}

// Upload PUTs one chunk.
func (c *Client) Upload(ctx context.Context, uploadURL string, chunk []byte, start, total int64) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, bytes.NewReader(chunk))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+int64(len(chunk))-1, total))
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer hr.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(hr.Body)
	return &Response{Status: hr.StatusCode, Header: hr.Header, Body: b.Bytes()}, nil
}
