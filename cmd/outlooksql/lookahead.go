package main

import (
	"database/sql"
	"fmt"
	"io"

	"github.com/outlooksql/outlooksql/driver"
)

// printLookaheads lists the statement's batched lookups for explain: the
// nested-loop joins whose inner scans were fetched ahead.
func printLookaheads(conn *sql.Conn, w io.Writer) {
	las, _ := driver.Lookaheads(conn)
	for _, l := range las {
		if l.Prefetched == 0 {
			continue // the key was found, but nothing followed it to fetch
		}
		cached := ""
		if l.Cached > 0 {
			cached = fmt.Sprintf(" (%d from the statement's cache)", l.Cached)
		}
		fmt.Fprintf(w, "batched lookup: %s.%s from %s: %d %s fetched ahead in %d %s%s, %d served, %d dropped\n",
			l.Table, l.Column, l.From, l.Prefetched, plural(int64(l.Prefetched), "key"),
			l.Requests, plural(int64(l.Requests), "request"), cached, l.Served, l.Dropped)
	}
}
