package allocdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// Directory names inside an allocation directory.
const (
	SharedAllocName = "alloc"
	SharedDataName  = "data"
	LogDirName      = "logs"
	TmpDirName      = "tmp"
	LocalDirName    = "local"
	SecretsDirName  = "secrets"
)

// Directory modes; see the package doc.
const (
	dirPerm     fs.FileMode = 0o755
	sharedPerm  fs.FileMode = 0o777 | fs.ModeSticky
	secretsPerm fs.FileMode = 0o700
)

// ErrInvalidName is returned by Build for an allocation ID or task name
// that cannot be a single directory name.
var ErrInvalidName = errors.New("invalid directory name")

// AllocDir is one allocation's directory tree.
type AllocDir struct {
	// Dir is <root>/<alloc ID>.
	Dir string
	// SharedDir is Dir/alloc, shared by the group's tasks.
	SharedDir string

	allocID string // as given to New, checked by Build
}

// New returns the allocation's directory tree under root; nothing is
// created until Build.
func New(root, allocID string) *AllocDir {
	dir := filepath.Join(root, allocID)
	return &AllocDir{Dir: dir, SharedDir: filepath.Join(dir, SharedAllocName), allocID: allocID}
}

// Build creates the shared directories and each task's directories. It is
// idempotent: existing directories get their modes set again.
func (d *AllocDir) Build(tasks []string) error {
	id := d.allocID
	if id == "" { // built as a literal
		id = filepath.Base(d.Dir)
	}
	if err := checkName(id); err != nil {
		return fmt.Errorf("build alloc dir %s: %w", d.Dir, err)
	}
	mk := []struct {
		path string
		perm fs.FileMode
	}{
		{d.Dir, dirPerm},
		{d.SharedDir, dirPerm},
		{filepath.Join(d.SharedDir, SharedDataName), sharedPerm},
		{filepath.Join(d.SharedDir, LogDirName), sharedPerm},
		{filepath.Join(d.SharedDir, TmpDirName), sharedPerm},
	}
	for _, task := range tasks {
		if err := checkName(task); err != nil {
			return fmt.Errorf("build alloc dir %s: task %q: %w", d.Dir, task, err)
		}
		if task == SharedAllocName {
			return fmt.Errorf("build alloc dir %s: task %q: %w: the name is reserved for the shared directory", d.Dir, task, ErrInvalidName)
		}
		td := d.TaskDir(task)
		mk = append(mk, []struct {
			path string
			perm fs.FileMode
		}{
			{td.Dir, dirPerm},
			{td.LocalDir, dirPerm},
			{td.SecretsDir, secretsPerm},
			{td.TmpDir, sharedPerm},
		}...)
	}
	for _, m := range mk {
		if err := makeDir(m.path, m.perm); err != nil {
			return fmt.Errorf("build alloc dir %s: %w", d.Dir, err)
		}
	}
	return nil
}

// makeDir creates one directory (its parent exists) with exactly perm. An
// existing symlink or file in its place is an error, not followed.
func makeDir(path string, perm fs.FileMode) error {
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory (%s)", path, fi.Mode().Type())
	}
	return os.Chmod(path, perm)
}

// checkName refuses names that are not one plain path component.
func checkName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return ErrInvalidName
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%w: %q contains a path separator or NUL", ErrInvalidName, name)
	}
	return nil
}

// TaskDir returns the task's directories (host paths).
func (d *AllocDir) TaskDir(task string) plugin.TaskDir {
	dir := filepath.Join(d.Dir, task)
	return plugin.TaskDir{
		Dir:            dir,
		LocalDir:       filepath.Join(dir, LocalDirName),
		SecretsDir:     filepath.Join(dir, SecretsDirName),
		TmpDir:         filepath.Join(dir, TmpDirName),
		SharedAllocDir: d.SharedDir,
		LogDir:         d.LogDir(),
	}
}

// LogDir is the shared log directory, alloc/logs.
func (d *AllocDir) LogDir() string {
	return filepath.Join(d.SharedDir, LogDirName)
}

// Destroy removes the whole allocation directory. Directories a task made
// unwritable are made writable first, so they do not stop the removal.
func (d *AllocDir) Destroy() error {
	err := os.RemoveAll(d.Dir)
	if err == nil {
		return nil
	}
	// Walk without following symlinks and give the owner rwx on every
	// directory, then try again.
	_ = filepath.WalkDir(d.Dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			_ = os.Chmod(path, 0o700)
		}
		return nil
	})
	if err := os.RemoveAll(d.Dir); err != nil {
		return fmt.Errorf("destroy alloc dir %s: %w", d.Dir, err)
	}
	return nil
}
