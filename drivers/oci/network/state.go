package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// maxStateSize bounds a state file read back from disk.
const maxStateSize = 1 << 20

// state is what a network's state file records: enough for Teardown to
// run DEL with the same conflist and arguments as ADD, after a restart.
type state struct {
	Network  Network         `json:"network"`
	Conflist json.RawMessage `json:"conflist"`

	// Added is false while ADD has not completed.
	Added bool `json:"added"`
}

func (m *Manager) statePath(id string) string {
	return filepath.Join(m.cfg.StateDir, "networks", id+".json")
}

// writeState replaces id's state file atomically.
func (m *Manager) writeState(st *state) error {
	path := m.statePath(st.Network.ID)
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode network state %s: %w", path, err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write network state %s: %w", tmp, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write network state %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync network state %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write network state %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename network state to %s: %w", path, err)
	}
	return nil
}

// readState reads id's state file; ErrNotFound when there is none.
func (m *Manager) readState(id string) (*state, error) {
	path := m.statePath(id)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no state for %q in %s", ErrNotFound, id, filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("read network state: %w", err)
	}
	defer f.Close()
	var st state
	dec := json.NewDecoder(&limitReader{f: f, n: maxStateSize})
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("read network state %s: %w", path, err)
	}
	if st.Network.ID != id {
		return nil, fmt.Errorf("read network state %s: it records id %q, not %q", path, st.Network.ID, id)
	}
	return &st, nil
}

func (m *Manager) removeState(id string) error {
	path := m.statePath(id)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove network state %s: %w", path, err)
	}
	return nil
}

// limitReader fails a read past n bytes, so an oversized file is an error
// rather than silently cut.
type limitReader struct {
	f *os.File
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("state file larger than %d bytes", maxStateSize)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.f.Read(p)
	l.n -= int64(k)
	return k, err
}
