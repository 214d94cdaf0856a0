package allocdir

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// SecureJoinTask joins rel, a path a job gives relative to a task's
// directory (a template's or an artifact's destination), to taskDir, the
// task's directory directly inside its allocation directory. As in Nomad,
// rel may lead out of the task directory with ".." as long as it stays in
// the allocation directory: "../alloc/data" names the directory every task
// of the allocation shares. Only a path that leaves the allocation
// directory is refused, with ErrEscapes.
//
// A path that stays in the task directory is resolved by SecureJoin under
// taskDir, symlinks confined to the task directory as before; only a path
// written with ".." out of it is resolved under the allocation directory,
// so that a symlink the task plants in its own directory never turns a
// destination there into one elsewhere.
func SecureJoinTask(taskDir, rel string) (string, error) {
	if strings.IndexByte(rel, 0) >= 0 || filepath.IsAbs(rel) {
		return SecureJoin(taskDir, rel) // refuses both, with the reason
	}
	clean := path.Clean(filepath.ToSlash(rel))
	if clean != ".." && !strings.HasPrefix(clean, "../") {
		return SecureJoin(taskDir, clean)
	}
	task := filepath.Base(filepath.Clean(taskDir))
	inAlloc := path.Clean(path.Join(task, clean))
	if inAlloc == ".." || strings.HasPrefix(inAlloc, "../") {
		return "", fmt.Errorf("%w: %q leaves it", ErrEscapes, rel)
	}
	return SecureJoin(filepath.Dir(filepath.Clean(taskDir)), inAlloc)
}
