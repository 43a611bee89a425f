package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// loginCommand is what a user runs to create or renew the token file.
const loginCommand = `outlooksql login`

// TokenFile is the JSON file named by RefreshTokenFilePath:
// {"access_token": "…", "refresh_token": "…", "expires_in": 3600}. Save also
// writes "token_type" and an absolute "expiry" (RFC 3339).
type TokenFile struct {
	Path string
}

// fileJSON is the file's shape.
type fileJSON struct {
	AccessToken  string     `json:"access_token"`
	RefreshToken string     `json:"refresh_token"`
	TokenType    string     `json:"token_type,omitempty"`
	ExpiresIn    *float64   `json:"expires_in,omitempty"`
	Expiry       *time.Time `json:"expiry,omitempty"`
	// Scope is the token response's "scope": what the access token was
	// granted. Files written before it was kept have none.
	Scope string `json:"scope,omitempty"`
}

// Load reads the token. Without "expiry", the access token is taken to
// expire expires_in seconds after the file was last written; with neither, it
// counts as expired. A missing file is an error naming RefreshTokenFilePath
// and the login command.
func (f TokenFile) Load() (*oauth2.Token, error) {
	t, _, err := f.load()
	return t, err
}

// load is Load, and also returns when the file was last written.
func (f TokenFile) load() (*oauth2.Token, time.Time, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, fmt.Errorf("auth: RefreshTokenFilePath %s does not exist: run %q to sign in and create it", f.Path, loginCommand)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("auth: reading RefreshTokenFilePath: %w", err)
	}
	var j fileJSON
	if err := json.Unmarshal(b, &j); err != nil {
		// The error text may quote the file, which holds secrets; give only the position.
		where := ""
		var se *json.SyntaxError
		if errors.As(err, &se) {
			where = fmt.Sprintf(" (at byte %d)", se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			where = fmt.Sprintf(" (field %q has the wrong type)", te.Field)
		}
		return nil, time.Time{}, fmt.Errorf("auth: RefreshTokenFilePath %s is not a token file: want JSON {\"access_token\": …, \"refresh_token\": …, \"expires_in\": …}%s; run %q to recreate it", f.Path, where, loginCommand)
	}
	st, err := os.Stat(f.Path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("auth: reading RefreshTokenFilePath: %w", err)
	}
	t := &oauth2.Token{AccessToken: j.AccessToken, RefreshToken: j.RefreshToken, TokenType: j.TokenType}
	if j.Scope != "" {
		t = t.WithExtra(map[string]any{"scope": j.Scope})
	}
	switch {
	case j.Expiry != nil:
		t.Expiry = *j.Expiry
	case j.ExpiresIn != nil:
		t.Expiry = st.ModTime().Add(time.Duration(*j.ExpiresIn * float64(time.Second)))
	default:
		t.Expiry = time.Unix(1, 0) // unknown: refresh before first use
	}
	return t, st.ModTime(), nil
}

// The file-system calls Save, Writable and the lock make. Tests replace
// them to fail as they do for a user who may not write a folder or a file:
// tests run as root, whom permission bits do not stop.
var (
	rename     = os.Rename
	createTemp = os.CreateTemp
	openFile   = os.OpenFile
)

// maxLinks bounds the symbolic links followed to the token file.
const maxLinks = 40

// RealPath returns the file the token file's path reaches: symbolic links
// (of the file and of its folders) resolved, also when the final link's
// target does not exist yet. Saving writes there, so that a link stays a
// link, and the lock is taken there, so that two processes reaching one file
// by different paths take the same lock.
func (f TokenFile) RealPath() (string, error) {
	path, err := filepath.Abs(f.Path)
	if err != nil {
		return "", fmt.Errorf("auth: RefreshTokenFilePath %s: %w", f.Path, err)
	}
	for range maxLinks {
		r, err := filepath.EvalSymlinks(path)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("auth: RefreshTokenFilePath %s: %w", f.Path, err)
		}
		// The file, or the target of its final link, does not exist yet.
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return "", fmt.Errorf("auth: RefreshTokenFilePath %s: %w", f.Path, err)
		}
		p := filepath.Join(dir, filepath.Base(path))
		target, err := os.Readlink(p)
		if err != nil {
			return p, nil // not a link: the file to create
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		path = target
	}
	return "", fmt.Errorf("auth: RefreshTokenFilePath %s: more than %d symbolic links", f.Path, maxLinks)
}

// encode is the file's content for t.
func encode(t *oauth2.Token) ([]byte, error) {
	j := fileJSON{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType}
	j.Scope, _ = t.Extra("scope").(string)
	if !t.Expiry.IsZero() {
		exp := t.Expiry.UTC().Round(time.Second)
		in := max(time.Until(exp).Round(time.Second).Seconds(), 0)
		j.Expiry, j.ExpiresIn = &exp, &in
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("auth: encoding the token: %w", err)
	}
	return append(b, '\n'), nil
}

// Save writes t (with its "scope", when the token response had one) to
// the file the path reaches (see RealPath), so that a symbolic link stays
// one. It writes atomically when it can: a temporary
// file in the same folder, mode 0600, synced to disk, then renamed over the
// file. When the folder cannot be written but the file can, it writes the
// file in place (mode 0600, synced): not atomic, but a rotated refresh
// token is never dropped for want of a writable folder.
func (f TokenFile) Save(t *oauth2.Token) error {
	b, err := encode(t)
	if err != nil {
		return err
	}
	real, err := f.RealPath()
	if err != nil {
		return err
	}
	err = saveRenamed(real, b)
	if errors.Is(err, errFolder) {
		if ierr := saveInPlace(real, b); ierr != nil {
			return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w; writing the file in place instead: %w", f.Path, err, ierr)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	return nil
}

// errFolder marks a failure to create or rename a file in the token file's
// folder because the folder may not be written.
var errFolder = errors.New("its folder cannot be written")

// folderDenied reports whether err is a refusal to write a folder.
func folderDenied(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// saveRenamed writes b to a temporary file beside real and renames it over
// real.
func saveRenamed(real string, b []byte) error {
	dir, base := filepath.Split(real)
	tmp, err := createTemp(dir, "."+base+".tmp-*")
	if err != nil {
		if folderDenied(err) {
			return fmt.Errorf("%w (%w)", errFolder, err)
		}
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := rename(tmp.Name(), real); err != nil {
		if folderDenied(err) {
			return fmt.Errorf("%w (%w)", errFolder, err)
		}
		return err
	}
	done = true
	// Make the rename itself durable; not every system can sync a directory.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// saveInPlace overwrites the existing file real with b: new content from
// the start, cut to its length, synced.
func saveInPlace(real string, b []byte) error {
	f, err := openFile(real, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	// Keep it private; a file we do not own keeps the mode it had.
	f.Chmod(0o600)
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	if err := f.Truncate(int64(len(b))); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// Writable reports whether Save can write the token file, without changing
// it: a temporary file can be created (and is removed) in its folder, or
// the file itself can be opened for writing. A refresh token is redeemed
// only when its successor can be stored.
func (f TokenFile) Writable() error {
	real, err := f.RealPath()
	if err != nil {
		return err
	}
	dir, base := filepath.Split(real)
	tmp, terr := createTemp(dir, "."+base+".tmp-*")
	if terr == nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil
	}
	file, ferr := openFile(real, os.O_WRONLY, 0)
	if ferr == nil {
		file.Close()
		return nil
	}
	return fmt.Errorf("auth: RefreshTokenFilePath %s cannot be written (%v; %v), so a renewed refresh token could not be kept: the token endpoint was not asked and the current sign-in stays valid; make the file or its folder %s writable (e.g. chmod u+w), or set RefreshTokenFilePath to a writable place", f.Path, terr, ferr, filepath.Clean(dir))
}
