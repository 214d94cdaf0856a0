package wasm

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

// mountType is one entry of `mounts`: a directory inside the task directory
// (source, e.g. "local/data") seen by the module at target (e.g. "/data"),
// read-only unless readonly = false.
var mountType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"source":   cty.String,
	"target":   cty.String,
	"readonly": cty.Bool,
}, []string{"readonly"})

// ConfigSpec is the schema of a wasm task's `config` block.
var ConfigSpec hcldec.Spec = hcldec.ObjectSpec{
	// module is the path (in the task directory) or https:// URL of the
	// .wasm file.
	"module": configspec.Required("module", cty.String),
	// args are passed to the module as its argv after the module name.
	"args": configspec.Attr("args", cty.List(cty.String)),
	// entrypoint is the exported function to call; "_start" by default.
	"entrypoint": configspec.Attr("entrypoint", cty.String),
	// env is added to the task's environment as the module sees it.
	"env": configspec.Attr("env", cty.Map(cty.String)),
	// mounts pre-open directories of the task directory for the module.
	"mounts": configspec.Attr("mounts", cty.List(mountType)),
	// memory_limit caps the module's linear memory, in MB; the task's
	// resources.memory by default.
	"memory_limit": configspec.Attr("memory_limit", cty.Number),
}

// PluginSpec is the schema of the driver's own `plugin "wasm" { config {
// ... } }` block in the agent configuration.
var PluginSpec hcldec.Spec = hcldec.ObjectSpec{
	// cache_dir holds compiled modules across plugin restarts; by default
	// $NOMADISH_PLUGIN_DIR/compile-cache.
	"cache_dir": configspec.Attr("cache_dir", cty.String),
}
