package nodeid

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestLoadOrCreate_CreatesThenReuses(t *testing.T) {
	dir := t.TempDir()
	id, secret, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("id %q is not a UUID", id)
	}
	if _, err := uuid.Parse(secret); err != nil {
		t.Fatalf("secret %q is not a UUID", secret)
	}
	if id == secret {
		t.Fatal("id and secret are equal")
	}
	for _, name := range []string{IDFile, SecretFile} {
		fi, err := os.Stat(filepath.Join(dir, "client", name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}

	id2, secret2, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id || secret2 != secret {
		t.Fatalf("second load = %s/%s, want %s/%s", id2, secret2, id, secret)
	}
}

func TestLoadOrCreate_Corrupt(t *testing.T) {
	for _, tc := range []struct{ name, file, content string }{
		{"garbage id", IDFile, "not-a-uuid\n"},
		{"empty id", IDFile, ""},
		{"garbage secret", SecretFile, "zzz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, _, err := LoadOrCreate(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "client", tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrCreate(dir)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
		})
	}
}

func TestLoadOrCreate_MissingSecretIsAnError(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadOrCreate(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "client", SecretFile)); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCreate(dir)
	if err == nil || !strings.Contains(err.Error(), SecretFile) {
		t.Fatalf("err = %v, want one naming %s", err, SecretFile)
	}
}

func TestLoadOrCreate_LeftoverSecretIsReplaced(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "client"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := uuid.NewString()
	if err := os.WriteFile(filepath.Join(dir, "client", SecretFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	id, secret, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" || secret == old {
		t.Fatalf("got id %q secret %q; want a fresh pair", id, secret)
	}
}

func TestLoadOrCreate_EmptyDataDir(t *testing.T) {
	if _, _, err := LoadOrCreate(""); err == nil {
		t.Fatal("want an error for an empty data dir")
	}
}
