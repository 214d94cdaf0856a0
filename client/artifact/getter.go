package artifact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// DefaultMaxBytes bounds an artifact when Getter.MaxBytes is zero.
const DefaultMaxBytes int64 = 1 << 30

// DefaultDest is where an artifact lands when its destination is empty,
// relative to the task directory.
const DefaultDest = "local/"

// Modes of an artifact (the jobspec's mode).
const (
	ModeAny  = "any"  // an archive is unpacked into the destination directory, a file is saved in it
	ModeFile = "file" // the destination is the file itself; nothing is unpacked
	ModeDir  = "dir"  // the source must be an archive, unpacked into the destination directory
)

// Sentinel errors, wrapped by the errors Get returns. A path that would
// leave the task directory wraps allocdir.ErrEscapes.
var (
	// ErrTooLarge is returned when an artifact writes more than MaxBytes.
	ErrTooLarge = errors.New("artifact too large")
	// ErrChecksum is returned when the fetched bytes do not match the
	// checksum option.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrFileSourceNotAllowed is returned for a file source outside the
	// allocation directory and the configured file roots.
	ErrFileSourceNotAllowed = errors.New("file source not allowed")
	// ErrInvalid is returned for an option, mode or source that cannot be
	// understood.
	ErrInvalid = errors.New("invalid artifact")
	// ErrUnsafeEntry is returned for an archive entry that is neither a
	// regular file, a directory nor a symlink (devices, FIFOs, sockets).
	ErrUnsafeEntry = errors.New("unsafe archive entry")
)

// Getter fetches artifacts. The zero value is usable.
type Getter struct {
	// HTTPClient fetches http and https sources; nil is
	// http.DefaultClient (the context bounds the fetch).
	HTTPClient *http.Client
	// MaxBytes bounds the bytes one artifact may fetch, and separately the
	// bytes its unpacked files may hold; 0 is DefaultMaxBytes.
	MaxBytes int64
	// FileRoots are host directories file sources may come from besides
	// the allocation directory.
	FileRoots []string
}

// Get fetches art into taskDir. replace interpolates the source, options and
// destination (nil leaves them as written); allocDir is the allocation's
// directory, the one place besides FileRoots a file source may come from.
// The error names the artifact's source and says why it failed.
func (g *Getter) Get(ctx context.Context, art *structs.TaskArtifact, replace func(string) string, allocDir, taskDir string) error {
	if art == nil {
		return fmt.Errorf("%w: nil artifact", ErrInvalid)
	}
	if replace == nil {
		replace = func(s string) string { return s }
	}
	src := replace(art.GetterSource)
	if err := g.get(ctx, art, src, replace, allocDir, taskDir); err != nil {
		return fmt.Errorf("artifact %q: %w", src, err)
	}
	return nil
}

func (g *Getter) get(ctx context.Context, art *structs.TaskArtifact, src string, replace func(string) string, allocDir, taskDir string) error {
	opts, err := parseOptions(art.GetterOptions, replace)
	if err != nil {
		return err
	}
	mode := art.GetterMode
	switch mode {
	case "":
		mode = ModeAny
	case ModeAny, ModeFile, ModeDir:
	default:
		return fmt.Errorf("%w: mode %q: want %q, %q or %q", ErrInvalid, mode, ModeAny, ModeFile, ModeDir)
	}
	s, err := parseSource(src)
	if err != nil {
		return err
	}

	realTask, err := filepath.EvalSymlinks(taskDir)
	if err != nil {
		return fmt.Errorf("task directory: %w", err)
	}
	dest, err := destination(realTask, taskDir, replace(art.RelativeDest))
	if err != nil {
		return err
	}

	kind := opts.archive
	if kind == archiveAuto {
		kind = detectArchive(s.name)
	}
	if mode == ModeFile {
		kind = archiveNone
	}
	if mode == ModeDir && kind == archiveNone {
		return fmt.Errorf("%w: mode %q needs an archive source (.tar, .tar.gz, .tgz or .zip)", ErrInvalid, ModeDir)
	}
	if mode == ModeAny && kind == archiveNone && s.name == "" {
		return fmt.Errorf("%w: cannot tell a file name from the source; set mode = %q and name the file in destination", ErrInvalid, ModeFile)
	}

	max := g.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	// A destination led out of the task directory ("../alloc/data") is
	// confined to the allocation directory instead, which holds it.
	root := realTask
	if !within(realTask, dest) {
		root = filepath.Dir(realTask)
	}
	w := &writer{root: root, remaining: max}

	// Fetch into a hidden temporary file in the task directory: it is on
	// the same file system as the destination, so a plain file is renamed
	// into place only once it has been checked.
	tmp, err := os.CreateTemp(realTask, ".artifact-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	sum, err := g.fetch(ctx, s, allocDir, realTask, tmp, opts.checksum, max)
	if err != nil {
		return err
	}
	if err := opts.checksum.verify(sum); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	switch {
	case kind != archiveNone:
		if _, err := tmp.Seek(0, 0); err != nil {
			return fmt.Errorf("rewind download: %w", err)
		}
		return unpack(ctx, kind, tmp, dest, w)
	case mode == ModeFile:
		return w.place(tmp, dest)
	default:
		return w.place(tmp, filepath.Join(dest, s.name))
	}
}

// destination resolves the artifact's destination inside the allocation
// directory: relative to the task directory, and, as in Nomad, possibly
// leading out of it into the allocation directory ("../alloc/data"). An
// absolute destination is accepted when it lies inside the allocation
// directory (an interpolated ${NOMAD_TASK_DIR} or ${NOMAD_ALLOC_DIR} with
// no file system isolation).
func destination(realTask, taskDir, rel string) (string, error) {
	if rel == "" {
		rel = DefaultDest
	}
	if filepath.IsAbs(rel) {
		for _, base := range []string{filepath.Clean(taskDir), realTask} {
			inAlloc, err := filepath.Rel(filepath.Dir(base), filepath.Clean(rel))
			if err != nil || inAlloc == ".." || strings.HasPrefix(inAlloc, ".."+string(filepath.Separator)) {
				continue
			}
			if r, err := filepath.Rel(base, filepath.Clean(rel)); err == nil {
				rel = r
				break
			}
		}
	}
	dest, err := allocdir.SecureJoinTask(realTask, rel)
	if err != nil {
		return "", fmt.Errorf("destination %q: %w", rel, err)
	}
	return dest, nil
}
