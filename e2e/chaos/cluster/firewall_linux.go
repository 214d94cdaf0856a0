//go:build linux

package cluster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// firewall makes partitions between servers.
//
// Every agent binds its own 127.0.0.x address, but the agents dial each
// other without choosing a source address, so the kernel gives their
// connections the loopback route's source, 127.0.0.1: a rule on the
// source address (`-s A -d B`) would match nothing. What does tell the
// sender apart is its cgroup: each agent is started inside a cgroup v2 of
// its own (clone3 with CLONE_INTO_CGROUP, so no packet leaves it from
// elsewhere), and the kernel stamps every socket with the cgroup of the
// process that made it. A partition between A and B is then two rules in
// the OUTPUT path: what A's sockets send to B's address is dropped, and
// what B's sockets send to A's. That cuts both directions of both
// connections (A's dial of B and B's dial of A); only replies already in
// flight when the rules land can still arrive, as on a real network.
//
// The rules live in a chain of the harness's own, jumped to from OUTPUT,
// which Close flushes and deletes, as it removes the cgroups.
type firewall struct {
	chain   string
	cgRoot  string // the cgroup2 mount point
	cgGroup string // our directory under it, relative to cgRoot

	mu    sync.Mutex          // guards the fields below
	rules map[string][]string // partition key -> rules added
	fds   []int               // cgroup directories opened for starts
}

// errUnsupported is returned by preflight when the machine cannot make
// partitions; the message says why.
var errUnsupported = errors.New("cannot run the chaos suite here")

// preflight checks that partitions can be made: root, iptables with the
// cgroup match, a cgroup v2 hierarchy.
func preflight() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: partitions need root (iptables rules and cgroups), running as uid %d", errUnsupported, os.Geteuid())
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		return fmt.Errorf("%w: no iptables on PATH (apt-get install iptables)", errUnsupported)
	}
	if _, err := cgroup2Root(); err != nil {
		return fmt.Errorf("%w: %v", errUnsupported, err)
	}
	return nil
}

// cgroup2Root finds where the cgroup v2 hierarchy is mounted: at
// /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one.
func cgroup2Root() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ... mount-point ... - fstype source options
		line := sc.Text()
		i := strings.Index(line, " - ")
		if i < 0 {
			continue
		}
		fields, tail := strings.Fields(line[:i]), strings.Fields(line[i+3:])
		if len(fields) > 4 && len(tail) > 0 && tail[0] == "cgroup2" {
			return fields[4], nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup/unified)")
}

func newFirewall(run string) (*firewall, error) {
	root, err := cgroup2Root()
	if err != nil {
		return nil, err
	}
	fw := &firewall{
		// iptables chain names are at most 28 characters.
		chain:   "NMDCHAOS-" + run,
		cgRoot:  root,
		cgGroup: "nomadish-chaos-" + run,
		rules:   map[string][]string{},
	}
	if len(fw.chain) > 28 {
		fw.chain = fw.chain[:28]
	}
	if err := os.Mkdir(filepath.Join(root, fw.cgGroup), 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("create cgroup %s: %w", fw.cgGroup, err)
	}
	if err := ipt("-N", fw.chain); err != nil {
		fw.close()
		return nil, err
	}
	if err := ipt("-I", "OUTPUT", "-j", fw.chain); err != nil {
		fw.close()
		return nil, err
	}
	// The cgroup match needs the kernel's xt_cgroup; find out now rather
	// than at the first partition.
	probe := []string{fw.chain, "-m", "cgroup", "--path", fw.cgGroup, "-d", "127.0.0.254", "-j", "DROP"}
	if err := ipt(append([]string{"-A"}, probe...)...); err != nil {
		fw.close()
		return nil, fmt.Errorf("%w: iptables cannot match on a cgroup v2 path, which partitions need: %v", errUnsupported, err)
	}
	if err := ipt(append([]string{"-D"}, probe...)...); err != nil {
		fw.close()
		return nil, err
	}
	return fw, nil
}

func ipt(args ...string) error {
	out, err := exec.Command("iptables", append([]string{"-w"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func (fw *firewall) cgroupOf(a *Agent) string { return fw.cgGroup + "/" + a.Name }

// procAttr puts a start of a in its own process group, inside its cgroup,
// and has the kernel kill it if the test binary dies (a `go test -timeout`
// panic runs no cleanups).
func (fw *firewall) procAttr(a *Agent) (*syscall.SysProcAttr, error) {
	dir := filepath.Join(fw.cgRoot, fw.cgroupOf(a))
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("create cgroup of %s: %w", a.Name, err)
	}
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup of %s: %w", a.Name, err)
	}
	// The descriptor is needed only by the clone; it is kept until the
	// harness closes, one per start, a small and bounded number.
	fw.mu.Lock()
	fw.fds = append(fw.fds, fd)
	fw.mu.Unlock()
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, UseCgroupFD: true, CgroupFD: fd}, nil
}

// partition cuts a from b, both ways; heal removes the cut.
func (fw *firewall) partition(a, b *Agent) error {
	key := pairKey(a, b)
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if _, ok := fw.rules[key]; ok {
		return nil
	}
	var added [][]string
	for _, r := range [][]string{
		{"-m", "cgroup", "--path", fw.cgroupOf(a), "-d", b.IP, "-j", "DROP"},
		{"-m", "cgroup", "--path", fw.cgroupOf(b), "-d", a.IP, "-j", "DROP"},
	} {
		if err := ipt(append([]string{"-A", fw.chain}, r...)...); err != nil {
			for _, undo := range added {
				_ = ipt(append([]string{"-D", fw.chain}, undo...)...)
			}
			return err
		}
		added = append(added, r)
	}
	fw.rules[key] = flatten(added)
	return nil
}

func (fw *firewall) heal(a, b *Agent) error {
	key := pairKey(a, b)
	fw.mu.Lock()
	defer fw.mu.Unlock()
	flat, ok := fw.rules[key]
	if !ok {
		return nil
	}
	delete(fw.rules, key)
	var firstErr error
	for _, r := range unflatten(flat) {
		if err := ipt(append([]string{"-D", fw.chain}, r...)...); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func (fw *firewall) healAll() error {
	fw.mu.Lock()
	fw.rules = map[string][]string{}
	fw.mu.Unlock()
	return ipt("-F", fw.chain)
}

// close removes the chain and the cgroups; it is safe to call on a
// half-made firewall and more than once.
func (fw *firewall) close() {
	_ = ipt("-D", "OUTPUT", "-j", fw.chain)
	_ = ipt("-F", fw.chain)
	_ = ipt("-X", fw.chain)
	fw.mu.Lock()
	for _, fd := range fw.fds {
		_ = syscall.Close(fd)
	}
	fw.fds = nil
	fw.mu.Unlock()
	base := filepath.Join(fw.cgRoot, fw.cgGroup)
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if e.IsDir() {
			_ = syscall.Rmdir(filepath.Join(base, e.Name()))
		}
	}
	_ = syscall.Rmdir(base)
}

func pairKey(a, b *Agent) string {
	if a.Name > b.Name {
		a, b = b, a
	}
	return a.Name + "|" + b.Name
}

// flatten and unflatten keep a list of rules in one map value.
func flatten(rules [][]string) []string {
	var out []string
	for _, r := range rules {
		out = append(out, strconv.Itoa(len(r)))
		out = append(out, r...)
	}
	return out
}

func unflatten(flat []string) [][]string {
	var out [][]string
	for len(flat) > 0 {
		n, _ := strconv.Atoi(flat[0])
		out = append(out, flat[1:1+n])
		flat = flat[1+n:]
	}
	return out
}

// straysUnder lists the processes whose command line or environment
// mentions dir: what an agent started under its directory and left
// running (plugins of an earlier start, in another process group).
func straysUnder(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if err == nil && bytes.Contains(b, []byte(dir)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
