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
		fmt.Fprintf(w, "batched lookup: %s.%s from %s: %d %s fetched ahead in %d %s, %d served, %d dropped\n",
			l.Table, l.Column, l.From, l.Prefetched, plural(int64(l.Prefetched), "key"),
			l.Requests, plural(int64(l.Requests), "request"), l.Served, l.Dropped)
	}
}
