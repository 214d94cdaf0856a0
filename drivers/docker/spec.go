// Package docker is the Docker task driver, which runs a task as a
// container through the Docker daemon. The driver itself arrives with the
// client/plugin milestone; for now the package exports only the schema of
// its task `config` block, which jobspec checks job files against.
// Environment variables are not part of it: they belong to the task's `env`
// block.
package docker

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

var strings = cty.List(cty.String)

// ConfigSpec is the schema of a docker task's `config` block.
var ConfigSpec hcldec.Spec = hcldec.ObjectSpec{
	"image":              configspec.Required("image", cty.String),
	"command":            configspec.Attr("command", cty.String),
	"args":               configspec.Attr("args", strings),
	"entrypoint":         configspec.Attr("entrypoint", strings),
	"ports":              configspec.Attr("ports", strings),
	"volumes":            configspec.Attr("volumes", strings),
	"volume_driver":      configspec.Attr("volume_driver", cty.String),
	"network_mode":       configspec.Attr("network_mode", cty.String),
	"network_aliases":    configspec.Attr("network_aliases", strings),
	"hostname":           configspec.Attr("hostname", cty.String),
	"dns_servers":        configspec.Attr("dns_servers", strings),
	"dns_search_domains": configspec.Attr("dns_search_domains", strings),
	"dns_options":        configspec.Attr("dns_options", strings),
	"extra_hosts":        configspec.Attr("extra_hosts", strings),
	"labels":             configspec.Attr("labels", cty.Map(cty.String)),
	"privileged":         configspec.Attr("privileged", cty.Bool),
	"work_dir":           configspec.Attr("work_dir", cty.String),
	"force_pull":         configspec.Attr("force_pull", cty.Bool),
	"image_pull_timeout": configspec.Duration("image_pull_timeout"),
	"cpu_hard_limit":     configspec.Attr("cpu_hard_limit", cty.Bool),
	"cpu_cfs_period":     configspec.Attr("cpu_cfs_period", cty.Number),
	"memory_hard_limit":  configspec.Attr("memory_hard_limit", cty.Number),
	"shm_size":           configspec.Attr("shm_size", cty.Number),
	"cap_add":            configspec.Attr("cap_add", strings),
	"cap_drop":           configspec.Attr("cap_drop", strings),
	"security_opt":       configspec.Attr("security_opt", strings),
	"sysctl":             configspec.Attr("sysctl", cty.Map(cty.String)),
	"ulimit":             configspec.Attr("ulimit", cty.Map(cty.String)),
	"init":               configspec.Attr("init", cty.Bool),
	"interactive":        configspec.Attr("interactive", cty.Bool),
	"tty":                configspec.Attr("tty", cty.Bool),
	"ipc_mode":           configspec.Attr("ipc_mode", cty.String),
	"pid_mode":           configspec.Attr("pid_mode", cty.String),
	"userns_mode":        configspec.Attr("userns_mode", cty.String),
	"readonly_rootfs":    configspec.Attr("readonly_rootfs", cty.Bool),
	"load":               configspec.Attr("load", cty.String),
	"auth_soft_fail":     configspec.Attr("auth_soft_fail", cty.Bool),
	"auth": configspec.Block("auth", hcldec.ObjectSpec{
		"username":       configspec.Attr("username", cty.String),
		"password":       configspec.Attr("password", cty.String),
		"email":          configspec.Attr("email", cty.String),
		"server_address": configspec.Attr("server_address", cty.String),
	}),
	"logging": configspec.Block("logging", hcldec.ObjectSpec{
		"type":   configspec.Attr("type", cty.String),
		"config": configspec.Attr("config", cty.Map(cty.String)),
	}),
	"mount": configspec.Blocks("mount", hcldec.ObjectSpec{
		"type":     configspec.OneOf("type", "bind", "volume", "tmpfs"),
		"target":   configspec.Required("target", cty.String),
		"source":   configspec.Attr("source", cty.String),
		"readonly": configspec.Attr("readonly", cty.Bool),
	}),
}
