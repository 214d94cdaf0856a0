package pluginmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// stateVersion is the version of the state file's layout.
const stateVersion = 1

// ErrCorruptState is returned by readState for a state file that exists
// but cannot be read as one; the manager then launches every plugin fresh.
var ErrCorruptState = errors.New("plugin state file is corrupt")

// state is the state file: how to reach each running plugin by driver.
type state struct {
	Version int                               `json:"version"`
	Plugins map[string]*plugin.ReattachConfig `json:"plugins"`
}

// readState reads the state file at path. A missing file is an empty
// state; one that is not valid is ErrCorruptState.
func readState(path string) (*state, error) {
	empty := &state{Version: stateVersion, Plugins: map[string]*plugin.ReattachConfig{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, fmt.Errorf("read plugin state %s: %w", path, err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return empty, fmt.Errorf("%w: %s: %w", ErrCorruptState, path, err)
	}
	if s.Version != stateVersion {
		return empty, fmt.Errorf("%w: %s: version %d, want %d", ErrCorruptState, path, s.Version, stateVersion)
	}
	for name, rc := range s.Plugins {
		if rc == nil || rc.Pid <= 0 || rc.Addr == "" {
			return empty, fmt.Errorf("%w: %s: plugin %q has no pid or address", ErrCorruptState, path, name)
		}
	}
	if s.Plugins == nil {
		s.Plugins = map[string]*plugin.ReattachConfig{}
	}
	return &s, nil
}

// writeState replaces the state file at path atomically: it writes a
// temporary file (mode 0600) in the same directory, syncs it and renames
// it over the old one, so a crash leaves either the old or the new state.
func writeState(path string, s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plugin state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write plugin state %s: %w", path, err)
	}
	ok = true
	return nil
}
