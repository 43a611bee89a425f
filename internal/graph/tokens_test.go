package graph_test

import (
	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/graph"
)

// auth's sources are graph.Tokens without either package naming the other.
var _ graph.Tokens = auth.Source(nil)
