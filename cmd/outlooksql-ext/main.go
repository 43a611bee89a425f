// Command outlooksql-ext is the SQLite loadable extension of outlooksql. It
// is not run as a program; build it with
//
//	go build -tags outlooksql_ext -buildmode=c-shared -o outlooksql.so ./cmd/outlooksql-ext
//
// and load it into any SQLite 3.22.0 or later, e.g. in the sqlite3 shell:
//
//	.load ./outlooksql
//
// SQLite then calls sqlite3_outlooksql_init, which registers every module
// and function the imported packages registered with package vtab.
package main

import (
	_ "github.com/outlooksql/outlooksql/vtab"
)

func main() {}
