// Package nodeid gives a client agent its identity: a node ID and a secret,
// created once in the data directory and reused on every later start, so a
// restarted agent registers as the same node.
//
// It must not talk to the servers or decide anything about registration; it
// only owns the two files under <data_dir>/client.
package nodeid

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// File names under <data_dir>/client.
const (
	IDFile     = "node-id"
	SecretFile = "node-secret-id"
)

// ErrCorrupt is wrapped by the error LoadOrCreate returns when a stored
// identity file does not hold a UUID.
var ErrCorrupt = errors.New("corrupt node identity file")

// LoadOrCreate returns the node ID and secret stored under dataDir/client,
// creating both (mode 0600) the first time. A file that exists but does not
// hold a UUID is an error naming that file; it is never silently replaced,
// since a new ID would make the node a stranger to the servers.
//
// The secret is written before the ID, so an interrupted first start leaves
// at most a secret without an ID, which is replaced on the next start. An ID
// without a secret can only come from outside tampering and is an error.
func LoadOrCreate(dataDir string) (id, secret string, err error) {
	if dataDir == "" {
		return "", "", errors.New("node identity: data dir is empty")
	}
	return LoadOrCreateIn(filepath.Join(dataDir, "client"))
}

// LoadOrCreateIn is LoadOrCreate with the files directly in dir (the
// client's state_dir).
func LoadOrCreateIn(dir string) (id, secret string, err error) {
	if dir == "" {
		return "", "", errors.New("node identity: state dir is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("node identity: create %s: %w", dir, err)
	}
	idPath := filepath.Join(dir, IDFile)
	secretPath := filepath.Join(dir, SecretFile)

	id, idErr := readUUID(idPath)
	if idErr != nil && !errors.Is(idErr, fs.ErrNotExist) {
		return "", "", idErr
	}
	secret, secretErr := readUUID(secretPath)
	if secretErr != nil && !errors.Is(secretErr, fs.ErrNotExist) {
		return "", "", secretErr
	}
	switch {
	case idErr == nil && secretErr == nil:
		return id, secret, nil
	case idErr == nil:
		return "", "", fmt.Errorf("node identity: %s exists but %s is missing; restore it, or remove %s to register as a new node", idPath, secretPath, idPath)
	}

	// No ID yet: this node has never registered, so a fresh pair is safe
	// even if a secret was left by an interrupted start.
	secret = uuid.NewString()
	if err := writeFileAtomic(secretPath, secret); err != nil {
		return "", "", err
	}
	id = uuid.NewString()
	if err := writeFileAtomic(idPath, id); err != nil {
		return "", "", err
	}
	return id, secret, nil
}

// readUUID reads a file holding one UUID; whitespace around it is allowed.
func readUUID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("node identity: read %s: %w", path, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("node identity: %s is empty, want a UUID: %w", path, ErrCorrupt)
	}
	u, err := uuid.Parse(s)
	if err != nil || u.String() != strings.ToLower(s) {
		return "", fmt.Errorf("node identity: %s holds %q, want a UUID like %s: %w", path, truncate(s, 64), "8f3c2a9e-5b1d-4c7e-9a2f-0d6b8e4f1a3c", ErrCorrupt)
	}
	return u.String(), nil
}

// writeFileAtomic writes s to path with mode 0600 through a temporary file
// and a rename, so a crash never leaves a half-written identity.
func writeFileAtomic(path, s string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	if _, err := tmp.WriteString(s + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("node identity: write %s: %w", path, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
