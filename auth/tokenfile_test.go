package auth

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestTokenFileThroughSymlink: a token file reached through a link (to the
// file, relative or absolute, or to its folder) stays a link: the rotated
// token goes to its target, mode 0600, the lock file is beside the target,
// and nothing is left beside the link.
func TestTokenFileThroughSymlink(t *testing.T) {
	tests := []struct {
		name string
		link func(t *testing.T, real string) string // makes a link to real, returns the path to use
	}{
		{"relative link to the file", func(t *testing.T, real string) string {
			dir := t.TempDir()
			rel, _ := filepath.Rel(dir, real)
			return symlink(t, rel, filepath.Join(dir, "token.json"))
		}},
		{"absolute link to the file", func(t *testing.T, real string) string {
			return symlink(t, real, filepath.Join(t.TempDir(), "link.json"))
		}},
		{"link to a link to the file", func(t *testing.T, real string) string {
			dir := t.TempDir()
			first := symlink(t, real, filepath.Join(dir, "a.json"))
			return symlink(t, first, filepath.Join(dir, "b.json"))
		}},
		{"link to the folder", func(t *testing.T, real string) string {
			d := symlink(t, filepath.Dir(real), filepath.Join(t.TempDir(), "dir"))
			return filepath.Join(d, filepath.Base(real))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t)
			real := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
			path := tt.link(t, real)
			before := lstatLinks(t, path)
			s, err := newUserSource(userConfig(e, path))
			if err != nil {
				t.Fatal(err)
			}
			if tok, err := s.AccessToken(context.Background()); tok != "at-1" || err != nil {
				t.Fatalf("AccessToken = %q, %v", tok, err)
			}
			if after := lstatLinks(t, path); !slices.Equal(after, before) {
				t.Errorf("links on the way to the file: %q, were %q", after, before)
			}
			if m := readJSON(t, real); m["refresh_token"] != "rt-1" || m["access_token"] != "at-1" {
				t.Errorf("target = %v, want rt-1", m)
			}
			if st, err := os.Lstat(real); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
				t.Errorf("target: %v, %v", st.Mode(), err)
			}
			if got := names(t, filepath.Dir(real)); !slices.Equal(got, []string{"token.json", "token.json.lock"}) {
				t.Errorf("beside the target: %q", got)
			}
			if dir := filepath.Dir(path); dir != filepath.Dir(real) && !strings.HasSuffix(dir, "/dir") {
				for _, n := range names(t, dir) {
					if strings.HasSuffix(n, ".lock") || strings.Contains(n, ".tmp-") {
						t.Errorf("left beside the link: %s", n)
					}
				}
			}
		})
	}
}

// TestLockCoversTheRealFile: a process holding the lock through the real
// path stops a source that uses a link to it, and the reverse.
func TestLockCoversTheRealFile(t *testing.T) {
	e := newEndpoint(t)
	real := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	link := symlink(t, real, filepath.Join(t.TempDir(), "link.json"))
	for _, held := range []struct{ lockVia, useVia string }{{real, link}, {link, real}} {
		r, err := (TokenFile{held.lockVia}).RealPath()
		if err != nil {
			t.Fatal(err)
		}
		unlock, err := lockToken(context.Background(), r) // another process refreshing
		if err != nil {
			t.Fatal(err)
		}
		s, err := newUserSource(userConfig(e, held.useVia))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err = s.AccessToken(ctx)
		cancel()
		unlock()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("locked via %s, used via %s: error = %v, want to wait for the lock", held.lockVia, held.useVia, err)
		}
	}
	if e.calls() != 0 {
		t.Errorf("%d refreshes without the lock", e.calls())
	}
	// Sources on both paths at once never spend a used refresh token.
	var wg sync.WaitGroup
	for i := range 6 {
		path := []string{real, link}[i%2]
		s, err := newUserSource(userConfig(e, path))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 8 {
				tok, err := s.AccessToken(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				s.Reject(tok)
			}
		})
	}
	wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stale != 0 {
		t.Errorf("%d refreshes used a spent refresh token", e.stale)
	}
	if m := readJSON(t, real); m["refresh_token"] != e.latest {
		t.Errorf("file has %v, the endpoint's newest is %s", m["refresh_token"], e.latest)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link is now %v (%v)", st.Mode(), err)
	}
}

// UserCredentials gives one source for one file, whatever path reaches it.
func TestUserCredentialsOneSourcePerRealFile(t *testing.T) {
	e := newEndpoint(t)
	real := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	link := symlink(t, real, filepath.Join(t.TempDir(), "link.json"))
	a, err := UserCredentials(userConfig(e, real))
	if err != nil {
		t.Fatal(err)
	}
	b, err := UserCredentials(userConfig(e, link))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("two sources for one file")
	}
}

// readOnly makes the file-system calls fail as they do for a user who may
// not write dir (and, with file, the token file either): creating a file
// there, or renaming into it, gives EACCES. Tests run as root, which
// permission bits do not stop, so a chmod would prove nothing; these are
// the calls (and the only calls) the code makes to write.
func readOnly(t *testing.T, dir string, file bool) {
	t.Helper()
	denied := func(op, path string) error { return &fs.PathError{Op: op, Path: path, Err: syscall.EACCES} }
	in := func(p string) bool { return filepath.Clean(filepath.Dir(p)) == filepath.Clean(dir) }
	createTemp = func(d, pattern string) (*os.File, error) {
		if filepath.Clean(d) == filepath.Clean(dir) {
			return nil, denied("open", filepath.Join(d, pattern))
		}
		return os.CreateTemp(d, pattern)
	}
	rename = func(from, to string) error {
		if in(from) || in(to) {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EACCES}
		}
		return os.Rename(from, to)
	}
	openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		if in(name) {
			_, err := os.Lstat(name)
			if flag&os.O_CREATE != 0 && errors.Is(err, fs.ErrNotExist) {
				return nil, denied("open", name)
			}
			if file && flag&(os.O_WRONLY|os.O_RDWR) != 0 && !strings.HasSuffix(name, ".lock") {
				return nil, denied("open", name)
			}
		}
		return os.OpenFile(name, flag, perm)
	}
	t.Cleanup(func() { createTemp, rename, openFile = os.CreateTemp, os.Rename, os.OpenFile })
}

// TestReadOnlyFolderWritesInPlace: when the folder cannot be written but
// the file can, the rotated refresh token reaches the file (in place, mode
// 0600), with or without a lock file left from before.
func TestReadOnlyFolderWritesInPlace(t *testing.T) {
	for _, lockExists := range []bool{false, true} {
		t.Run(map[bool]string{false: "no lock file", true: "lock file from before"}[lockExists], func(t *testing.T) {
			e := newEndpoint(t)
			path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
			os.Chmod(path, 0o644)
			if lockExists {
				os.WriteFile(path+".lock", nil, 0o600)
			}
			want := names(t, filepath.Dir(path))
			readOnly(t, filepath.Dir(path), false)
			s, err := newUserSource(userConfig(e, path))
			if err != nil {
				t.Fatal(err)
			}
			if tok, err := s.AccessToken(context.Background()); tok != "at-1" || err != nil {
				t.Fatalf("AccessToken = %q, %v", tok, err)
			}
			if m := readJSON(t, path); m["refresh_token"] != "rt-1" || m["access_token"] != "at-1" {
				t.Errorf("file = %v, want the rotated rt-1", m)
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if got := names(t, filepath.Dir(path)); !slices.Equal(got, want) {
				t.Errorf("folder holds %q, want %q", got, want)
			}
			// A new process picks the rotated token up.
			s2, err := newUserSource(userConfig(e, path))
			if err != nil {
				t.Fatal(err)
			}
			s.Reject("at-1")
			s2.Reject("at-1")
			if tok, err := s2.AccessToken(context.Background()); tok != "at-2" || err != nil || e.stale != 0 {
				t.Errorf("next process: %q, %v (%d stale)", tok, err, e.stale)
			}
		})
	}
}

// TestNoRefreshWhenSuccessorCannotBeStored: when neither the folder nor the
// file can be written, the refresh token is not redeemed (it would be lost
// with its successor): the error names the path and the fix, and the token
// endpoint is not contacted.
func TestNoRefreshWhenSuccessorCannotBeStored(t *testing.T) {
	e := newEndpoint(t)
	path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
	os.WriteFile(path+".lock", nil, 0o600)
	before, _ := os.ReadFile(path)
	readOnly(t, filepath.Dir(path), true)
	s, err := newUserSource(userConfig(e, path))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AccessToken(context.Background())
	dir := filepath.Dir(path)
	want := "auth: RefreshTokenFilePath " + path + " cannot be written (open " + dir + "/." + filepath.Base(path) + ".tmp-*: permission denied; open " + path +
		": permission denied), so a renewed refresh token could not be kept: the token endpoint was not asked and the current sign-in stays valid; make the file or its folder " +
		dir + " writable (e.g. chmod u+w), or set RefreshTokenFilePath to a writable place"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\n want %s", err, want)
	}
	if e.calls() != 0 {
		t.Errorf("the token endpoint was asked %d times", e.calls())
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the file changed")
	}
}

// TestShortLivedTokenIsReused: an access token that lives less than the
// early-expiry minute is used for half its life, not renewed (and the file
// synced) on every request; the same for one read from the token file and
// for app-only tokens.
func TestShortLivedTokenIsReused(t *testing.T) {
	for _, life := range []int{30, 59} {
		e := newEndpoint(t)
		e.lifetime = life
		path := writeFile(t, "at-0", "rt-0", time.Now().Add(-time.Hour))
		s, err := newUserSource(userConfig(e, path))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			if tok, err := s.AccessToken(context.Background()); tok != "at-1" || err != nil {
				t.Fatalf("request %d: %q, %v", i, tok, err)
			}
		}
		// Another process finds it in the file and uses it as well.
		s2, err := newUserSource(userConfig(e, path))
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := s2.AccessToken(context.Background()); tok != "at-1" || err != nil {
			t.Errorf("from the file: %q, %v", tok, err)
		}
		app := ApplicationCredentials(AppConfig{TokenURL: e.URL + "/t/oauth2/v2.0/token", ClientID: "cid", ClientSecret: secret, HTTPClient: e.Client()})
		for range 20 {
			if tok, err := app.AccessToken(context.Background()); tok != "app-at-2" || err != nil {
				t.Fatalf("app: %q, %v", tok, err)
			}
		}
		if e.calls() != 2 {
			t.Errorf("expires_in %d: %d token requests for 41 requests, want 2 (one refresh, one app token)", life, e.calls())
		}
	}
}

func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// lstatLinks lists the links met on the way from path to its file.
func lstatLinks(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for range maxLinks {
		st, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return out
		}
		target, _ := os.Readlink(path)
		out = append(out, path+" -> "+target)
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return out
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
