package syncdb

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// maxResets is how many 410 Gone answers one round accepts before it
// gives up: a server that keeps resetting would loop forever.
const maxResets = 3

// round fetches one delta round: GET link, then each @odata.nextLink
// verbatim, until a page carries the @odata.deltaLink, which it returns.
// Each page's items go to add. A 410 Gone (the link expired) calls reset,
// which must forget the items added so far, and restarts from the
// Location header, or from initial; full is then true: the round lists
// every item, not changes.
func (r *run) round(ctx context.Context, mailbox, link, initial string, header http.Header, add func(gjson.Result) error, reset func() error) (delta string, full bool, err error) {
	url := link
	full = link == initial
	resets := 0
	visited := map[string]bool{url: true} // the round's pages: a nextLink back to one loops
	for {
		resp, err := r.o.Client.Get(ctx, mailbox, url, header)
		if graph.Status(err) == http.StatusGone {
			if resets++; resets > maxResets {
				return "", false, fmt.Errorf("delta round: Graph answered 410 Gone %d times in a row: %w", resets, err)
			}
			if err := reset(); err != nil {
				return "", false, err
			}
			pageFetched(ctx, -1)
			url, full = initial, true
			if resp != nil && resp.Header.Get("Location") != "" {
				url = resp.Header.Get("Location")
			}
			clear(visited)
			visited[url] = true
			continue
		}
		if err != nil {
			return "", false, err
		}
		if !gjson.ValidBytes(resp.Body) {
			return "", false, fmt.Errorf("delta round: GET %s: the answer is not JSON", url)
		}
		page := gjson.ParseBytes(resp.Body)
		value := page.Get("value")
		if !value.IsArray() {
			return "", false, fmt.Errorf("delta round: GET %s: the page has no \"value\" array", url)
		}
		var ferr error
		n := 0
		value.ForEach(func(_, item gjson.Result) bool {
			n++
			ferr = add(item)
			return ferr == nil
		})
		if ferr != nil {
			return "", false, ferr
		}
		pageFetched(ctx, n)
		next := page.Get(`@odata\.nextLink`).String()
		if d := page.Get(`@odata\.deltaLink`).String(); d != "" && next == "" {
			return d, full, nil
		}
		if next == "" {
			return "", false, fmt.Errorf("delta round: GET %s: the page has neither @odata.nextLink nor @odata.deltaLink", url)
		}
		if visited[next] {
			return "", false, fmt.Errorf("delta round: GET %s: the @odata.nextLink points back to a page of this round (%s); stopping: the server's paging loops", url, next)
		}
		visited[next] = true
		url = next
	}
}

// spool keeps a round's items on disk until the round ends, so that
// memory stays flat however large the folder.
type spool struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "outlooksql-sync-*")
	if err != nil {
		return nil, fmt.Errorf("spool file: %w", err)
	}
	os.Remove(f.Name()) // gone with the descriptor, whatever happens
	return &spool{f: f, w: bufio.NewWriter(f)}, nil
}

// add appends one item.
func (s *spool) add(item gjson.Result) error {
	var n [binary.MaxVarintLen64]byte
	s.w.Write(n[:binary.PutUvarint(n[:], uint64(len(item.Raw)))])
	_, err := s.w.WriteString(item.Raw)
	s.n++
	return err
}

// reset forgets every item.
func (s *spool) reset() error {
	s.w.Reset(s.f)
	s.n = 0
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	_, err := s.f.Seek(0, io.SeekStart)
	return err
}

// each calls f with every item in order.
func (s *spool) each(f func(gjson.Result) error) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	rd := bufio.NewReader(s.f)
	var buf []byte
	for {
		n, err := binary.ReadUvarint(rd)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(rd, buf); err != nil {
			return err
		}
		if err := f(gjson.ParseBytes(buf)); err != nil {
			return err
		}
	}
}

func (s *spool) close() { s.f.Close() }
