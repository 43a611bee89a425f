// Package outlook serves the Graph mail tables (package tables) as SQLite
// virtual tables: one generic module and cursor, planned by package plan and
// fetched through internal/graph.
//
// A connection's tables reach Graph through a Source. The database/sql driver
// attaches one to each connection it opens; a SQLite host that loads the
// tables as an extension calls outlooksql_configure() instead (environment,
// profile or connection string; see configure.go). Both paths end in the
// same per-connection state.
package outlook

import (
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Source is what a connection's tables need to reach one Graph tenant: the
// HTTP client with its token source, and the connection's defaults. It is
// built by package connect.
type Source = connect.Session

// Open returns the Source for a parsed configuration. Sources are shared per
// process by configuration (connect.Open), so every connection with the
// same connection string shares one HTTP client, one token source and one
// per-mailbox request limit.
func Open(cfg *config.Config) (*Source, error) { return connect.Open(cfg) }

// OpenString parses a connection string and returns its Source.
func OpenString(connStr string) (*Source, error) {
	cfg, err := config.Parse(connStr)
	if err != nil {
		return nil, err
	}
	return Open(cfg)
}

func planOptions(s *Source) plan.Options {
	return plan.Options{Pushdown: s.Config.Pushdown}
}

func defaults(s *Source) plan.Defaults {
	return plan.Defaults{UserID: s.Config.UserID, Sequential: s.Config.ParallelScans <= 1}
}
