package runtime

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	runc "github.com/containerd/go-runc"
	"github.com/hashicorp/go-hclog"
)

// Names of the runtimes Config.Runtime accepts by name.
const (
	RuntimeRunc = "runc"
	RuntimeCrun = "crun"
)

// MonitorCommand is the hidden sub-command of the nomadish binary that runs
// MonitorMain.
const MonitorCommand = "oci-monitor"

const (
	defaultCallTimeout  = 10 * time.Second
	defaultStartTimeout = 60 * time.Second
)

// Config configures a Runtime.
type Config struct {
	// Runtime is "runc" (the default when empty), "crun", or the path of
	// an OCI runtime binary that speaks runc's command line.
	Runtime string

	// StateDir holds one directory per container (see the package doc).
	// It must survive a plugin restart, e.g. under the plugin's data dir.
	StateDir string

	// Root is the runtime's own state root (--root); empty is the
	// runtime's default (/run/runc, /run/crun).
	Root string

	// MonitorPath is the executable run as the monitor; empty is this
	// process's own executable. MonitorArgs come before the state dir on
	// its command line; nil is []string{MonitorCommand}. MonitorEnv is
	// added to the monitor's environment. Tests point these at the test
	// binary.
	MonitorPath string
	MonitorArgs []string
	MonitorEnv  []string

	// CallTimeout bounds every runtime call but create and start
	// (default 10s); StartTimeout bounds Start (default 60s).
	CallTimeout  time.Duration
	StartTimeout time.Duration

	Logger hclog.Logger
}

// Runtime runs containers with one OCI runtime binary.
type Runtime struct {
	name    string // "runc", "crun" or the binary's base name
	path    string // absolute path of the binary
	cfg     Config
	client  *runc.Runc
	monPath string
	monArgs []string
	logger  hclog.Logger
}

// New resolves the runtime binary and the monitor executable. It fails
// when the runtime is not found; Check says what else is missing.
func New(cfg Config) (*Runtime, error) {
	if cfg.StateDir == "" {
		return nil, fmt.Errorf("oci runtime: state_dir is empty: give the directory that holds the containers' state")
	}
	if !filepath.IsAbs(cfg.StateDir) {
		return nil, fmt.Errorf("oci runtime: state_dir %q is relative: give an absolute path", cfg.StateDir)
	}
	name, path, err := resolveRuntime(cfg.Runtime)
	if err != nil {
		return nil, err
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = defaultCallTimeout
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = defaultStartTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	monPath := cfg.MonitorPath
	if monPath == "" {
		if monPath, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("oci runtime: find own executable for the container monitor: %w", err)
		}
	}
	monArgs := cfg.MonitorArgs
	if monArgs == nil {
		monArgs = []string{MonitorCommand}
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("oci runtime: create state_dir: %w", err)
	}
	return &Runtime{
		name:    name,
		path:    path,
		cfg:     cfg,
		client:  newClient(path, cfg.Root, ""),
		monPath: monPath,
		monArgs: monArgs,
		logger:  cfg.Logger.Named("oci_runtime").With("runtime", name),
	}, nil
}

// newClient is a go-runc client for the binary at path. It never sets a
// parent-death signal: containers must outlive their callers.
func newClient(path, root, logPath string) *runc.Runc {
	c := &runc.Runc{Command: path, Root: root}
	if logPath != "" {
		c.Log = logPath
		c.LogFormat = runc.JSON
	}
	return c
}

// resolveRuntime turns Config.Runtime into a name and an absolute path.
func resolveRuntime(want string) (name, path string, err error) {
	if want == "" {
		want = RuntimeRunc
	}
	if strings.ContainsRune(want, '/') {
		if !filepath.IsAbs(want) {
			return "", "", fmt.Errorf("oci runtime: runtime path %q is relative: give %q, %q or an absolute path", want, RuntimeRunc, RuntimeCrun)
		}
		st, err := os.Stat(want)
		if err != nil {
			return "", "", fmt.Errorf("oci runtime: runtime binary %q: %w", want, err)
		}
		if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
			return "", "", fmt.Errorf("oci runtime: runtime binary %q is not an executable file", want)
		}
		return filepath.Base(want), want, nil
	}
	if want != RuntimeRunc && want != RuntimeCrun {
		return "", "", fmt.Errorf("oci runtime: unknown runtime %q: give %q, %q or an absolute path to a runc-compatible binary", want, RuntimeRunc, RuntimeCrun)
	}
	p, err := exec.LookPath(want)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"} {
			if st, serr := os.Stat(filepath.Join(dir, want)); serr == nil && !st.IsDir() {
				return want, filepath.Join(dir, want), nil
			}
		}
		return "", "", fmt.Errorf("oci runtime: %s binary not found in PATH or the sbin/bin directories: install %s or give its absolute path", want, want)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", "", fmt.Errorf("oci runtime: %s: %w", want, err)
	}
	return want, abs, nil
}

// Name is the runtime's name ("runc", "crun", or the binary's base name).
func (r *Runtime) Name() string { return r.name }

// Path is the absolute path of the runtime binary.
func (r *Runtime) Path() string { return r.path }

// Version asks the runtime for its version, e.g. "1.1.5" for runc or
// "1.8.1" for crun.
func (r *Runtime) Version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, r.path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("oci runtime: %s --version: %w", r.path, err)
	}
	v := parseVersion(string(out))
	if v == "" {
		return "", fmt.Errorf("oci runtime: %s --version printed no \"<name> version <v>\" line", r.path)
	}
	return v, nil
}

// versionLine matches the first line of `runc --version` and
// `crun --version`: "<name> version <version>".
var versionLine = regexp.MustCompile(`(?m)^\S+ version (\S+)`)

func parseVersion(out string) string {
	m := versionLine.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// validID is what a container id may be: it names a directory.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func checkID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("oci runtime: container id %q is invalid: use 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit", id)
	}
	return nil
}

// dir is the state directory of container id.
func (r *Runtime) dir(id string) string { return filepath.Join(r.cfg.StateDir, id) }

// callCtx bounds one runtime call.
func (r *Runtime) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.CallTimeout)
}
