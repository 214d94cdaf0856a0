package oci

import (
	"github.com/nomadish/nomadish/drivers/oci/runtimespec"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// hostVolumes turns the host volumes the client resolved for the task into
// the spec builder's bind mounts. The client config offered them, so they
// do not need the plugin config's allow_bind_mounts; the builder still
// refuses targets over the paths the driver reserves.
func hostVolumes(ms []plugin.MountConfig) []runtimespec.HostVolume {
	if len(ms) == 0 {
		return nil
	}
	out := make([]runtimespec.HostVolume, len(ms))
	for i, m := range ms {
		out[i] = runtimespec.HostVolume{Source: m.HostPath, Target: m.TaskPath, Readonly: m.Readonly}
	}
	return out
}
