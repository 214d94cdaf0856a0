package pluginmanager

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func TestStateRoundTripIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "plugins.json")
	s, err := readState(path)
	if err != nil || len(s.Plugins) != 0 {
		t.Fatalf("missing file = %+v, %v; want an empty state", s, err)
	}
	s.Plugins["mock"] = &plugin.ReattachConfig{Protocol: "grpc", ProtocolVersion: 1, Network: "unix", Addr: "/tmp/x.sock", Pid: 42}
	if err := writeState(path, s); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	back, err := readState(path)
	if err != nil || *back.Plugins["mock"] != *s.Plugins["mock"] {
		t.Fatalf("read back %+v, %v", back.Plugins["mock"], err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestStateCorrupt(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not json", "{not json"},
		{"wrong version", `{"version": 9, "plugins": {}}`},
		{"no pid", `{"version": 1, "plugins": {"mock": {"network": "unix", "addr": "/x"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plugins.json")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := readState(path)
			if !errors.Is(err, ErrCorruptState) {
				t.Fatalf("err = %v, want ErrCorruptState", err)
			}
			if s == nil || len(s.Plugins) != 0 {
				t.Fatalf("state = %+v, want empty", s)
			}
		})
	}
}
