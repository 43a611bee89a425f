package fakegraph

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
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
