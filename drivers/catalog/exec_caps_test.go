package catalog

import (
	"context"
	"testing"

	"github.com/nomadish/nomadish/drivers/docker"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/oci"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/wasm"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The job validator's table of which built-in drivers can exec (for
// script checks) says what the drivers themselves say.
func TestBuiltinExecMatchesCapabilities(t *testing.T) {
	drivers := map[string]interface {
		Capabilities(context.Context) (*plugin.Capabilities, error)
	}{
		"docker": docker.New(docker.Config{}),
		"oci":    oci.New(oci.Config{}),
		"mock":   mock.New(mock.Config{}),
		"wasm":   wasm.New(wasm.Config{}),
	}
	table := structs.BuiltinExecDrivers()
	if len(table) != len(drivers) {
		t.Errorf("structs knows %d drivers' exec, the catalog has %d with a driver: %v", len(table), len(drivers), table)
	}
	for name, d := range drivers {
		caps, err := d.Capabilities(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if can, known := structs.DriverCanExec(name); !known || can != caps.Exec {
			t.Errorf("%s: structs.DriverCanExec = %v (known %v); its Capabilities say Exec = %v", name, can, known, caps.Exec)
		}
	}
}
