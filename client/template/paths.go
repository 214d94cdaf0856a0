package template

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/client/allocdir"
)

// resolvePath resolves a template's source or destination, interpolated,
// to a host path inside the allocation directory that holds taskDir. A
// relative path is relative to the task directory and may lead out of it
// into the allocation directory ("../alloc/x"), as Nomad allows. An
// absolute path, which only interpolation produces (the server refuses
// one written in the job), is accepted when it lies in the allocation
// directory and is resolved as the same path written relative to the
// task directory, so the same symlink rules hold for both spellings
// (allocdir.SecureJoinTask).
func resolvePath(taskDir, p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: empty path", ErrInvalid)
	}
	if filepath.IsAbs(p) && strings.IndexByte(p, 0) < 0 {
		rel, ok := relToTask(taskDir, p)
		if !ok {
			return "", fmt.Errorf("%w: %q is outside the allocation directory %q; write it relative to the task directory "+
				"(\"local/x\"), as \"../alloc/x\", or with ${NOMAD_ALLOC_DIR}, ${NOMAD_TASK_DIR} or ${NOMAD_SECRETS_DIR}",
				allocdir.ErrEscapes, p, filepath.Dir(filepath.Clean(taskDir)))
		}
		p = rel
	}
	return allocdir.SecureJoinTask(taskDir, p)
}

// relToTask returns abs relative to taskDir when abs lies in the
// allocation directory (taskDir's parent). The task directory is tried as
// given and with its symlinks resolved, since an interpolated path may
// carry either.
func relToTask(taskDir, abs string) (string, bool) {
	abs = filepath.Clean(abs)
	bases := []string{filepath.Clean(taskDir)}
	if real, err := filepath.EvalSymlinks(taskDir); err == nil && real != bases[0] {
		bases = append(bases, real)
	}
	for _, base := range bases {
		inAlloc, err := filepath.Rel(filepath.Dir(base), abs)
		if err != nil || inAlloc == ".." || strings.HasPrefix(inAlloc, ".."+string(filepath.Separator)) {
			continue
		}
		if rel, err := filepath.Rel(base, abs); err == nil {
			return rel, true
		}
	}
	return "", false
}
