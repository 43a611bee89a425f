package fakegraph

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// apiError is a Graph error response.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badRequest(code, msg string) *apiError {
	return &apiError{http.StatusBadRequest, code, msg}
}

// query holds a request's system query options.
type query struct {
	has       map[string]bool // "$top", … as given (lower-cased)
	sel       []string
	filter    string
	orderby   string
	top       int
	skip      int
	search    string
	count     bool
	expand    string
	skiptoken string
	custom    url.Values // options without "$"
	pieces    []string   // raw "k=v" pieces, for next links
}

var knownOptions = map[string]bool{
	"$select": true, "$filter": true, "$orderby": true, "$top": true, "$skip": true, "$search": true,
	"$count": true, "$expand": true, "$skiptoken": true, "$format": true, "$deltatoken": true,
	"$levels": true, "$apply": true, "$compute": true, "$index": true, "$schemaversion": true, "$id": true,
}

// parseQuery reads the raw query string. Option names are matched without
// regard to case; a repeated or unknown system option is an error.
func parseQuery(raw string) (*query, *apiError) {
	q := &query{has: map[string]bool{}, custom: url.Values{}}
	if raw == "" {
		return q, nil
	}
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		q.pieces = append(q.pieces, piece)
		k, v, _ := strings.Cut(piece, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, badRequest("BadRequest", fmt.Sprintf("The query string '%s' is not valid URL encoding.", piece))
		}
		if !strings.HasPrefix(key, "$") {
			q.custom.Add(key, val)
			continue
		}
		name := strings.ToLower(key)
		if !knownOptions[name] {
			return nil, badRequest("BadRequest", fmt.Sprintf("The query parameter '%s' is not supported.", key))
		}
		if q.has[name] {
			return nil, badRequest("BadRequest", fmt.Sprintf("Query option '%s' was specified more than once, but it must be specified at most once.", name))
		}
		q.has[name] = true
		switch name {
		case "$select":
			for _, s := range strings.Split(val, ",") {
				s = strings.TrimSpace(s)
				if s == "" {
					return nil, badRequest("BadRequest", fmt.Sprintf("Syntax error: '%s' is not a valid $select value.", val))
				}
				q.sel = append(q.sel, s)
			}
		case "$filter":
			q.filter = val
		case "$orderby":
			q.orderby = val
		case "$top", "$skip":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 0 {
				return nil, badRequest("BadRequest", fmt.Sprintf("Invalid value '%s' for %s query option found. The %s query option requires a non-negative integer value.", val, name, name))
			}
			if name == "$top" {
				q.top = n
			} else {
				q.skip = n
			}
		case "$search":
			q.search = val
		case "$count":
			switch strings.ToLower(val) {
			case "true":
				q.count = true
			case "false":
			default:
				return nil, badRequest("BadRequest", fmt.Sprintf("'%s' is not a valid count option.", val))
			}
		case "$expand":
			q.expand = val
		case "$skiptoken":
			q.skiptoken = val
		}
	}
	return q, nil
}

// allow rejects system options the endpoint does not take.
func (q *query) allow(opts ...string) *apiError {
	for name := range q.has {
		ok := name == "$format"
		for _, o := range opts {
			if o == name {
				ok = true
			}
		}
		if !ok {
			return badRequest("BadRequest", fmt.Sprintf("Query option '%s' is not allowed on this resource.", name))
		}
	}
	return nil
}

// nextLink repeats the request's query options, replacing $skip (or
// $skiptoken) with the given one.
func (c *call) nextLink(param, value string) string {
	var keep []string
	for _, p := range c.q().pieces {
		k, _, _ := strings.Cut(p, "=")
		key, _ := url.QueryUnescape(k)
		if l := strings.ToLower(key); l == "$skip" || l == "$skiptoken" {
			continue
		}
		keep = append(keep, p)
	}
	keep = append(keep, param+"="+value)
	return c.s.URL + c.r.URL.EscapedPath() + "?" + strings.Join(keep, "&")
}

// q returns the parsed query of the call (parsed in route).
func (c *call) q() *query { return c.query }
