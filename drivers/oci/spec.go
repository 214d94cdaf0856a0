package oci

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

var stringList = cty.List(cty.String)

// ConfigSpec is the schema of an oci task's `config` block. Exactly one of
// image and rootfs is required.
var ConfigSpec hcldec.Spec = &hcldec.ValidateSpec{
	Wrapped: hcldec.ObjectSpec{
		"image":           configspec.Attr("image", cty.String),
		"rootfs":          configspec.Attr("rootfs", cty.String),
		"command":         configspec.Attr("command", cty.String),
		"args":            configspec.Attr("args", stringList),
		"entrypoint":      configspec.Attr("entrypoint", stringList),
		"work_dir":        configspec.Attr("work_dir", cty.String),
		"hostname":        configspec.Attr("hostname", cty.String),
		"readonly_rootfs": configspec.Attr("readonly_rootfs", cty.Bool),
		"cap_add":         configspec.Attr("cap_add", stringList),
		"cap_drop":        configspec.Attr("cap_drop", stringList),
		"network_mode":    configspec.OneOf("network_mode", "bridge", "host", "none"),
		"privileged":      configspec.Attr("privileged", cty.Bool),
		"runtime":         configspec.Attr("runtime", cty.String),
		// image_pull_timeout bounds a pull from a registry, default "5m".
		"image_pull_timeout": configspec.Duration("image_pull_timeout"),
		"auth": configspec.Block("auth", hcldec.ObjectSpec{
			"username": configspec.Attr("username", cty.String),
			"password": configspec.Attr("password", cty.String),
		}),
		"mount": configspec.Blocks("mount", hcldec.ObjectSpec{
			"type":     configspec.OneOf("type", "bind", "tmpfs"),
			"target":   configspec.Required("target", cty.String),
			"source":   configspec.Attr("source", cty.String),
			"readonly": configspec.Attr("readonly", cty.Bool),
		}),
	},
	Func: func(v cty.Value) hcl.Diagnostics {
		if !v.IsKnown() || v.IsNull() {
			return nil
		}
		image, rootfs := !v.GetAttr("image").IsNull(), !v.GetAttr("rootfs").IsNull()
		switch {
		case image && rootfs:
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Conflicting arguments",
				Detail: `Give either "image" or "rootfs", not both.`}}
		case !image && !rootfs:
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Missing required argument",
				Detail: `The oci driver needs "image" (an OCI image reference) or "rootfs" (a path to an unpacked root filesystem).`}}
		}
		return nil
	},
}

// PluginSpec is the schema of the driver's own `plugin "oci" { config {
// ... } }` block in the agent configuration.
var PluginSpec hcldec.Spec = hcldec.ObjectSpec{
	// runtime is the OCI runtime, "runc" (the default) or "crun", by name
	// or path; a task may choose another with its own `runtime`.
	"runtime": configspec.Attr("runtime", cty.String),
	// data_dir holds the image store and the containers' state; by
	// default $NOMADISH_PLUGIN_DIR.
	"data_dir": configspec.Attr("data_dir", cty.String),
	// allow_privileged lets tasks set privileged = true.
	"allow_privileged": configspec.Attr("allow_privileged", cty.Bool),
	// allow_caps are the capabilities cap_add may grant; by default the
	// driver's default set.
	"allow_caps": configspec.Attr("allow_caps", stringList),
	// allow_bind_mounts lets `mount { type = "bind" }` blocks bind host
	// paths under bind_mount_sources.
	"allow_bind_mounts":  configspec.Attr("allow_bind_mounts", cty.Bool),
	"bind_mount_sources": configspec.Attr("bind_mount_sources", stringList),
	// insecure_registries are reached over plain HTTP (loopback
	// registries always are).
	"insecure_registries": configspec.Attr("insecure_registries", stringList),
	// image_gc_delay is how long an image no task uses is kept.
	"image_gc_delay": configspec.Attr("image_gc_delay", cty.String),
	// max_image_size (bytes, unpacked) and max_layers bound what a pull may
	// bring in.
	"max_image_size": configspec.Attr("max_image_size", cty.Number),
	"max_layers":     configspec.Attr("max_layers", cty.Number),
	// cni_path lists the directories searched for the CNI plugins of
	// network_mode "bridge" (bridge, host-local, loopback, firewall,
	// portmap); by default /usr/lib/cni and /opt/cni/bin.
	"cni_path": configspec.Attr("cni_path", stringList),
	// bridge_name and bridge_subnet are the bridge the containers of
	// network_mode "bridge" join and its IPv4 subnet; by default
	// "nomadish0" and 172.26.64.0/20.
	"bridge_name":   configspec.Attr("bridge_name", cty.String),
	"bridge_subnet": configspec.Attr("bridge_subnet", cty.String),
	// pull_activity_timeout ends a pull when the registry sends nothing
	// for this long, default "2m".
	"pull_activity_timeout": configspec.Duration("pull_activity_timeout"),
}
