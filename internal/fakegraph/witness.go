package fakegraph

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
)

// Witness is a second host for redirect tests: it records every request it
// receives and answers 200 with a body that passes for a Graph page, a
// $batch answer, a token endpoint's answer and /me at once, so that a client
// that followed a redirect to it would succeed and show it.
type Witness struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string
}

// witnessAnswer is what a Witness answers every request with.
const witnessAnswer = `{"value":[{"id":"planted"}],"responses":[],` +
	`"access_token":"planted","refresh_token":"planted","token_type":"Bearer","expires_in":3600,` +
	`"userPrincipalName":"planted@evil.example"}`

// NewWitness starts a Witness on loopback; Close stops it.
func NewWitness() *Witness {
	w := &Witness{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.reqs = append(w.reqs, r.Method+" "+r.RequestURI+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, witnessAnswer)
	}))
	return w
}

// Host is the host:port the Witness listens on.
func (w *Witness) Host() string {
	u, _ := url.Parse(w.URL)
	return u.Host
}

// Received returns the requests received so far, each as "METHOD URI
// auth=… body=…".
func (w *Witness) Received() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.reqs...)
}

// Trap is a loopback listener that counts the TCP connections made to it
// and closes each at once: a stand-in for an attacker's host, for tests that
// must show nothing reached it, not even a connection.
type Trap struct {
	ln        net.Listener
	contacted atomic.Int64
}

// NewTrap starts a Trap; Close stops it.
func NewTrap() (*Trap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &Trap{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.contacted.Add(1)
			c.Close()
		}
	}()
	return t, nil
}

// URL is the Trap's http:// address.
func (t *Trap) URL() string { return "http://" + t.ln.Addr().String() }

// Contacted is the connections made to the Trap so far.
func (t *Trap) Contacted() int64 { return t.contacted.Load() }

// Close stops the Trap.
func (t *Trap) Close() error { return t.ln.Close() }
