// Package connect builds what a connection string names: the Graph client
// with its token source (a Session), and keeps the process's sessions so
// that connections with the same connection string share one.
package connect

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/internal/lru"
)

// Session is what a connection's tables need to reach one Graph tenant: the
// HTTP client with its token source, and the connection's defaults.
type Session struct {
	Config *config.Config
	Client *graph.Client

	noBatch atomic.Bool // the server refused $batch: fan-outs send GETs
}

// BatchRefused reports whether the server refused $batch before.
func (s *Session) BatchRefused() bool { return s.noBatch.Load() }

// RefuseBatch records that the server refused $batch; it reports whether
// this is the first time.
func (s *Session) RefuseBatch() bool { return !s.noBatch.Swap(true) }

// New builds a Session for cfg: its token source and Graph client.
func New(cfg *config.Config) (*Session, error) {
	tokens, err := Tokens(cfg)
	if err != nil {
		return nil, err
	}
	return &Session{Config: cfg, Client: Client(cfg, tokens)}, nil
}

// Client returns the Graph client cfg describes, getting tokens from
// tokens.
func Client(cfg *config.Config, tokens graph.Tokens) *graph.Client {
	return graph.New(graph.Options{
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
		UserAgent:        "outlooksql",
		// Connections of one account share each mailbox's 4 slots, however
		// their connection strings differ otherwise.
		LimitKey: LimitKey(cfg),
	})
}

// LimitKey names the account cfg signs in as: connections with the same
// one share each mailbox's request slots (graph.Options.LimitKey).
func LimitKey(cfg *config.Config) string {
	return strings.Join([]string{string(cfg.AuthType), cfg.TokenURL, cfg.ClientID, cfg.RefreshTokenFilePath}, "\x00")
}

// Tokens returns the token source cfg's AuthType names.
func Tokens(cfg *config.Config) (graph.Tokens, error) {
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

// MaxSessions bounds the sessions a process keeps (Open): past it, the
// least recently opened configuration's session is dropped from the cache.
// Connections that hold it keep using it; a later Open of that
// configuration builds a new one.
const MaxSessions = 64

// Cache keeps sessions by configuration, at most a bound of them.
type Cache struct {
	mu       sync.Mutex
	sessions *lru.Cache[string, *Session] // by config.Key
}

// NewCache returns an empty cache of at most bound sessions.
func NewCache(bound int) *Cache {
	return &Cache{sessions: lru.New[string, *Session](bound)}
}

// Open returns the cached Session for cfg, building it on first use.
func (c *Cache) Open(cfg *config.Config) (*Session, error) {
	key := cfg.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sessions.Get(key); ok {
		return s, nil
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	c.sessions.Add(key, s)
	return s, nil
}

// Len returns the number of sessions kept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions.Len()
}

// shared is the process's sessions: every database/sql connector and every
// extension connection with the same connection string shares one HTTP
// client, one token source and one per-mailbox request limit.
var shared = NewCache(MaxSessions)

// Open returns the process's Session for cfg (see MaxSessions).
func Open(cfg *config.Config) (*Session, error) { return shared.Open(cfg) }
