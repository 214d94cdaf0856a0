//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// Bounds on process lifecycle steps.
const (
	agentStartTimeout = 30 * time.Second // until the HTTP port answers
	agentStopGrace    = 10 * time.Second // SIGTERM to exit, before SIGKILL
	agentKillTimeout  = 10 * time.Second // SIGKILL to exit
	logTailLines      = 60
)

// nomadishBin returns the absolute path of the binary under test, from
// NOMADISH_BIN or ../bin/nomadish, and fails the test if it is missing.
func nomadishBin(t testing.TB) string {
	t.Helper()
	p := os.Getenv("NOMADISH_BIN")
	if p == "" {
		p = filepath.Join("..", "bin", "nomadish")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("NOMADISH_BIN %q: %v", p, err)
	}
	if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
		t.Fatalf("no nomadish binary at %s (NOMADISH_BIN=%q): build it with `go build -o bin/nomadish .` or run `make e2e`", abs, os.Getenv("NOMADISH_BIN"))
	}
	return abs
}

// serverOpts describe one agent to start.
type serverOpts struct {
	// Dev starts `nomadish agent -dev -bind=127.0.0.1` with a config file
	// that sets only name and ports; the other fields are ignored.
	Dev bool

	Region          string // default "global"
	Datacenter      string // default "dc1"
	BootstrapExpect int    // default 3

	// RetryJoin are the serf LAN addresses of the other servers.
	RetryJoin []string

	// Ports are used if set, else allocated.
	Ports agentPorts
	// DNS is the agent's DNS port (ports.dns); 0 leaves the default.
	DNS int
	// Bind is the loopback address the agent binds and is reached at
	// (default 127.0.0.1): agents on addresses of their own can be cut
	// apart with iptables.
	Bind string

	// Client also runs a client in the server agent; ClientOnly runs a
	// client and no server, registering with ClientServers (RPC
	// addresses). Both keep the client's data under the agent's data dir.
	Client        bool
	ClientOnly    bool
	ClientServers []string
	// ClientExtra goes inside the client block.
	ClientExtra string

	// Extra is HCL appended to the agent's config file as it is;
	// ServerExtra goes inside its server block.
	Extra       string
	ServerExtra string
}

// agentProc is one agent: its configuration on disk and, while it runs,
// its process. Restarts reuse the configuration and data dir.
type agentProc struct {
	t      testing.TB
	bin    string
	name   string
	idx    int
	opts   serverOpts
	dir    string
	config string
	log    string
	ports  agentPorts

	mu      sync.Mutex // guards the fields below
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	exitErr error         // cmd.Wait's result, once done is closed
	reaped  bool          // stop has killed what was left of cmd's process group
	starts  int
}

// startServer writes the agent config for server name (the idx-th of its
// cluster) into a temporary directory, starts `nomadish agent
// -config=FILE` and waits until its HTTP port answers. The process is
// stopped (SIGTERM, then SIGKILL) when the test ends, and its log tail is
// printed if the test failed. A start that fails because a port was taken
// in the meantime is retried with fresh ports.
func startServer(t testing.TB, name string, idx int, opts serverOpts) *agentProc {
	t.Helper()
	if opts.Region == "" {
		opts.Region = "global"
	}
	if opts.Datacenter == "" {
		opts.Datacenter = "dc1"
	}
	if opts.BootstrapExpect == 0 {
		opts.BootstrapExpect = 3
	}
	dir := t.TempDir()
	a := &agentProc{
		t:      t,
		bin:    nomadishBin(t),
		name:   name,
		idx:    idx,
		opts:   opts,
		dir:    dir,
		config: filepath.Join(dir, "agent.hcl"),
		log:    filepath.Join(dir, name+".log"),
		ports:  opts.Ports,
	}
	if a.ports == (agentPorts{}) {
		a.ports = newAgentPorts(t)
	}
	// Registered before the first start and after t.TempDir, so it runs
	// before the directory is removed.
	t.Cleanup(a.cleanup)

	const attempts = 3
	for i := 1; ; i++ {
		a.writeConfig()
		err := a.start()
		if err == nil {
			return a
		}
		if i < attempts && a.portCollision() {
			t.Logf("%s: a port was taken (%s), retrying with fresh ports", name, a.ports)
			a.ports = newAgentPorts(t)
			continue
		}
		t.Fatalf("start %s: %v\n%s", name, err, a.logTail())
	}
}

func (a *agentProc) writeConfig() {
	a.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name      = %q\n", a.name)
	fmt.Fprintf(&b, "bind_addr = %q\n", a.host())
	fmt.Fprintf(&b, "log_level = \"DEBUG\"\n")
	// pprof under /debug/pprof/, so that a slow run can be profiled.
	fmt.Fprintf(&b, "enable_debug = true\n")
	if !a.opts.Dev {
		fmt.Fprintf(&b, "region     = %q\n", a.opts.Region)
		fmt.Fprintf(&b, "datacenter = %q\n", a.opts.Datacenter)
		fmt.Fprintf(&b, "data_dir   = %q\n", filepath.Join(a.dir, "data"))
	}
	dns := ""
	if a.opts.DNS > 0 {
		dns = fmt.Sprintf("  dns      = %d\n", a.opts.DNS)
	}
	fmt.Fprintf(&b, "\nports {\n  http     = %d\n  rpc      = %d\n  serf     = %d\n  serf_wan = %d\n%s}\n",
		a.ports.HTTP, a.ports.RPC, a.ports.Serf, a.ports.SerfWAN, dns)
	if a.opts.Client || a.opts.ClientOnly {
		servers := a.opts.ClientServers
		if len(servers) == 0 && !a.opts.ClientOnly {
			servers = []string{a.rpcAddr()}
		}
		fmt.Fprintf(&b, "\nclient {\n  enabled = true\n  servers = [%s]\n%s}\n", quoteAll(servers), a.opts.ClientExtra)
	}
	if !a.opts.Dev && !a.opts.ClientOnly {
		quoted := make([]string, len(a.opts.RetryJoin))
		for i, j := range a.opts.RetryJoin {
			quoted[i] = fmt.Sprintf("%q", j)
		}
		fmt.Fprintf(&b, "\nserver {\n  enabled          = true\n  bootstrap_expect = %d\n%s\n", a.opts.BootstrapExpect, a.opts.ServerExtra)
		fmt.Fprintf(&b, "  server_join {\n    retry_join     = [%s]\n    retry_interval = \"1s\"\n  }\n}\n", strings.Join(quoted, ", "))
	}
	b.WriteString("\n" + a.opts.Extra + "\n")
	if err := os.WriteFile(a.config, []byte(b.String()), 0o644); err != nil {
		a.t.Fatalf("write %s config: %v", a.name, err)
	}
}

func quoteAll(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(quoted, ", ")
}

func (a *agentProc) args() []string {
	if a.opts.Dev {
		return []string{"agent", "-dev", "-bind=" + a.host(), "-config=" + a.config}
	}
	return []string{"agent", "-config=" + a.config}
}

// start runs the agent and waits until its HTTP API answers or it exits.
func (a *agentProc) start() error {
	a.mu.Lock()
	if a.done != nil {
		select {
		case <-a.done:
		default:
			a.mu.Unlock()
			return fmt.Errorf("%s is already running (pid %d)", a.name, a.cmd.Process.Pid)
		}
	}
	a.starts++
	logf, err := os.OpenFile(a.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		a.mu.Unlock()
		return fmt.Errorf("open log: %w", err)
	}
	fmt.Fprintf(logf, "=== e2e: start #%d of %s at %s: %s %s (%s)\n", a.starts, a.name,
		time.Now().Format(time.RFC3339Nano), a.bin, strings.Join(a.args(), " "), a.ports)
	cmd := exec.Command(a.bin, a.args()...)
	cmd.Dir = a.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = agentSysProcAttr()
	// The agent must not pick up an address meant for the CLI.
	cmd.Env = append(os.Environ(), "NOMADISH_ADDR=")
	if err := cmd.Start(); err != nil {
		logf.Close()
		a.mu.Unlock()
		return fmt.Errorf("exec %s: %w", a.bin, err)
	}
	done := make(chan struct{})
	a.cmd, a.done, a.exitErr, a.reaped = cmd, done, nil, false
	a.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		a.mu.Lock()
		a.exitErr = err
		a.mu.Unlock()
		close(done)
	}()

	// /v1/agent/self is answered locally, so it answers before the
	// region has a leader; any status means the HTTP API is up.
	hc := &http.Client{Timeout: 2 * time.Second}
	ok, last, _ := poll(agentStartTimeout, 100*time.Millisecond, func() (bool, string) {
		select {
		case <-done:
			return true, "exited"
		default:
		}
		resp, err := hc.Get(a.httpAddr() + "/v1/agent/self")
		if err != nil {
			return false, fmt.Sprintf("HTTP not answering: %v", err)
		}
		resp.Body.Close()
		return true, ""
	})
	select {
	case <-done:
		return fmt.Errorf("agent exited during start: %v", a.exitError())
	default:
	}
	if !ok {
		return fmt.Errorf("HTTP API at %s did not answer within %s: %s", a.httpAddr(), agentStartTimeout, last)
	}
	return nil
}

// restart starts the agent again with the same config and data dir.
func (a *agentProc) restart() {
	a.t.Helper()
	if err := a.start(); err != nil {
		a.t.Fatalf("restart %s: %v\n%s", a.name, err, a.logTail())
	}
}

// kill9 sends SIGKILL to the agent and waits for it to exit.
func (a *agentProc) kill9() {
	a.t.Helper()
	a.mu.Lock()
	cmd, done := a.cmd, a.done
	a.mu.Unlock()
	if cmd == nil {
		a.t.Fatalf("kill -9 %s: never started", a.name)
	}
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); err != nil {
		a.t.Fatalf("kill -9 %s (pid %d): %v", a.name, cmd.Process.Pid, err)
	}
	select {
	case <-done:
	case <-time.After(agentKillTimeout):
		a.t.Fatalf("%s (pid %d) still running %s after SIGKILL", a.name, cmd.Process.Pid, agentKillTimeout)
	}
}

// running reports whether the agent's process has been started and not
// exited.
func (a *agentProc) running() bool {
	a.mu.Lock()
	done := a.done
	a.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// pid is the process id of the agent's latest start, or 0.
func (a *agentProc) pid() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd == nil {
		return 0
	}
	return a.cmd.Process.Pid
}

func (a *agentProc) exitError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exitErr
}

// stop sends SIGTERM, waits a bounded time, then SIGKILLs; then it kills
// whatever is left of the agent's process group (plugin processes).
func (a *agentProc) stop() {
	a.mu.Lock()
	cmd, done, reaped := a.cmd, a.done, a.reaped
	a.reaped = true
	a.mu.Unlock()
	if cmd == nil || reaped {
		return
	}
	pid := cmd.Process.Pid
	select {
	case <-done:
	default:
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(agentStopGrace):
			a.t.Logf("%s (pid %d) still running %s after SIGTERM; sending SIGKILL", a.name, pid, agentStopGrace)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			select {
			case <-done:
			case <-time.After(agentKillTimeout):
				a.t.Errorf("%s (pid %d) still running %s after SIGKILL", a.name, pid, agentKillTimeout)
			}
		}
	}
	// The group id is the agent's pid (Setpgid); the kernel does not reuse
	// it while any member lives, so this reaches only the agent's children.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

func (a *agentProc) cleanup() {
	a.stop()
	// Plugins of an earlier start (another process group) and log
	// processes (their own sessions) outlive the agent by design; they
	// are found by the agent's directory in their command line or
	// environment.
	for _, pid := range straysUnder(a.dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	reapContainersUnder(a.dir)
	// A recovered panic kept the agent alive, but it is a bug, whichever
	// scenario met it.
	if b, err := os.ReadFile(a.log); err == nil {
		if i := bytes.Index(b, []byte("recovered panic")); i >= 0 {
			a.t.Errorf("%s logged a recovered panic:\n%s", a.name, b[i:min(len(b), i+2000)])
		}
	}
	if a.t.Failed() {
		a.t.Logf("%s (%s, config %s) log tail:\n%s", a.name, a.ports, a.config, a.logTail())
	}
}

// portCollision reports whether the last run died because an address was
// in use.
func (a *agentProc) portCollision() bool {
	b, _ := os.ReadFile(a.log)
	i := bytes.LastIndex(b, []byte("=== e2e: start #"))
	if i < 0 {
		i = 0
	}
	return bytes.Contains(b[i:], []byte("address already in use"))
}

// logTail returns the last lines of the agent's log.
func (a *agentProc) logTail() string {
	b, err := os.ReadFile(a.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return "    | " + strings.Join(lines, "\n    | ")
}

func (a *agentProc) httpAddr() string { return fmt.Sprintf("http://%s:%d", a.host(), a.ports.HTTP) }
func (a *agentProc) rpcAddr() string  { return fmt.Sprintf("%s:%d", a.host(), a.ports.RPC) }
func (a *agentProc) serfAddr() string { return fmt.Sprintf("%s:%d", a.host(), a.ports.Serf) }
func (a *agentProc) wanAddr() string  { return fmt.Sprintf("%s:%d", a.host(), a.ports.SerfWAN) }

// host is the address the agent binds.
func (a *agentProc) host() string {
	if a.opts.Bind != "" {
		return a.opts.Bind
	}
	return "127.0.0.1"
}

// client returns an API client for the agent whose non-blocking requests
// give up after timeout.
func (a *agentProc) client(timeout time.Duration) *api.Client {
	a.t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.httpAddr(), Timeout: timeout})
	if err != nil {
		a.t.Fatalf("api client for %s: %v", a.name, err)
	}
	return c
}
