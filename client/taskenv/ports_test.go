package taskenv

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestPortVars(t *testing.T) {
	m := New(testParams()).Map()
	checkVars(t, m, map[string]string{
		// Shared.Ports beats the group network's entry for the same label.
		"NOMAD_IP_http":         "10.0.0.1",
		"NOMAD_HOST_IP_http":    "10.0.0.1",
		"NOMAD_PORT_http":       "8080",
		"NOMAD_ALLOC_PORT_http": "8080",
		"NOMAD_HOST_PORT_http":  "25000",
		"NOMAD_ADDR_http":       "10.0.0.1:25000",
		"NOMAD_HOST_ADDR_http":  "10.0.0.1:25000",
		// Without "to", the port to bind is the host port.
		"NOMAD_PORT_admin_ui":      "25001",
		"NOMAD_HOST_PORT_admin_ui": "25001",
		"NOMAD_ADDR_admin_ui":      "10.0.0.1:25001",
		// From the group network only.
		"NOMAD_PORT_grpc": "23456",
		"NOMAD_IP_grpc":   "10.0.0.2",
		"NOMAD_ADDR_grpc": "10.0.0.2:23456",
		// From the task's network.
		"NOMAD_PORT_task_only": "7000",
		"NOMAD_ADDR_task_only": "10.0.0.9:7000",
	})
	if _, ok := m["NOMAD_ALLOC_PORT_admin_ui"]; ok {
		t.Error("NOMAD_ALLOC_PORT_admin_ui set without a to")
	}
}

func TestIPv6Addr(t *testing.T) {
	p := testParams()
	p.Alloc.AllocatedResources.Shared.Ports = []structs.AllocatedPortMapping{{Label: "h", Value: 80, HostIP: "::1"}}
	if got := New(p).Map()["NOMAD_ADDR_h"]; got != "[::1]:80" {
		t.Fatalf("NOMAD_ADDR_h = %q", got)
	}
}
