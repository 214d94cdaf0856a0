package runtimespec

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// DefaultPath is the PATH a process gets when neither the image nor the task
// sets one.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Bounds on what an image or a task may put in a process.
const (
	maxArgs     = 4096
	maxArgBytes = 1 << 20 // all of argv and env together
)

// Args returns the container's argv by Docker's rules, which Nomad's docker
// driver follows:
//
//   - the entrypoint is the task's entrypoint when set, else the image's;
//   - the command is the task's command followed by its args when command is
//     set; else the task's args when any; else nothing when the task set an
//     entrypoint (overriding the entrypoint drops the image's Cmd); else the
//     image's Cmd;
//   - argv is the entrypoint followed by the command.
func Args(img ImageConfig, task TaskOptions) ([]string, error) {
	entrypoint := img.Entrypoint
	if len(task.Entrypoint) > 0 {
		entrypoint = task.Entrypoint
	}
	var cmd []string
	switch {
	case task.Command != "":
		cmd = append([]string{task.Command}, task.Args...)
	case len(task.Args) > 0:
		cmd = task.Args
	case len(task.Entrypoint) > 0:
		cmd = nil
	default:
		cmd = img.Cmd
	}
	argv := append(append([]string{}, entrypoint...), cmd...)
	if len(argv) == 0 {
		return nil, fmt.Errorf("config: nothing to run: the image has no Entrypoint or Cmd; set command (and args) or entrypoint in the task config")
	}
	if argv[0] == "" {
		return nil, fmt.Errorf("config: the program to run is an empty string; set command or entrypoint to a path or a name on PATH")
	}
	if len(argv) > maxArgs {
		return nil, fmt.Errorf("config: %d arguments; at most %d are accepted", len(argv), maxArgs)
	}
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return nil, fmt.Errorf("config: argument %d contains a NUL byte, which a process argument cannot hold", i)
		}
	}
	return argv, nil
}

// Env returns the image's environment overlaid by the task's: image
// variables keep their order with the task's values in place, the task's
// other variables follow sorted by name, and PATH is DefaultPath when
// neither sets it. A later image entry for a name replaces an earlier one.
func Env(image []string, task map[string]string) ([]string, error) {
	out := make([]string, 0, len(image)+len(task)+1)
	index := map[string]int{}
	set := func(k, v string) {
		if i, ok := index[k]; ok {
			out[i] = k + "=" + v
			return
		}
		index[k] = len(out)
		out = append(out, k+"="+v)
	}
	for i, kv := range image {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			// The image spec allows a bare name; it means an empty value.
			v = ""
		}
		if err := checkEnvVar(k, v); err != nil {
			return nil, fmt.Errorf("image config: Env[%d]: %w", i, err)
		}
		set(k, v)
	}
	names := make([]string, 0, len(task))
	for k := range task {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := checkEnvVar(k, task[k]); err != nil {
			return nil, fmt.Errorf("task env: %w", err)
		}
		set(k, task[k])
	}
	if _, ok := index["PATH"]; !ok {
		set("PATH", DefaultPath)
	}
	return out, nil
}

func checkEnvVar(k, v string) error {
	switch {
	case k == "":
		return fmt.Errorf("a variable with an empty name; names are non-empty and hold no '=' or NUL")
	case strings.ContainsAny(k, "=\x00"):
		return fmt.Errorf("variable %q: a name holds no '=' or NUL", k)
	case strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("variable %q: the value contains a NUL byte", k)
	}
	return nil
}

// Cwd returns the process's working directory: the task's work_dir, else the
// image's WorkingDir, else "/". It must be absolute; it is cleaned.
func Cwd(img ImageConfig, task TaskOptions) (string, error) {
	dir, where := task.WorkDir, "config: work_dir"
	if dir == "" {
		dir, where = img.WorkingDir, "image config: WorkingDir"
	}
	if dir == "" {
		return "/", nil
	}
	if !path.IsAbs(dir) || strings.IndexByte(dir, 0) >= 0 {
		return "", fmt.Errorf("%s %q: an absolute path inside the container is expected, such as /app", where, dir)
	}
	return path.Clean(dir), nil
}

func argBytes(argv, env []string) int {
	n := 0
	for _, s := range argv {
		n += len(s) + 1
	}
	for _, s := range env {
		n += len(s) + 1
	}
	return n
}
