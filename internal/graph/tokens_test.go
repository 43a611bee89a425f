package graph_test

import (
	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/graph"
)

// auth's sources are graph.Tokens: graph defines what it consumes, auth
// implements it without naming it.
var (
	_ graph.Tokens = (*auth.UserSource)(nil)
	_ graph.Tokens = (*auth.AppSource)(nil)
)
