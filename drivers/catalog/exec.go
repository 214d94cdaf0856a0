package catalog

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

// rawExecSpec is the config of raw_exec, which runs a command as the
// client's user without isolation. Its driver has no package of its own yet.
var rawExecSpec hcldec.Spec = hcldec.ObjectSpec{
	"command": configspec.Required("command", cty.String),
	"args":    configspec.Attr("args", cty.List(cty.String)),
}

// execSpec is the config of exec, which runs a command in an isolated
// chroot with resource limits. Its driver has no package of its own yet.
var execSpec hcldec.Spec = hcldec.ObjectSpec{
	"command":  configspec.Required("command", cty.String),
	"args":     configspec.Attr("args", cty.List(cty.String)),
	"pid_mode": configspec.OneOf("pid_mode", "private", "host"),
	"ipc_mode": configspec.OneOf("ipc_mode", "private", "host"),
	"cap_add":  configspec.Attr("cap_add", cty.List(cty.String)),
	"cap_drop": configspec.Attr("cap_drop", cty.List(cty.String)),
}
