module github.com/outlooksql/outlooksql

go 1.26.8

require (
	github.com/creack/pty v1.1.24
	github.com/gofrs/flock v0.13.2
	github.com/mattn/go-runewidth v0.0.31
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/peterh/liner v1.2.3
	github.com/spf13/pflag v1.0.10
	github.com/tidwall/gjson v1.20.2
	golang.org/x/oauth2 v0.38.0
	golang.org/x/term v0.48.0
)

require (
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
