package wasm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// taskConfig is a task's config block as the client sends it: the JSON of
// the object ConfigSpec decodes to.
type taskConfig struct {
	Module      string            `json:"module"`
	Args        []string          `json:"args"`
	Entrypoint  string            `json:"entrypoint"`
	Env         map[string]string `json:"env"`
	Mounts      []mountConfig     `json:"mounts"`
	MemoryLimit *float64          `json:"memory_limit"`
}

// mountConfig is one entry of `mounts`. ReadOnly is a pointer because an
// absent readonly means true.
type mountConfig struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly *bool  `json:"readonly"`
}

// defaultMounts are the guest paths the driver always mounts; a task's
// own mounts may not take them.
var defaultMounts = []string{"/local", "/alloc", "/secrets"}

func parseTaskConfig(b []byte) (*taskConfig, error) {
	c := &taskConfig{}
	if len(b) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("wasm task config: %w", err)
		}
	}
	if c.Module == "" {
		return nil, fmt.Errorf("wasm task config: module is required: a path in the task directory such as \"local/app.wasm\" or an https:// URL")
	}
	if c.Entrypoint == "" {
		c.Entrypoint = "_start"
	}
	if c.MemoryLimit != nil && *c.MemoryLimit <= 0 {
		return nil, fmt.Errorf("wasm task config: memory_limit must be a positive number of MB; got %v", *c.MemoryLimit)
	}
	seen := map[string]bool{}
	for _, t := range defaultMounts {
		seen[t] = true
	}
	for i, m := range c.Mounts {
		if m.Source == "" || m.Target == "" {
			return nil, fmt.Errorf("wasm task config: mounts[%d]: source and target are both required", i)
		}
		if !strings.HasPrefix(m.Target, "/") || path.Clean(m.Target) == "/" {
			return nil, fmt.Errorf("wasm task config: mounts[%d].target %q: want an absolute guest path other than \"/\", e.g. \"/data\"", i, m.Target)
		}
		t := path.Clean(m.Target)
		if seen[t] {
			return nil, fmt.Errorf("wasm task config: mounts[%d].target %q is already mounted (%s are the driver's own)", i, m.Target, strings.Join(defaultMounts, ", "))
		}
		seen[t] = true
		c.Mounts[i].Target = t
	}
	return c, nil
}

func (m mountConfig) readOnly() bool { return m.ReadOnly == nil || *m.ReadOnly }

// memoryLimitBytes is the task's linear memory ceiling: memory_limit, else
// the task's granted memory, else defaultMemoryMB.
func (c *taskConfig) memoryLimitBytes(resourcesMB int64) uint64 {
	mb := float64(defaultMemoryMB)
	switch {
	case c.MemoryLimit != nil:
		mb = *c.MemoryLimit
	case resourcesMB > 0:
		mb = float64(resourcesMB)
	}
	b := uint64(mb * (1 << 20))
	if b > maxLinearMemory {
		b = maxLinearMemory
	}
	return b
}

const (
	// defaultMemoryMB is the ceiling of a task with neither memory_limit
	// nor resources.memory, the job file's default for resources.memory.
	defaultMemoryMB = 300
	// maxLinearMemory is what a 32-bit Wasm memory can address.
	maxLinearMemory = 1 << 32
	// wasmPage is the size of a Wasm memory page.
	wasmPage = 1 << 16
)

// pluginConfig is the driver's plugin config block as JSON.
type pluginConfig struct {
	CacheDir string `json:"cache_dir"`
}

func parsePluginConfig(b []byte) (*pluginConfig, error) {
	c := &pluginConfig{}
	if s := strings.TrimSpace(string(b)); s == "" || s == "null" {
		return c, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("wasm plugin config: %w (the options are: cache_dir)", err)
	}
	return c, nil
}
