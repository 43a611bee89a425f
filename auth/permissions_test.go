//go:build linux

package auth

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobody is the unprivileged user the real-permission test runs as when
// the tests run as root (as in CI), whom permission bits do not stop.
const nobody = 65534

// TestReadOnlyFolderRealPermissions is TestReadOnlyFolderWritesInPlace and
// TestNoRefreshWhenSuccessorCannotBeStored with real permission bits
// instead of replaced file-system calls: the folder is mode 0555, the file
// 0600 or 0400. Run as root, it runs its half in a copy of the test binary
// as user nobody.
func TestReadOnlyFolderRealPermissions(t *testing.T) {
	for _, fileWritable := range []bool{true, false} {
		t.Run(fmt.Sprintf("file writable %v", fileWritable), func(t *testing.T) {
			e := newEndpoint(t)
			root, err := os.MkdirTemp("", "outlooksql-perm-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(root, "ro"), 0o755); os.RemoveAll(root) })
			os.Chmod(root, 0o755)
			dir := filepath.Join(root, "ro")
			os.Mkdir(dir, 0o755)
			path := filepath.Join(dir, "token.json")
			if err := os.WriteFile(path, []byte(`{"access_token":"at-0","refresh_token":"rt-0","expires_in":0}`), 0o600); err != nil {
				t.Fatal(err)
			}
			if !fileWritable {
				os.Chmod(path, 0o400)
			}
			asRoot := os.Geteuid() == 0
			if asRoot {
				os.Chown(dir, nobody, nobody)
				os.Chown(path, nobody, nobody)
			}
			os.Chmod(dir, 0o555)

			var got string
			if asRoot {
				got = runAsNobody(t, root, e.URL, path)
			} else {
				got = permScenario(e.URL, path)
			}
			if fileWritable {
				if got != "token at-1" {
					t.Errorf("AccessToken: %s", got)
				}
				if m := readJSON(t, path); m["refresh_token"] != "rt-1" {
					t.Errorf("file = %v, want the rotated rt-1", m)
				}
				if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
					t.Errorf("mode %v", st.Mode().Perm())
				}
				if e.calls() != 1 {
					t.Errorf("%d token requests", e.calls())
				}
				return
			}
			if !strings.HasPrefix(got, "error auth: RefreshTokenFilePath "+path+" cannot be written (") ||
				!strings.HasSuffix(got, "the token endpoint was not asked and the current sign-in stays valid; make the file or its folder "+dir+" writable (e.g. chmod u+w), or set RefreshTokenFilePath to a writable place") {
				t.Errorf("got %s", got)
			}
			if e.calls() != 0 {
				t.Errorf("the token endpoint was asked %d times", e.calls())
			}
		})
	}
}

// permScenario asks a source on path for a token and reports the outcome.
func permScenario(endpointURL, path string) string {
	cfg := UserConfig{TokenURL: endpointURL + "/tenant/oauth2/v2.0/token", ClientID: "cid", ClientSecret: secret,
		Scopes: []string{"offline_access"}, TokenFile: path}
	s, err := newUserSource(cfg)
	if err != nil {
		return "error " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := s.AccessToken(ctx)
	if err != nil {
		return "error " + err.Error()
	}
	return "token " + tok
}

// runAsNobody runs permScenario in a copy of this test binary as nobody.
func runAsNobody(t *testing.T, root, endpointURL, path string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "auth.test")
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	out := filepath.Join(root, "out")
	os.WriteFile(out, nil, 0o666)
	os.Chmod(out, 0o666)
	cmd := exec.Command(bin, "-test.run=^TestPermHelper$", "-test.count=1")
	cmd.Dir = root
	cmd.Env = []string{"OUTLOOKSQL_PERM_ENDPOINT=" + endpointURL, "OUTLOOKSQL_PERM_FILE=" + path, "OUTLOOKSQL_PERM_OUT=" + out, "HOME=" + root, "TMPDIR=" + root}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper as nobody: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) == 0 {
		t.Fatalf("helper wrote nothing (%v)", err)
	}
	return string(b)
}

// TestPermHelper is TestReadOnlyFolderRealPermissions's half that runs as
// nobody; on its own (without the variables the parent sets) it does
// nothing.
func TestPermHelper(t *testing.T) {
	out := os.Getenv("OUTLOOKSQL_PERM_OUT")
	if out == "" {
		return
	}
	got := permScenario(os.Getenv("OUTLOOKSQL_PERM_ENDPOINT"), os.Getenv("OUTLOOKSQL_PERM_FILE"))
	if err := os.WriteFile(out, []byte(got), 0o666); err != nil {
		t.Fatal(err)
	}
}
