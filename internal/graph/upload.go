package graph

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/outlooksql/outlooksql/internal/redact"
)

// Upload PUTs one chunk of an upload session (an attachment over 3 MB) to
// uploadURL: the uploadUrl that createUploadSession returned, an absolute
// https URL (or http on a loopback host, for tests) on any host. The URL is
// pre-authorised, so the request carries no Authorization header: the
// bearer token never leaves for another host. chunk holds the bytes from
// start, of total in all; the request says so in Content-Range ("bytes
// start-end/total") and Content-Length.
//
// Redirects are refused as for every request. Every attempt spends from
// the context's Budget and is recorded in its Log, without the URL's query
// (which holds the session's credential). A chunk before the last is
// retried as the Retry settings say; the last one, which creates the
// attachment, is never sent again once it may have run: it fails with an
// *AmbiguousError. A 2xx answer returns the response (200 or 202 with the
// next expected ranges, 201 once the attachment is complete); a final
// non-2xx answer returns it with an *Error.
func (c *Client) Upload(ctx context.Context, uploadURL string, chunk []byte, start, total int64) (*Response, error) {
	u, err := url.Parse(uploadURL)
	if err != nil {
		return nil, fmt.Errorf("graph: the upload URL is not a URL (not shown: it holds a credential): %w", redactQuery(err, uploadURL))
	}
	if u.Host == "" || !(strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http") && loopback(u.Hostname())) {
		return nil, fmt.Errorf("graph: upload URL %s://%s%s is not an absolute https URL", u.Scheme, u.Host, u.EscapedPath())
	}
	end := start + int64(len(chunk)) - 1
	if start < 0 || len(chunk) == 0 || end >= total {
		return nil, fmt.Errorf("graph: upload chunk of %d bytes from %d does not fit in %d bytes", len(chunk), start, total)
	}
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
	var secrets []string
	for _, vs := range u.Query() {
		secrets = append(secrets, vs...)
	}
	r := &call{
		method: http.MethodPut,
		u:      u,
		shown:  shown,
		logURL: shown,
		header: http.Header{"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", start, end, total)}},
		body:   chunk,
		ctype:  "application/octet-stream",
		// Resending a range Graph already has is harmless; resending the
		// last one after the session completed is not known to be.
		safe:    end+1 < total,
		noAuth:  true,
		secrets: secrets,
	}
	return c.run(ctx, "", r)
}

// loopback reports whether host (no port) is localhost or a loopback IP.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactQuery removes from err's text the query of rawURL, which holds the
// session's credential, in case err quotes it.
func redactQuery(err error, rawURL string) error {
	if i := strings.IndexByte(rawURL, '?'); i >= 0 && strings.Contains(err.Error(), rawURL[i+1:]) {
		return fmt.Errorf("%s", redact.String(err.Error(), rawURL[i+1:]))
	}
	return err
}
