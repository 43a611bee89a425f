// Command outlooksql-ext is the SQLite loadable extension of outlooksql. It
// is not run as a program; build it with
//
//	go build -tags outlooksql_ext -buildmode=c-shared -o outlooksql.so ./cmd/outlooksql-ext
//
// and load it into any SQLite 3.30.0 or later, e.g. in the sqlite3 shell:
//
//	.load ./outlooksql
//	SELECT outlooksql_configure('TokenUrl=…;ClientId=…;RefreshTokenFilePath=…');
//	SELECT subject FROM messages LIMIT 5;
//
// SQLite then calls sqlite3_outlooksql_init, which registers the tables
// messages, mail_folders, users and attachments and the function
// outlooksql_configure on that connection.
package main

import (
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

func init() {
	if err := outlook.Register(); err != nil {
		panic(err)
	}
}

func main() {}
