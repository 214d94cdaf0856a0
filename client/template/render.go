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

// Task is the task a template renders for.
type Task struct {
	// Dir is the task's directory, a host path directly inside the
	// allocation directory, which bounds every path a template names.
	Dir string
	// Env is the task's environment as the task sees it: what
	// {{ env "NAME" }} reads.
	Env map[string]string
	// ReplacePath interpolates the source and destination paths before
	// they are resolved; nil leaves them as written. The task runner
	// passes the task's environment with NOMAD_ALLOC_DIR, NOMAD_TASK_DIR
	// and NOMAD_SECRETS_DIR as host paths, since the client, not the
	// task, opens them: "${NOMAD_ALLOC_DIR}/app.conf" is then the same
	// file as "../alloc/app.conf" whether or not the driver isolates the
	// task's file system.
	ReplacePath func(string) string
	// Services answers nomadService and nomadServices; nil makes them
	// fail the render with the reason.
	Services ServiceSource
}

// Result is what rendering a template did.
type Result struct {
	// Envvars are the variables the template sets when its env argument
	// is true, nil otherwise.
	Envvars map[string]string
	// Dest is the host path of the rendered file.
	Dest string
	// Changed reports whether the file was written: its content, mode
	// or owner differed from what was rendered, or it did not exist.
	Changed bool
	// UsesServices reports whether the template read service discovery
	// (nomadService, nomadServices): it must be rendered again when the
	// services change.
	UsesServices bool
}

// Render renders t into taskDir with env as its environment and returns
// the variables it sets when t.Envvars is true (nil otherwise). It is
// RenderTask without path interpolation.
func Render(t *structs.Template, taskDir string, env map[string]string) (map[string]string, error) {
	res, err := RenderTask(t, Task{Dir: taskDir, Env: env})
	if err != nil {
		return nil, err
	}
	return res.Envvars, nil
}

// RenderTask renders t for task. The source and destination are
// interpolated (Task.ReplacePath), then resolved inside the allocation
// directory: relative to the task directory, possibly leading out of it
// into the allocation directory ("../alloc/x"), or absolute when the
// interpolated path lies in the allocation directory. The file is
// replaced atomically, and left untouched (mtime included) when its
// content, permissions and owner are already those rendered. Errors name
// the template by its destination as written; text/template's own carry
// line:col.
func RenderTask(t *structs.Template, task Task) (res *Result, err error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil template", ErrInvalid)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("template %q: %w", t.DestPath, err)
		}
	}()
	if err := Check(t); err != nil {
		return nil, err
	}
	replace := task.ReplacePath
	if replace == nil {
		replace = func(s string) string { return s }
	}
	perms, err := parsePerms(t.Perms)
	if err != nil {
		return nil, err
	}
	text, name, err := source(t, task.Dir, replace)
	if err != nil {
		return nil, err
	}
	var usesServices bool
	out, err := execute(t, name, text, task.Env, serviceFuncs(task.Services, &usesServices))
	if err != nil {
		return nil, err
	}
	res = &Result{UsesServices: usesServices}
	if t.Envvars {
		if res.Envvars, err = parseEnv(out); err != nil {
			return nil, err
		}
	}
	dest, err := resolvePath(task.Dir, replace(t.DestPath))
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	res.Dest = dest
	if res.Changed, err = write(dest, out, perms, ownerOf(t)); err != nil {
		return nil, err
	}
	return res, nil
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
func source(t *structs.Template, taskDir string, replace func(string) string) (text, name string, err error) {
	if t.EmbeddedTmpl != "" {
		if len(t.EmbeddedTmpl) > MaxBytes {
			return "", "", fmt.Errorf("%w: embedded template is %d bytes, the limit is %d", ErrTooLarge, len(t.EmbeddedTmpl), MaxBytes)
		}
		return t.EmbeddedTmpl, "data", nil
	}
	if t.SourcePath == "" {
		return "", "", fmt.Errorf("%w: set data or source", ErrInvalid)
	}
	p, err := resolvePath(taskDir, replace(t.SourcePath))
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

// execute parses and runs the template with its delimiters, bounding its
// output. As in Nomad, indexing a map with a key it does not hold renders
// "<no value>" unless error_on_missing_key is set, when it is an error.
func execute(t *structs.Template, name, text string, env map[string]string, extra template.FuncMap) ([]byte, error) {
	missing := "missingkey=default"
	if t.ErrMissingKey {
		missing = "missingkey=error"
	}
	tmpl, err := template.New(name).Delims(t.LeftDelim, t.RightDelim).Option(missing).Funcs(funcs(env)).Funcs(extra).Parse(text)
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

// write replaces dest with out (unless it already holds exactly that,
// with perms and owner), through a temporary file in the same directory
// and a rename. It reports whether it wrote.
func write(dest string, out []byte, perms fs.FileMode, own owner) (bool, error) {
	if fi, err := os.Lstat(dest); err == nil {
		if fi.IsDir() {
			return false, fmt.Errorf("%w: destination is a directory", ErrInvalid)
		}
		if fi.Mode().IsRegular() && fi.Mode().Perm() == perms && fi.Size() == int64(len(out)) && own.matches(fi) {
			if cur, err := os.ReadFile(dest); err == nil && bytes.Equal(cur, out) {
				return false, nil
			}
		}
	}
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("create destination directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".template-*")
	if err != nil {
		return false, fmt.Errorf("write destination: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(out)
	if err == nil {
		err = tmp.Chmod(perms)
	}
	if err == nil && own.set() {
		// Changing the owner needs the agent to run as root, as in
		// Nomad; without it the error says so (EPERM).
		if cerr := tmp.Chown(own.uid, own.gid); cerr != nil {
			err = fmt.Errorf("set owner uid %d gid %d (the client must run as root to give a file away): %w", own.uid, own.gid, cerr)
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		return false, fmt.Errorf("write destination: %w", err)
	}
	return true, nil
}
