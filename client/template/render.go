package template

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"text/template"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// MaxBytes bounds a template's source and its rendered output.
const MaxBytes = 1 << 20

// DefaultPerms are the permissions of a rendered file whose template sets
// none.
const DefaultPerms fs.FileMode = 0o644

// Sentinel errors, wrapped by the errors Render returns.
var (
	// ErrTooLarge is returned for a source or output larger than MaxBytes.
	ErrTooLarge = errors.New("template too large")
	// ErrInvalid is returned for a template block that cannot be rendered
	// as written: no destination, no source, bad perms, bad env lines.
	ErrInvalid = errors.New("invalid template")
)

// Render renders t into taskDir with env as its environment and returns
// the variables it sets when t.Envvars is true (nil otherwise). The file
// is replaced atomically, and left untouched (mtime included) when its
// content and permissions are already those rendered. Errors name the
// template by its destination; text/template's own carry line:col.
func Render(t *structs.Template, taskDir string, env map[string]string) (envvars map[string]string, err error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil template", ErrInvalid)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("template %q: %w", t.DestPath, err)
		}
	}()
	if t.DestPath == "" {
		return nil, fmt.Errorf("%w: destination is required", ErrInvalid)
	}
	perms, err := parsePerms(t.Perms)
	if err != nil {
		return nil, err
	}
	text, name, err := source(t, taskDir)
	if err != nil {
		return nil, err
	}
	out, err := execute(name, text, env)
	if err != nil {
		return nil, err
	}
	if t.Envvars {
		if envvars, err = parseEnv(out); err != nil {
			return nil, err
		}
	}
	// A destination may lead into the allocation directory ("../alloc/x").
	dest, err := allocdir.SecureJoinTask(taskDir, t.DestPath)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	if err := write(dest, out, perms); err != nil {
		return nil, err
	}
	return envvars, nil
}

// parsePerms parses octal permissions such as "0640".
func parsePerms(s string) (fs.FileMode, error) {
	if s == "" {
		return DefaultPerms, nil
	}
	p, err := strconv.ParseUint(s, 8, 32)
	if err != nil || p > 0o777 {
		return 0, fmt.Errorf("%w: perms %q: want octal permissions such as \"0644\"", ErrInvalid, s)
	}
	return fs.FileMode(p), nil
}

// source returns the template text and the name text/template reports in
// its errors.
func source(t *structs.Template, taskDir string) (text, name string, err error) {
	if t.EmbeddedTmpl != "" {
		if len(t.EmbeddedTmpl) > MaxBytes {
			return "", "", fmt.Errorf("%w: embedded template is %d bytes, the limit is %d", ErrTooLarge, len(t.EmbeddedTmpl), MaxBytes)
		}
		return t.EmbeddedTmpl, "data", nil
	}
	if t.SourcePath == "" {
		return "", "", fmt.Errorf("%w: set data or source", ErrInvalid)
	}
	p, err := allocdir.SecureJoin(taskDir, t.SourcePath)
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	f, err := os.OpenFile(p, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", "", fmt.Errorf("%w: source %q is not a regular file", ErrInvalid, t.SourcePath)
	}
	if fi.Size() > MaxBytes {
		return "", "", fmt.Errorf("%w: source %q is %d bytes, the limit is %d", ErrTooLarge, t.SourcePath, fi.Size(), MaxBytes)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil && fi.Size() > 0 {
		return "", "", fmt.Errorf("source: %w", err)
	}
	return string(b), t.SourcePath, nil
}

// execute parses and runs the template, bounding its output.
func execute(name, text string, env map[string]string) ([]byte, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Funcs(funcs(env)).Parse(text)
	if err != nil {
		return nil, err
	}
	var out limitedBuffer
	if err := tmpl.Execute(&out, nil); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("%w: output exceeds %d bytes", ErrTooLarge, MaxBytes)
		}
		return nil, err
	}
	return out.Bytes(), nil
}

// limitedBuffer is a bytes.Buffer that refuses to grow past MaxBytes.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxBytes {
		return 0, ErrTooLarge
	}
	return b.Buffer.Write(p)
}

// write replaces dest with out (unless it already holds exactly that),
// through a temporary file in the same directory and a rename.
func write(dest string, out []byte, perms fs.FileMode) error {
	if fi, err := os.Lstat(dest); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%w: destination is a directory", ErrInvalid)
		}
		if fi.Mode().IsRegular() && fi.Mode().Perm() == perms && fi.Size() == int64(len(out)) {
			if cur, err := os.ReadFile(dest); err == nil && bytes.Equal(cur, out) {
				return nil
			}
		}
	}
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create destination directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".template-*")
	if err != nil {
		return fmt.Errorf("write destination: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(out)
	if err == nil {
		err = tmp.Chmod(perms)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		return fmt.Errorf("write destination: %w", err)
	}
	return nil
}
