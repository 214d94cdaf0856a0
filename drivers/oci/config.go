package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nomadish/nomadish/drivers/oci/runtimespec"
)

// PluginDirEnv is the environment variable the client sets to the
// plugin's private data directory, the default data_dir.
const PluginDirEnv = "NOMADISH_PLUGIN_DIR"

// taskConfig is a task's config block as the client sends it: the JSON of
// the object ConfigSpec decodes to.
type taskConfig struct {
	Image          string        `json:"image"`
	Rootfs         string        `json:"rootfs"`
	Command        string        `json:"command"`
	Args           []string      `json:"args"`
	Entrypoint     []string      `json:"entrypoint"`
	WorkDir        string        `json:"work_dir"`
	Hostname       string        `json:"hostname"`
	ReadonlyRootfs bool          `json:"readonly_rootfs"`
	CapAdd         []string      `json:"cap_add"`
	CapDrop        []string      `json:"cap_drop"`
	NetworkMode    string        `json:"network_mode"`
	Privileged     bool          `json:"privileged"`
	Runtime        string        `json:"runtime"`
	Auth           *authConfig   `json:"auth"`
	Mounts         []mountConfig `json:"mount"`
	// ImagePullTimeout bounds a pull from a registry, as Nomad's docker
	// driver's option of the same name does; defaultPullTimeout if empty.
	ImagePullTimeout string `json:"image_pull_timeout"`

	pullTimeout time.Duration // parsed ImagePullTimeout
}

type authConfig struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type mountConfig struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Source   string `json:"source"`
	Readonly bool   `json:"readonly"`
}

// defaultPullTimeout bounds a pull when image_pull_timeout is unset, the
// default of Nomad's docker driver.
const defaultPullTimeout = 5 * time.Minute

// taskConfigKeys are the options of a task's config block, for errors.
const taskConfigKeys = "image, rootfs, command, args, entrypoint, work_dir, hostname, readonly_rootfs, cap_add, cap_drop, network_mode, privileged, runtime, auth, mount, image_pull_timeout"

func parseTaskConfig(b []byte) (*taskConfig, error) {
	c := &taskConfig{}
	if s := strings.TrimSpace(string(b)); s != "" && s != "null" {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("oci task config: %w (the options are: %s)", err, taskConfigKeys)
		}
	}
	switch {
	case c.Image != "" && c.Rootfs != "":
		return nil, errors.New(`oci task config: image and rootfs are both set: give either "image" (an OCI image reference) or "rootfs" (a directory in the task directory), not both`)
	case c.Image == "" && c.Rootfs == "":
		return nil, errors.New(`oci task config: image is required: give "image" (an OCI image reference such as "docker.io/library/alpine:3", "oci-layout:local/img" or "tarball:local/img.tar") or "rootfs" (a directory in the task directory such as "local/rootfs")`)
	}
	c.pullTimeout = defaultPullTimeout
	if c.ImagePullTimeout != "" {
		d, err := time.ParseDuration(c.ImagePullTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("oci task config: image_pull_timeout %q: want a positive duration such as \"5m\" or \"90s\"", c.ImagePullTimeout)
		}
		c.pullTimeout = d
	}
	switch c.NetworkMode {
	case "", "bridge", "host", "none":
	default:
		return nil, fmt.Errorf("oci task config: network_mode %q: want \"bridge\", \"host\" or \"none\"", c.NetworkMode)
	}
	for i, m := range c.Mounts {
		switch m.Type {
		case "", "bind", "tmpfs":
		default:
			return nil, fmt.Errorf("oci task config: mount[%d].type %q: want \"bind\" or \"tmpfs\"", i, m.Type)
		}
		if m.Target == "" {
			return nil, fmt.Errorf("oci task config: mount[%d].target is required: an absolute path in the container such as \"/data\"", i)
		}
	}
	return c, nil
}

// options is the task config as the spec builder takes it.
func (c *taskConfig) options(user string) runtimespec.TaskOptions {
	o := runtimespec.TaskOptions{
		Command:        c.Command,
		Args:           c.Args,
		Entrypoint:     c.Entrypoint,
		WorkDir:        c.WorkDir,
		User:           user,
		Hostname:       c.Hostname,
		ReadonlyRootfs: c.ReadonlyRootfs,
		Privileged:     c.Privileged,
		CapAdd:         c.CapAdd,
		CapDrop:        c.CapDrop,
		NetworkMode:    c.NetworkMode,
	}
	for _, m := range c.Mounts {
		typ := m.Type
		if typ == "" {
			typ = "bind"
		}
		o.Mounts = append(o.Mounts, runtimespec.Mount{Type: typ, Source: m.Source, Target: m.Target, Readonly: m.Readonly})
	}
	return o
}

// pluginConfig is the driver's plugin config block as JSON.
type pluginConfig struct {
	Runtime            string   `json:"runtime"`
	DataDir            string   `json:"data_dir"`
	AllowPrivileged    bool     `json:"allow_privileged"`
	AllowCaps          []string `json:"allow_caps"`
	AllowBindMounts    bool     `json:"allow_bind_mounts"`
	BindMountSources   []string `json:"bind_mount_sources"`
	InsecureRegistries []string `json:"insecure_registries"`
	ImageGCDelay       string   `json:"image_gc_delay"`
	MaxImageSize       *float64 `json:"max_image_size"`
	MaxLayers          *float64 `json:"max_layers"`
	CNIPath            []string `json:"cni_path"`
	BridgeName         string   `json:"bridge_name"`
	BridgeSubnet       string   `json:"bridge_subnet"`
	// PullActivityTimeout ends a pull when the registry sends nothing for
	// this long; image.DefaultActivityTimeout if empty.
	PullActivityTimeout string `json:"pull_activity_timeout"`

	gcDelay time.Duration // parsed ImageGCDelay; 0 is the store's default
	idle    time.Duration // parsed PullActivityTimeout; 0 is the store's default
}

// pluginConfigKeys are the options of the plugin config block, for errors.
const pluginConfigKeys = "runtime, data_dir, allow_privileged, allow_caps, allow_bind_mounts, bind_mount_sources, insecure_registries, image_gc_delay, max_image_size, max_layers, cni_path, bridge_name, bridge_subnet, pull_activity_timeout"

func parsePluginConfig(b []byte) (*pluginConfig, error) {
	c := &pluginConfig{}
	if s := strings.TrimSpace(string(b)); s != "" && s != "null" {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("oci plugin config: %w (the options are: %s)", err, pluginConfigKeys)
		}
	}
	if c.DataDir == "" {
		c.DataDir = os.Getenv(PluginDirEnv)
	}
	if c.DataDir == "" {
		return nil, fmt.Errorf("oci plugin config: data_dir is empty and %s is not set: give an absolute directory for images and container state", PluginDirEnv)
	}
	if !filepath.IsAbs(c.DataDir) {
		return nil, fmt.Errorf("oci plugin config: data_dir %q is relative: give an absolute path", c.DataDir)
	}
	c.DataDir = filepath.Clean(c.DataDir)
	if c.ImageGCDelay != "" {
		d, err := time.ParseDuration(c.ImageGCDelay)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("oci plugin config: image_gc_delay %q: want a positive duration such as \"1h\" or \"10m\"", c.ImageGCDelay)
		}
		c.gcDelay = d
	}
	if c.PullActivityTimeout != "" {
		d, err := time.ParseDuration(c.PullActivityTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("oci plugin config: pull_activity_timeout %q: want a positive duration such as \"2m\" or \"30s\"", c.PullActivityTimeout)
		}
		c.idle = d
	}
	for _, n := range []struct {
		name string
		v    *float64
	}{{"max_image_size", c.MaxImageSize}, {"max_layers", c.MaxLayers}} {
		if n.v != nil && (*n.v < 1 || *n.v != math.Trunc(*n.v) || *n.v > math.MaxInt64/2) {
			return nil, fmt.Errorf("oci plugin config: %s %v: want a positive whole number", n.name, *n.v)
		}
	}
	for i, s := range c.BindMountSources {
		if !filepath.IsAbs(s) {
			return nil, fmt.Errorf("oci plugin config: bind_mount_sources[%d] %q: want an absolute host directory", i, s)
		}
	}
	return c, nil
}

func (c *pluginConfig) policy() runtimespec.Policy {
	return runtimespec.Policy{
		AllowCaps:          c.AllowCaps,
		AllowPrivileged:    c.AllowPrivileged,
		AllowBindMounts:    c.AllowBindMounts,
		AllowedBindSources: c.BindMountSources,
	}
}

func (c *pluginConfig) maxImageSize() int64 {
	if c.MaxImageSize == nil {
		return 0
	}
	return int64(*c.MaxImageSize)
}

func (c *pluginConfig) maxLayers() int {
	if c.MaxLayers == nil {
		return 0
	}
	return int(*c.MaxLayers)
}
