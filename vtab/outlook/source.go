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
	"cmp"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Source is what a connection's tables need to reach one Graph tenant: the
// HTTP client with its token source, and the connection's defaults.
type Source struct {
	Config *config.Config
	Client *graph.Client

	noBatch atomic.Bool // the server refused $batch: fan-outs send GETs
}

var sources = struct {
	sync.Mutex
	byKey map[string]*Source
}{byKey: map[string]*Source{}}

// Open returns the Source for a parsed configuration. Sources are shared per
// process by configuration, so every connection with the same connection
// string shares one HTTP client, one token source and one per-mailbox
// request limit.
func Open(cfg *config.Config) (*Source, error) {
	key := cfg.Key()
	sources.Lock()
	defer sources.Unlock()
	if s := sources.byKey[key]; s != nil {
		return s, nil
	}
	tokens, err := tokenSource(cfg)
	if err != nil {
		return nil, err
	}
	client := graph.New(graph.Options{
		BaseURL: cfg.BaseURL,
		Tokens:  tokens,
		Retry: graph.Retry{
			Mode:        retryMode(cfg.RetryMode),
			StatusCodes: cfg.RetryStatusCodes,
			MaxRetries:  cfg.RetryCountMax,
			Multiply:    cfg.RetryMultiplyWaitTime,
			Wait:        cfg.RetryWaitTime,
			MaxWait:     time.Minute,
			// RetryWaitMax=0 means no cap.
			MaxRetryAfter: cmp.Or(cfg.RetryWaitMax, time.Duration(math.MaxInt64)),
		},
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxPerMailbox:    4,
		BodyContentType:  cfg.BodyContentType,
		UserAgent:        "outlooksql",
	})
	s := &Source{Config: cfg, Client: client}
	sources.byKey[key] = s
	return s, nil
}

// OpenString parses a connection string and returns its Source.
func OpenString(connStr string) (*Source, error) {
	cfg, err := config.Parse(connStr)
	if err != nil {
		return nil, err
	}
	return Open(cfg)
}

func tokenSource(cfg *config.Config) (graph.Tokens, error) {
	httpClient := &http.Client{Timeout: 60 * time.Second}
	switch cfg.AuthType {
	case config.ApplicationCredentials:
		return auth.ApplicationCredentials(auth.AppConfig{
			TokenURL:     cfg.TokenURL,
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			HTTPClient:   httpClient,
		}), nil
	default:
		src, err := auth.UserCredentials(auth.UserConfig{
			TokenURL:     cfg.TokenURL,
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Scopes:       cfg.Scopes,
			TokenFile:    cfg.RefreshTokenFilePath,
			HTTPClient:   httpClient,
		})
		if err != nil {
			return nil, fmt.Errorf("sign-in: %w", err)
		}
		return src, nil
	}
}

func retryMode(m config.RetryMode) graph.RetryMode {
	switch m {
	case config.RetryNone:
		return graph.RetryNone
	case config.RetryAny:
		return graph.RetryAny
	}
	return graph.RetryWhenStatusCodeMatch
}

func (s *Source) planOptions() plan.Options {
	return plan.Options{Pushdown: s.Config.Pushdown}
}

func (s *Source) defaults() plan.Defaults {
	return plan.Defaults{UserID: s.Config.UserID}
}
