package image

import (
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is an image in the store, unpacked.
type Image struct {
	// ID keys the image in the store: its manifest digest, or its config
	// digest when it came from a docker tarball, which has no manifest.
	ID string `json:"id"`

	// Ref is the reference the image was first pulled or loaded as.
	Ref string `json:"ref"`

	// Digest is the manifest digest ("sha256:…"); empty for docker tarballs.
	Digest string `json:"digest,omitempty"`

	// ConfigDigest is the digest of the image config.
	ConfigDigest string `json:"config_digest"`

	// Platform is "os/arch[/variant]" from the image config.
	Platform string `json:"platform"`

	Config ImageConfig `json:"config"`

	// RootFS is the unpacked root filesystem. Read-only: mount it, never
	// write into it.
	RootFS string `json:"-"`

	// Blobs lists the digests of the blobs the image is made of.
	Blobs []string `json:"blobs"`
}

// ImageConfig is the part of an image config a container is built from.
type ImageConfig struct {
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	User         string            `json:"user,omitempty"`
	WorkingDir   string            `json:"working_dir,omitempty"`
	ExposedPorts []string          `json:"exposed_ports,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	StopSignal   string            `json:"stop_signal,omitempty"`
}

func imageConfigOf(cf *v1.ConfigFile) ImageConfig {
	c := cf.Config
	ic := ImageConfig{
		Entrypoint: c.Entrypoint,
		Cmd:        c.Cmd,
		Env:        c.Env,
		User:       c.User,
		WorkingDir: c.WorkingDir,
		Labels:     c.Labels,
		StopSignal: c.StopSignal,
	}
	for p := range c.ExposedPorts {
		ic.ExposedPorts = append(ic.ExposedPorts, p)
	}
	sort.Strings(ic.ExposedPorts)
	return ic
}

func platformOf(cf *v1.ConfigFile) string {
	p := cf.OS + "/" + cf.Architecture
	if cf.Variant != "" {
		p += "/" + cf.Variant
	}
	return p
}
