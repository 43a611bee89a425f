//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// staleLock is how old a lock file may get before it is taken to be left
// behind by a crashed process.
const staleLock = 2 * time.Minute

// lockToken locks the token file real (a path from RealPath) against other
// processes with the lock file real+".lock".
func lockToken(ctx context.Context, real string) (unlock func(), err error) {
	return lockFile(ctx, real+".lock")
}

// lockFile takes an exclusive lock by creating path with O_EXCL; unlock
// removes it. Used where flock is unavailable (e.g. Windows).
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	for {
		f, err := openFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("auth: creating lock file: %w", err)
		}
		if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("auth: waiting for the lock on %s: %w", path, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
