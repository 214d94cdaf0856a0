// Package oci is the OCI task driver, which runs a task from an OCI image
// or an unpacked root filesystem with a low-level container runtime, without
// a daemon. The driver itself arrives with the client/plugin milestone; for
// now the package exports only the schema of its task `config` block, which
// jobspec checks job files against.
package oci

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

var strings = cty.List(cty.String)

// ConfigSpec is the schema of an oci task's `config` block. Exactly one of
// image and rootfs is required.
var ConfigSpec hcldec.Spec = &hcldec.ValidateSpec{
	Wrapped: hcldec.ObjectSpec{
		"image":           configspec.Attr("image", cty.String),
		"rootfs":          configspec.Attr("rootfs", cty.String),
		"command":         configspec.Attr("command", cty.String),
		"args":            configspec.Attr("args", strings),
		"entrypoint":      configspec.Attr("entrypoint", strings),
		"work_dir":        configspec.Attr("work_dir", cty.String),
		"hostname":        configspec.Attr("hostname", cty.String),
		"readonly_rootfs": configspec.Attr("readonly_rootfs", cty.Bool),
		"cap_add":         configspec.Attr("cap_add", strings),
		"cap_drop":        configspec.Attr("cap_drop", strings),
		"network_mode":    configspec.Attr("network_mode", cty.String),
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
