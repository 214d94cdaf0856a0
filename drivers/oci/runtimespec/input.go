package runtimespec

// ImageConfig is what the image's config says about how to run it.
type ImageConfig struct {
	Entrypoint []string
	Cmd        []string
	Env        []string // KEY=value
	User       string
	WorkingDir string
}

// TaskOptions is the task's `config` block as far as the spec is concerned.
type TaskOptions struct {
	Command        string
	Args           []string
	Entrypoint     []string
	WorkDir        string
	User           string
	Hostname       string
	ReadonlyRootfs bool
	Privileged     bool
	CapAdd         []string
	CapDrop        []string
	Mounts         []Mount
	NetworkMode    string // "", "bridge", "none" or "host"
}

// Mount is one `mount` block of the task config.
type Mount struct {
	Type     string // "bind" or "tmpfs"
	Source   string // host path for bind; unused for tmpfs
	Target   string // absolute path in the container
	Readonly bool
	SizeMB   int64 // tmpfs only; 0 means DefaultTmpfsMB
}

// HostVolume is a host directory bound at Target in the container.
type HostVolume struct {
	Source   string // absolute host path
	Target   string // absolute path in the container
	Readonly bool
}

// Policy is what the plugin config allows tasks to ask for.
type Policy struct {
	// AllowCaps lists the capabilities cap_add may add (names as in
	// capabilities(7), with or without CAP_, or "ALL"). Empty means
	// DefaultCaps.
	AllowCaps []string
	// AllowPrivileged lets a task set privileged.
	AllowPrivileged bool
	// AllowBindMounts lets a task use bind mount blocks, whose sources must
	// lie under one of AllowedBindSources (absolute host directories).
	AllowBindMounts    bool
	AllowedBindSources []string
	// SeccompProfile is "" for DefaultSeccomp, "unconfined" for none, or the
	// absolute path of a JSON file holding an OCI LinuxSeccomp object.
	SeccompProfile string
}

// Input is everything Build needs for one task.
type Input struct {
	ID     string // the container's ID; also the default hostname (first 12 characters)
	Image  ImageConfig
	Task   TaskOptions
	Policy Policy

	// Rootfs is the container's root file system on the host (the writable
	// layer's merged directory); the image's /etc/passwd and /etc/group are
	// read from it.
	Rootfs string

	// TaskDir is the task's directory; the three below are mounted at
	// /local, /secrets and /alloc when set.
	TaskDir    string
	LocalDir   string
	SecretsDir string
	AllocDir   string

	// Env is the task's environment (NOMAD_* and the env block), overlaid on
	// the image's.
	Env map[string]string

	MemoryMB    int64 // soft limit; also the hard limit when MemoryMaxMB is 0
	MemoryMaxMB int64 // hard limit
	CPUShares   int64 // from the task's cpu; 0 leaves the runtime default
	PidsLimit   int64 // 0 means DefaultPidsLimit

	CgroupsPath string // passed to the runtime as linux.cgroupsPath
	NetNSPath   string // a network namespace prepared by the driver (CNI)

	// HostVolumes are the client's host volumes the task mounts
	// (volume_mount blocks, resolved by the client). They come from the
	// operator's client config, so Policy does not gate them, but their
	// targets obey the same rules as a mount block's.
	HostVolumes []HostVolume

	// HostsPath, ResolvConfPath and HostnamePath are files on the host
	// bind-mounted (read-only) at /etc/hosts, /etc/resolv.conf and
	// /etc/hostname when set; WriteEtcFiles writes them.
	HostsPath      string
	ResolvConfPath string
	HostnamePath   string
}
