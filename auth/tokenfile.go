package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
}

// Load reads the token. Without "expiry", the access token is taken to
// expire expires_in seconds after the file was last written; with neither, it
// counts as expired. A missing file is an error naming RefreshTokenFilePath
// and the login command.
func (f TokenFile) Load() (*oauth2.Token, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("auth: RefreshTokenFilePath %s does not exist: run %q to sign in and create it", f.Path, loginCommand)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: reading RefreshTokenFilePath: %w", err)
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
		return nil, fmt.Errorf("auth: RefreshTokenFilePath %s is not a token file: want JSON {\"access_token\": …, \"refresh_token\": …, \"expires_in\": …}%s; run %q to recreate it", f.Path, where, loginCommand)
	}
	t := &oauth2.Token{AccessToken: j.AccessToken, RefreshToken: j.RefreshToken, TokenType: j.TokenType}
	switch {
	case j.Expiry != nil:
		t.Expiry = *j.Expiry
	case j.ExpiresIn != nil:
		st, err := os.Stat(f.Path)
		if err != nil {
			return nil, fmt.Errorf("auth: reading RefreshTokenFilePath: %w", err)
		}
		t.Expiry = st.ModTime().Add(time.Duration(*j.ExpiresIn * float64(time.Second)))
	default:
		t.Expiry = time.Unix(1, 0) // unknown: refresh before first use
	}
	return t, nil
}

// rename is os.Rename; tests replace it to make saving fail.
var rename = os.Rename

// Save writes t atomically: a temporary file in the same directory, mode
// 0600, synced to disk, then renamed over the file.
func (f TokenFile) Save(t *oauth2.Token) error {
	j := fileJSON{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType}
	if !t.Expiry.IsZero() {
		exp := t.Expiry.UTC().Round(time.Second)
		in := max(time.Until(exp).Round(time.Second).Seconds(), 0)
		j.Expiry, j.ExpiresIn = &exp, &in
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: encoding the token: %w", err)
	}
	b = append(b, '\n')
	dir, base := filepath.Split(f.Path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	if err := rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("auth: saving RefreshTokenFilePath %s: %w", f.Path, err)
	}
	done = true
	// Make the rename itself durable; not every system can sync a directory.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
