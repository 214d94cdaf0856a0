// Package wasm is the WebAssembly task driver, which runs a task as a WASI
// module inside the driver process, starting in tens of milliseconds. The
// driver itself arrives with the client/plugin milestone; for now the
// package exports only the schema of its task `config` block, which jobspec
// checks job files against.
package wasm

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

// mountType is one entry of `mounts`: a host directory (source) seen by
// the module at target, read-only unless readonly = false.
var mountType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"source":   cty.String,
	"target":   cty.String,
	"readonly": cty.Bool,
}, []string{"readonly"})

// ConfigSpec is the schema of a wasm task's `config` block.
var ConfigSpec hcldec.Spec = hcldec.ObjectSpec{
	// module is the path (in the task directory) or URL of the .wasm file.
	"module": configspec.Required("module", cty.String),
	// args are passed to the module as its argv after the module name.
	"args": configspec.Attr("args", cty.List(cty.String)),
	// entrypoint is the exported function to call; "_start" by default.
	"entrypoint": configspec.Attr("entrypoint", cty.String),
	// env is added to the task's environment as the module sees it.
	"env": configspec.Attr("env", cty.Map(cty.String)),
	// mounts pre-open host directories for the module.
	"mounts": configspec.Attr("mounts", cty.List(mountType)),
	// memory_limit caps the module's linear memory, in MB.
	"memory_limit": configspec.Attr("memory_limit", cty.Number),
}
