//go:build outlooksql_ext

package vtab

// With the outlooksql_ext build tag the package is part of a SQLite
// loadable extension (go build -buildmode=c-shared): the C glue calls SQLite
// only through the host's sqlite3_api table and the host calls
// sqlite3_outlooksql_init (in glue.c) for each connection that loads it.

func installHook() error { return nil }
