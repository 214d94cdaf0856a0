// Package catalog lists the task drivers built into nomadish and the schema
// of each one's task `config` block, for jobspec to check job files
// against. It only gathers schemas; it must not start or talk to drivers.
package catalog

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/docker"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/oci"
	"github.com/nomadish/nomadish/drivers/wasm"
)

// ConfigSchemas returns the config schema of every built-in driver by
// driver name. The map is new on each call; the callers may change it.
func ConfigSchemas() map[string]hcldec.Spec {
	return map[string]hcldec.Spec{
		"docker":   docker.ConfigSpec,
		"oci":      oci.ConfigSpec,
		"wasm":     wasm.ConfigSpec,
		"mock":     mock.ConfigSpec,
		"raw_exec": rawExecSpec,
		"exec":     execSpec,
	}
}
