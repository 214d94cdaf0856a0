package cluster

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nomadish/nomadish/api"
)

// Bounds on one agent's lifecycle steps.
const (
	startTimeout = 30 * time.Second // until the HTTP port answers
	stopGrace    = 5 * time.Second  // SIGTERM to exit, before SIGKILL
	killTimeout  = 10 * time.Second // SIGKILL to exit
	logTailLines = 40
)

// The ports every agent listens on, each on its own 127.0.0.x address, so
// that they can be the same for every agent and never collide with the
// random ports of other tests on 127.0.0.1.
const (
	PortHTTP    = 24646
	PortRPC     = 24647
	PortSerf    = 24648
	PortSerfWAN = 24649
)

// Agent is one `nomadish agent` process of the cluster: its configuration
// and data directory on disk and, while it runs, its process.
type Agent struct {
	Name   string
	IP     string // its own loopback address, 127.0.0.x
	Server bool   // a server (else a client-only agent)

	c      *Cluster
	dir    string // holds config, log and data
	config string
	log    string

	mu      sync.Mutex // guards the fields below
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	exitErr error
	paused  bool
	starts  int
	wipes   int // how often its data dir was replaced
	pids    []int
}

// HTTPAddr is the agent's HTTP API address.
func (a *Agent) HTTPAddr() string { return fmt.Sprintf("http://%s:%d", a.IP, PortHTTP) }

// RPCAddr is the agent's RPC (and Raft) address, host:port.
func (a *Agent) RPCAddr() string { return fmt.Sprintf("%s:%d", a.IP, PortRPC) }

// SerfAddr is the agent's LAN gossip address.
func (a *Agent) SerfAddr() string { return fmt.Sprintf("%s:%d", a.IP, PortSerf) }

// DataDir is the agent's data dir.
func (a *Agent) DataDir() string { return filepath.Join(a.dir, "data") }

// Client returns an API client for the agent whose requests give up after
// timeout.
func (a *Agent) Client(timeout time.Duration) *api.Client {
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Timeout: timeout})
	if err != nil {
		// NewClient fails only on an unparsable address, which ours never is.
		panic(fmt.Sprintf("api client for %s: %v", a.Name, err))
	}
	return c
}

func (a *Agent) writeConfig() error {
	var b strings.Builder
	fmt.Fprintf(&b, "name       = %q\n", a.Name)
	fmt.Fprintf(&b, "bind_addr  = %q\n", a.IP)
	fmt.Fprintf(&b, "log_level  = \"DEBUG\"\n")
	fmt.Fprintf(&b, "region     = \"global\"\n")
	fmt.Fprintf(&b, "datacenter = \"dc1\"\n")
	fmt.Fprintf(&b, "data_dir   = %q\n", a.DataDir())
	fmt.Fprintf(&b, "\nports {\n  http     = %d\n  rpc      = %d\n  serf     = %d\n  serf_wan = %d\n}\n",
		PortHTTP, PortRPC, PortSerf, PortSerfWAN)
	cfg := a.c.cfg
	if a.Server {
		var join []string
		for _, s := range a.c.Servers {
			if s != a {
				join = append(join, fmt.Sprintf("%q", s.SerfAddr()))
			}
		}
		// Short heartbeat TTLs, so that a client paused or killed for a
		// few seconds is marked down within the schedule and its
		// allocations replaced, which is what the end-state checks look at.
		fmt.Fprintf(&b, "\nserver {\n  enabled          = true\n  bootstrap_expect = %d\n", len(a.c.Servers))
		fmt.Fprintf(&b, "  min_heartbeat_ttl = %q\n  heartbeat_grace   = %q\n", cfg.HeartbeatTTL.String(), cfg.HeartbeatGrace.String())
		if cfg.FailoverHeartbeatTTL > 0 {
			fmt.Fprintf(&b, "  failover_heartbeat_ttl = %q\n", cfg.FailoverHeartbeatTTL.String())
		}
		fmt.Fprintf(&b, "  server_join {\n    retry_join     = [%s]\n    retry_interval = \"1s\"\n  }\n}\n", strings.Join(join, ", "))
	} else {
		var servers []string
		for _, s := range a.c.Servers {
			servers = append(servers, fmt.Sprintf("%q", s.RPCAddr()))
		}
		fmt.Fprintf(&b, "\nclient {\n  enabled = true\n  servers = [%s]\n}\n", strings.Join(servers, ", "))
	}
	return os.WriteFile(a.config, []byte(b.String()), 0o644)
}

// Start runs the agent and waits until its HTTP API answers or it exits.
func (a *Agent) Start() error {
	a.mu.Lock()
	if a.runningLocked() {
		a.mu.Unlock()
		return fmt.Errorf("%s is already running (pid %d)", a.Name, a.cmd.Process.Pid)
	}
	a.starts++
	logf, err := os.OpenFile(a.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		a.mu.Unlock()
		return fmt.Errorf("open log of %s: %w", a.Name, err)
	}
	fmt.Fprintf(logf, "=== chaos: start #%d of %s at %s\n", a.starts, a.Name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(a.c.cfg.Bin, "agent", "-config="+a.config)
	cmd.Dir = a.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	attr, err := a.c.fw.procAttr(a)
	if err != nil {
		logf.Close()
		a.mu.Unlock()
		return err
	}
	cmd.SysProcAttr = attr
	cmd.Env = append(os.Environ(), "NOMADISH_ADDR=")
	if err := cmd.Start(); err != nil {
		logf.Close()
		a.mu.Unlock()
		return fmt.Errorf("exec %s for %s: %w", a.c.cfg.Bin, a.Name, err)
	}
	done := make(chan struct{})
	a.cmd, a.done, a.exitErr, a.paused = cmd, done, nil, false
	a.pids = append(a.pids, cmd.Process.Pid)
	a.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		a.mu.Lock()
		a.exitErr = err
		a.mu.Unlock()
		close(done)
	}()

	// /v1/agent/self is answered locally, before the region has a leader.
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
	var last error
	for {
		select {
		case <-done:
			return fmt.Errorf("%s exited during start: %v\n%s", a.Name, a.exitError(), a.LogTail())
		default:
		}
		resp, err := hc.Get(a.HTTPAddr() + "/v1/agent/self")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("HTTP API of %s at %s did not answer within %s: %v\n%s", a.Name, a.HTTPAddr(), startTimeout, last, a.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *Agent) runningLocked() bool {
	if a.done == nil {
		return false
	}
	select {
	case <-a.done:
		return false
	default:
		return true
	}
}

// Running reports whether the agent's process runs (paused or not).
func (a *Agent) Running() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runningLocked()
}

// Paused reports whether the agent is stopped with SIGSTOP.
func (a *Agent) Paused() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.paused && a.runningLocked()
}

func (a *Agent) exitError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exitErr
}

// Kill sends SIGKILL to the agent (only the agent: the plugin processes
// of a client run on, as they do when an agent crashes) and waits for it
// to exit.
func (a *Agent) Kill() error {
	a.mu.Lock()
	cmd, done := a.cmd, a.done
	running := a.runningLocked()
	a.mu.Unlock()
	if !running {
		return fmt.Errorf("kill -9 %s: not running", a.Name)
	}
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %s (pid %d): %w", a.Name, cmd.Process.Pid, err)
	}
	select {
	case <-done:
		return nil
	case <-time.After(killTimeout):
		return fmt.Errorf("%s (pid %d) still running %s after SIGKILL", a.Name, cmd.Process.Pid, killTimeout)
	}
}

// Pause stops the agent's process with SIGSTOP; Resume continues it.
func (a *Agent) Pause() error  { return a.signal(syscall.SIGSTOP, true) }
func (a *Agent) Resume() error { return a.signal(syscall.SIGCONT, false) }

func (a *Agent) signal(sig syscall.Signal, paused bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.runningLocked() {
		return fmt.Errorf("signal %s to %s: not running", sig, a.Name)
	}
	if err := syscall.Kill(a.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("signal %s to %s (pid %d): %w", sig, a.Name, a.cmd.Process.Pid, err)
	}
	a.paused = paused
	return nil
}

// WipeData removes the agent's data dir, as a replaced disk would; the
// agent must not be running.
func (a *Agent) WipeData() error {
	if a.Running() {
		return fmt.Errorf("wipe data of %s: still running", a.Name)
	}
	a.mu.Lock()
	a.wipes++
	a.mu.Unlock()
	if err := os.RemoveAll(a.DataDir()); err != nil {
		return fmt.Errorf("wipe data of %s: %w", a.Name, err)
	}
	return nil
}

// stop ends the agent for good: SIGCONT (a stopped process cannot take
// SIGTERM), SIGTERM, a bounded wait, SIGKILL, then SIGKILL to the process
// group of every start (its plugin processes) and to what still names
// its directory.
func (a *Agent) stop() {
	a.mu.Lock()
	cmd, done, running := a.cmd, a.done, a.runningLocked()
	pids := append([]int(nil), a.pids...)
	a.mu.Unlock()
	if running {
		pid := cmd.Process.Pid
		_ = syscall.Kill(pid, syscall.SIGCONT)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(pid, syscall.SIGKILL)
			select {
			case <-done:
			case <-time.After(killTimeout):
			}
		}
	}
	// Each start's group id is that start's pid (Setpgid); the kernel does
	// not reuse a group id while a member lives, so this reaches only the
	// agent's own children.
	for _, pid := range pids {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	for _, pid := range straysUnder(a.dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// LogTail returns the last lines of the agent's log.
func (a *Agent) LogTail() string {
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

// LogPath is the agent's log file.
func (a *Agent) LogPath() string { return a.log }
