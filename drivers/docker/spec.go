package docker

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

var stringList = cty.List(cty.String)

// blockAttrs is a block whose attributes are free names of one type, such
// as `labels { team = "web" }`: the older form Nomad job files use for
// labels, ulimit, sysctl and port_map. Each of those options is accepted
// both as an attribute (`labels = { ... }`) and as such a block; the block
// decodes under the option's name with blockSuffix, and the driver merges
// the two (see config.go).
func blockAttrs(name string, t cty.Type) hcldec.Spec {
	return &hcldec.BlockAttrsSpec{TypeName: name, ElementType: t}
}

// blockSuffix marks the JSON key of the block form of an option.
const blockSuffix = "_block"

// ConfigSpec is the schema of a docker task's `config` block. Environment
// variables are not part of it: they belong to the task's `env` block.
var ConfigSpec hcldec.Spec = hcldec.ObjectSpec{
	"image":                  configspec.Required("image", cty.String),
	"command":                configspec.Attr("command", cty.String),
	"args":                   configspec.Attr("args", stringList),
	"entrypoint":             configspec.Attr("entrypoint", stringList),
	"ports":                  configspec.Attr("ports", stringList),
	"port_map":               configspec.Attr("port_map", cty.Map(cty.Number)),
	"port_map" + blockSuffix: blockAttrs("port_map", cty.Number),
	"volumes":                configspec.Attr("volumes", stringList),
	"volume_driver":          configspec.Attr("volume_driver", cty.String),
	"network_mode":           configspec.Attr("network_mode", cty.String),
	"network_aliases":        configspec.Attr("network_aliases", stringList),
	"hostname":               configspec.Attr("hostname", cty.String),
	"dns_servers":            configspec.Attr("dns_servers", stringList),
	"dns_search_domains":     configspec.Attr("dns_search_domains", stringList),
	"dns_options":            configspec.Attr("dns_options", stringList),
	"extra_hosts":            configspec.Attr("extra_hosts", stringList),
	"labels":                 configspec.Attr("labels", cty.Map(cty.String)),
	"labels" + blockSuffix:   blockAttrs("labels", cty.String),
	"privileged":             configspec.Attr("privileged", cty.Bool),
	"work_dir":               configspec.Attr("work_dir", cty.String),
	"force_pull":             configspec.Attr("force_pull", cty.Bool),
	"image_pull_timeout":     configspec.Duration("image_pull_timeout"),
	"cpu_hard_limit":         configspec.Attr("cpu_hard_limit", cty.Bool),
	"cpu_cfs_period":         configspec.Attr("cpu_cfs_period", cty.Number),
	"memory_hard_limit":      configspec.Attr("memory_hard_limit", cty.Number),
	"shm_size":               configspec.Attr("shm_size", cty.Number),
	"pids_limit":             configspec.Attr("pids_limit", cty.Number),
	"cap_add":                configspec.Attr("cap_add", stringList),
	"cap_drop":               configspec.Attr("cap_drop", stringList),
	"security_opt":           configspec.Attr("security_opt", stringList),
	"sysctl":                 configspec.Attr("sysctl", cty.Map(cty.String)),
	"sysctl" + blockSuffix:   blockAttrs("sysctl", cty.String),
	"ulimit":                 configspec.Attr("ulimit", cty.Map(cty.String)),
	"ulimit" + blockSuffix:   blockAttrs("ulimit", cty.String),
	"init":                   configspec.Attr("init", cty.Bool),
	"interactive":            configspec.Attr("interactive", cty.Bool),
	"tty":                    configspec.Attr("tty", cty.Bool),
	"ipc_mode":               configspec.Attr("ipc_mode", cty.String),
	"pid_mode":               configspec.Attr("pid_mode", cty.String),
	"userns_mode":            configspec.Attr("userns_mode", cty.String),
	"readonly_rootfs":        configspec.Attr("readonly_rootfs", cty.Bool),
	"load":                   configspec.Attr("load", cty.String),
	"auth_soft_fail":         configspec.Attr("auth_soft_fail", cty.Bool),
	"auth": configspec.Block("auth", hcldec.ObjectSpec{
		"username":       configspec.Attr("username", cty.String),
		"password":       configspec.Attr("password", cty.String),
		"email":          configspec.Attr("email", cty.String),
		"server_address": configspec.Attr("server_address", cty.String),
	}),
	"logging": configspec.Block("logging", hcldec.ObjectSpec{
		"type":                 configspec.Attr("type", cty.String),
		"driver":               configspec.Attr("driver", cty.String), // Nomad's deprecated name of type
		"config":               configspec.Attr("config", cty.Map(cty.String)),
		"config" + blockSuffix: blockAttrs("config", cty.String),
	}),
	"mount": configspec.Blocks("mount", mountSpec),
	// mounts is Nomad's deprecated list form of mount blocks, objects of
	// the same options; the driver checks them when the task starts.
	"mounts": configspec.Attr("mounts", cty.DynamicPseudoType),
	"healthchecks": configspec.Block("healthchecks", hcldec.ObjectSpec{
		"disable": configspec.Attr("disable", cty.Bool),
	}),
	// devices are host devices given to the container:
	// [{ host_path, container_path, cgroup_permissions }].
	"devices":                   configspec.Attr("devices", cty.List(cty.Map(cty.String))),
	"storage_opt":               configspec.Attr("storage_opt", cty.Map(cty.String)),
	"storage_opt" + blockSuffix: blockAttrs("storage_opt", cty.String),
	"cpuset_cpus":               configspec.Attr("cpuset_cpus", cty.String),
	"group_add":                 configspec.Attr("group_add", stringList),
	"oom_score_adj":             configspec.Attr("oom_score_adj", cty.Number),
	"runtime":                   configspec.Attr("runtime", cty.String),
	"uts_mode":                  configspec.Attr("uts_mode", cty.String),
	"cgroupns":                  configspec.OneOf("cgroupns", "host", "private"),
	"ipv4_address":              configspec.Attr("ipv4_address", cty.String),
	"ipv6_address":              configspec.Attr("ipv6_address", cty.String),
	"mac_address":               configspec.Attr("mac_address", cty.String),
	"advertise_ipv6_address":    configspec.Attr("advertise_ipv6_address", cty.Bool),
	"isolation":                 configspec.Attr("isolation", cty.String),
}

// mountSpec is one mount block, with Nomad's per-type option blocks.
var mountSpec = hcldec.ObjectSpec{
	"type":     configspec.OneOf("type", "bind", "volume", "tmpfs"),
	"target":   configspec.Required("target", cty.String),
	"source":   configspec.Attr("source", cty.String),
	"readonly": configspec.Attr("readonly", cty.Bool),
	"bind_options": configspec.Block("bind_options", hcldec.ObjectSpec{
		"propagation": configspec.OneOf("propagation", "private", "rprivate", "shared", "rshared", "slave", "rslave"),
	}),
	"tmpfs_options": configspec.Block("tmpfs_options", hcldec.ObjectSpec{
		"size": configspec.Attr("size", cty.Number), // bytes
		"mode": configspec.Attr("mode", cty.Number), // permission bits, e.g. 0o1777 written 1023
	}),
	"volume_options": configspec.Block("volume_options", hcldec.ObjectSpec{
		"no_copy":              configspec.Attr("no_copy", cty.Bool),
		"labels":               configspec.Attr("labels", cty.Map(cty.String)),
		"labels" + blockSuffix: blockAttrs("labels", cty.String),
		"driver_config": configspec.Block("driver_config", hcldec.ObjectSpec{
			"name":                  configspec.Attr("name", cty.String),
			"options":               configspec.Attr("options", cty.Map(cty.String)),
			"options" + blockSuffix: blockAttrs("options", cty.String),
		}),
	}),
}

// PluginSpec is the schema of the driver's own `plugin "docker" { config {
// ... } }` block in the agent configuration, with the names of Nomad's
// docker plugin.
var PluginSpec hcldec.Spec = hcldec.ObjectSpec{
	// endpoint is the engine's address; unix:///var/run/docker.sock by
	// default.
	"endpoint": configspec.Attr("endpoint", cty.String),
	// allow_privileged lets tasks set privileged = true.
	"allow_privileged": configspec.Attr("allow_privileged", cty.Bool),
	// allow_caps are the capabilities a task may have after cap_add and
	// cap_drop; by default the engine's default set.
	"allow_caps": configspec.Attr("allow_caps", stringList),
	// allow_runtimes are the OCI runtimes a task's runtime option may
	// name; by default "runc" and "nvidia", as in Nomad.
	"allow_runtimes": configspec.Attr("allow_runtimes", stringList),
	// volumes { enabled } lets tasks bind host paths with volumes and
	// mount blocks.
	"volumes": configspec.Block("volumes", hcldec.ObjectSpec{
		"enabled": configspec.Attr("enabled", cty.Bool),
	}),
	// gc { image, image_delay, container } is image and container clean-up.
	"gc": configspec.Block("gc", hcldec.ObjectSpec{
		"image":       configspec.Attr("image", cty.Bool),
		"image_delay": configspec.Duration("image_delay"),
		"container":   configspec.Attr("container", cty.Bool),
	}),
	// pull_activity_timeout: a pull that reports no progress for this long
	// is cancelled.
	"pull_activity_timeout": configspec.Duration("pull_activity_timeout"),
}
