package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/hashicorp/go-hclog"
)

// Manager sets up and tears down the bridge networks of containers. It is
// safe for concurrent use; calls for the same id are serialized.
type Manager struct {
	cfg      Config
	conflist []byte
	cni      *libcni.CNIConfig
	logger   hclog.Logger

	mu    sync.Mutex           // guards locks
	locks map[string]*lockedID // ids with a call in progress
}

type lockedID struct {
	mu   sync.Mutex
	refs int
}

// New validates cfg and creates its directories. It does not look for the
// plugins; Check does.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{
		cfg.StateDir,
		filepath.Join(cfg.StateDir, "networks"),
		filepath.Join(cfg.StateDir, "cache"),
		filepath.Join(cfg.StateDir, "ipam"),
		cfg.NetNSDir,
	} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create network state directory: %w", err)
		}
	}
	conf, err := conflist(cfg)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger.Named("network")
	exec := &invoke.DefaultExec{
		RawExec:       &invoke.RawExec{Stderr: logger.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug})},
		PluginDecoder: version.PluginDecoder{},
	}
	return &Manager{
		cfg:      cfg,
		conflist: conf,
		cni:      libcni.NewCNIConfigWithCacheDir(cfg.CNIPath, filepath.Join(cfg.StateDir, "cache"), exec),
		logger:   logger,
		locks:    make(map[string]*lockedID),
	}, nil
}

// Setup gives container id a new network namespace on the bridge, with
// ports forwarded from the host. It returns ErrExists when id already has
// a network, ErrInvalidID or ErrInvalidPort for bad arguments, and ErrCNI
// with the plugin's message when a plugin fails; on failure it undoes what
// it did.
func (m *Manager) Setup(ctx context.Context, id string, ports []PortMapping) (*Network, error) {
	if err := validateID(id); err != nil {
		return nil, err
	}
	ports, err := normalizePorts(ports)
	if err != nil {
		return nil, err
	}
	unlock := m.lock(id)
	defer unlock()

	if _, err := m.readState(id); err == nil {
		return nil, fmt.Errorf("%w: %q: tear it down first", ErrExists, id)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()

	st := &state{
		Network: Network{
			ID:        id,
			NetNSPath: filepath.Join(m.cfg.NetNSDir, id),
			Interface: ContainerIfName,
			Ports:     ports,
		},
		Conflist: m.conflist,
	}
	// The state goes to disk before anything exists, so that a Teardown
	// after a crash in the middle of Setup finds what to undo.
	if err := m.writeState(st); err != nil {
		return nil, err
	}
	if err := createNetNS(st.Network.NetNSPath); err != nil {
		_ = m.removeState(id)
		return nil, fmt.Errorf("set up network %q: %w", id, err)
	}
	list, err := parseConflist(st.Conflist)
	if err != nil {
		m.undo(st)
		return nil, err
	}
	res, err := m.addChain(ctx, list, m.runtimeConf(st))
	if err == nil {
		err = st.Network.fromResult(res)
	}
	if err != nil {
		m.undo(st)
		return nil, fmt.Errorf("%w: set up network %q in %s: %w", ErrCNI, id, st.Network.NetNSPath, contextErr(ctx, err))
	}
	st.Added = true
	if err := m.writeState(st); err != nil {
		m.undo(st)
		return nil, err
	}
	m.logger.Debug("network set up", "id", id, "ip", st.Network.IP, "netns", st.Network.NetNSPath, "ports", len(ports))
	n := st.Network
	return &n, nil
}

// minUndoTimeout is the least time undo gives the plugins' DEL: a Setup
// that failed by running out of its own time must still be taken apart,
// or its namespace and rules are left behind.
const minUndoTimeout = 10 * time.Second

// undo reverses a failed Setup as far as it can; failures are logged, the
// Setup error is what the caller sees.
func (m *Manager) undo(st *state) {
	ctx, cancel := context.WithTimeout(context.Background(), max(m.cfg.Timeout, minUndoTimeout))
	defer cancel()
	if err := m.teardownLocked(ctx, st); err != nil {
		m.logger.Warn("undo failed network setup", "id", st.Network.ID, "error", err)
	}
}

// Get returns the network recorded for id, e.g. to re-attach a container
// after a restart; ErrNotFound when there is none.
func (m *Manager) Get(id string) (*Network, error) {
	if err := validateID(id); err != nil {
		return nil, err
	}
	unlock := m.lock(id)
	defer unlock()
	st, err := m.readState(id)
	if err != nil {
		return nil, err
	}
	if !st.Added {
		return nil, fmt.Errorf("%w: network %q was never completely set up", ErrNotFound, id)
	}
	n := st.Network
	return &n, nil
}

// Teardown removes container id's network: CNI DEL with the conflist and
// ports Setup used (addresses, veth, iptables rules), then the network
// namespace and the state. It is idempotent: an id with no network is not
// an error. When DEL fails the state is kept so a later Teardown retries.
func (m *Manager) Teardown(ctx context.Context, id string) error {
	if err := validateID(id); err != nil {
		return err
	}
	unlock := m.lock(id)
	defer unlock()
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()

	st, err := m.readState(id)
	if errors.Is(err, ErrNotFound) {
		// Nothing recorded; a pin left by a crash before the state was
		// written cannot exist (the state is written first), but a stray
		// file of the same name is removed all the same.
		return removeNetNS(filepath.Join(m.cfg.NetNSDir, id))
	}
	if err != nil {
		return err
	}
	return m.teardownLocked(ctx, st)
}

func (m *Manager) teardownLocked(ctx context.Context, st *state) error {
	id := st.Network.ID
	list, err := parseConflist(st.Conflist)
	if err != nil {
		return fmt.Errorf("tear down network %q: %w", id, err)
	}
	rt := m.runtimeConf(st)
	lost := !isNetNS(rt.NetNS)
	if lost {
		// Gone, e.g. after a reboot: the plugins release what lives
		// outside the namespace when given none.
		rt.NetNS = ""
	}
	if err := m.cni.DelNetworkList(ctx, list, rt); err != nil {
		return fmt.Errorf("%w: tear down network %q: %w", ErrCNI, id, contextErr(ctx, err))
	}
	if lost {
		if err := m.removeMasquerade(ctx, id, st.Network.IP); err != nil {
			return fmt.Errorf("tear down network %q: %w", id, err)
		}
	}
	if err := removeNetNS(st.Network.NetNSPath); err != nil {
		return fmt.Errorf("tear down network %q: %w", id, err)
	}
	if err := m.removeState(id); err != nil {
		return fmt.Errorf("tear down network %q: %w", id, err)
	}
	m.logger.Debug("network torn down", "id", id, "ip", st.Network.IP)
	return nil
}

// addChain runs ADD of list's plugins in order, each given the result of
// the one before, as libcni's AddNetworkList does, but one plugin per call
// so that libcni caches the result after every plugin. libcni caches only
// at the end of a chain, so after a failure in the middle the DEL that
// undoes it would run without a prevResult, and plugins that need one
// (firewall) would leave their rules behind. The last cached result is
// that of the whole chain, which is what DelNetworkList reads.
func (m *Manager) addChain(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) (types.Result, error) {
	var prev types.Result
	for _, plugin := range list.Plugins {
		conf := plugin
		if prev != nil {
			var err error
			conf, err = libcni.InjectConf(plugin, map[string]interface{}{"prevResult": prev})
			if err != nil {
				return nil, fmt.Errorf("pass the result on to plugin %s: %w", plugin.Network.Type, err)
			}
		}
		step := &libcni.NetworkConfigList{
			Name:       list.Name,
			CNIVersion: list.CNIVersion,
			Plugins:    []*libcni.NetworkConfig{conf},
			Bytes:      list.Bytes,
		}
		res, err := m.cni.AddNetworkList(ctx, step, rt)
		if err != nil {
			return nil, err
		}
		prev = res
	}
	if prev == nil {
		return nil, fmt.Errorf("conflist %s has no plugins", list.Name)
	}
	return prev, nil
}

func (m *Manager) runtimeConf(st *state) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{
		ContainerID:    st.Network.ID,
		NetNS:          st.Network.NetNSPath,
		IfName:         st.Network.Interface,
		CapabilityArgs: capabilityArgs(st.Network.Ports),
	}
}

// lock serializes calls for one id; it returns the unlock function.
func (m *Manager) lock(id string) func() {
	m.mu.Lock()
	l, ok := m.locks[id]
	if !ok {
		l = &lockedID{}
		m.locks[id] = l
	}
	l.refs++
	m.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		m.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(m.locks, id)
		}
		m.mu.Unlock()
	}
}

// contextErr names the deadline when ctx ended the call.
func contextErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%w)", err, ctxErr)
	}
	return err
}
