//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockToken locks the token file real (a path from RealPath) against other
// processes: it takes the lock file real+".lock". When that cannot be
// created because the folder may not be written, it locks real itself:
// Save then writes in place, so the file keeps its inode (a rename would
// leave a lock on the old one), and every process meets the same folder.
func lockToken(ctx context.Context, real string) (unlock func(), err error) {
	unlock, err = lockFile(ctx, real+".lock")
	if err != nil && folderDenied(err) {
		if u, ferr := flock(ctx, real, os.O_RDONLY); ferr == nil {
			return u, nil
		}
	}
	return unlock, err
}

// lockFile takes an exclusive flock on path (created if missing, never
// removed), polling so that ctx can cancel the wait. The lock file is
// separate from the token file because Save replaces the token file's inode.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	return flock(ctx, path, os.O_RDWR|os.O_CREATE)
}

// flock opens path with flag and takes an exclusive flock on it.
func flock(ctx context.Context, path string, flag int) (unlock func(), err error) {
	f, err := openFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auth: opening lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("auth: locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("auth: waiting for the lock on %s: %w", path, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
