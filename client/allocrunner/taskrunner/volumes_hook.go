package taskrunner

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// volumesHook resolves the task's volume_mount blocks into the host paths
// the driver binds: each names a group volume of type "host", whose source
// names one of this client's host_volume blocks. Read-only wins: the
// group's volume, the task's mount or the client's host volume each can
// make the mount read-only, and none can undo another's.
type volumesHook struct {
	node *structs.Node
}

func newVolumesHook(node *structs.Node) *volumesHook { return &volumesHook{node: node} }

func (*volumesHook) Name() string { return "volumes" }

func (h *volumesHook) Prestart(_ context.Context, req *PrestartRequest) error {
	if req.Restoring {
		// A recovered task keeps the mounts it was started with: they
		// travel in its handle, and a changed client config must not
		// take them away from a running task.
		return nil
	}
	s := req.Setup
	var group *structs.TaskGroup
	if s.Alloc != nil && s.Alloc.Job != nil {
		group = s.Alloc.Job.LookupTaskGroup(s.Alloc.TaskGroup)
	}
	var hostVolumes map[string]*structs.ClientHostVolumeConfig
	if h.node != nil {
		hostVolumes = h.node.HostVolumes
	}
	mounts, err := resolveMounts(s.Task, group, hostVolumes)
	if err != nil {
		return err
	}
	s.Mounts = mounts
	return nil
}

// resolveMounts turns task's volume mounts into driver mounts. A mount
// that cannot be honoured fails the task, except a host volume whose
// directory is missing: it may be mounted later, so the restart policy
// retries.
func resolveMounts(task *structs.Task, group *structs.TaskGroup, hostVolumes map[string]*structs.ClientHostVolumeConfig) ([]plugin.MountConfig, error) {
	if len(task.VolumeMounts) == 0 {
		return nil, nil
	}
	var out []plugin.MountConfig
	seen := map[string]int{}
	for i, vm := range task.VolumeMounts {
		if vm == nil {
			continue
		}
		where := fmt.Sprintf("task %q volume_mount %d (volume %q)", task.Name, i, vm.Volume)
		var req *structs.VolumeRequest
		if group != nil {
			req = group.Volumes[vm.Volume]
		}
		if req == nil {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: the group has no volume %q; declared: %s", where, vm.Volume, volumeNames(group)), false)
		}
		if req.Type != structs.VolumeTypeHost {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: volume type %q is not supported on this client; only %q volumes are", where, req.Type, structs.VolumeTypeHost), false)
		}
		dest, err := mountDestination(vm.Destination)
		if err != nil {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: %w", where, err), false)
		}
		if j, dup := seen[dest]; dup {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: destination %q is already the destination of volume_mount %d", where, dest, j), false)
		}
		seen[dest] = i
		hv := hostVolumes[req.Source]
		if hv == nil {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: this client has no host_volume %q (the group's volume source); client host volumes: %s", where, req.Source, hostVolumeNames(hostVolumes)), false)
		}
		if !filepath.IsAbs(hv.Path) {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: client host_volume %q has path %q, which is not absolute", where, req.Source, hv.Path), false)
		}
		fi, err := os.Stat(hv.Path)
		if err != nil {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: client host_volume %q: %w", where, req.Source, err), true)
		}
		if !fi.IsDir() {
			return nil, setupError(EventSetupFailure, fmt.Errorf("%s: client host_volume %q path %q is not a directory", where, req.Source, hv.Path), true)
		}
		out = append(out, plugin.MountConfig{
			TaskPath: dest,
			HostPath: filepath.Clean(hv.Path),
			Readonly: req.ReadOnly || vm.ReadOnly || hv.ReadOnly,
		})
	}
	return out, nil
}

// mountDestination checks a volume_mount destination: an absolute path
// inside the task, without "..", and not the task's root.
func mountDestination(dest string) (string, error) {
	if dest == "" {
		return "", fmt.Errorf("destination is empty; give an absolute path such as \"/data\"")
	}
	if !strings.HasPrefix(dest, "/") {
		return "", fmt.Errorf("destination %q is not an absolute path; give one such as \"/data\"", dest)
	}
	for _, part := range strings.Split(dest, "/") {
		if part == ".." {
			return "", fmt.Errorf("destination %q contains \"..\"; give an absolute path without it", dest)
		}
	}
	clean := path.Clean(dest)
	if clean == "/" {
		return "", fmt.Errorf("destination %q is the task's root; give a directory under it such as \"/data\"", dest)
	}
	return clean, nil
}

func volumeNames(g *structs.TaskGroup) string {
	if g == nil || len(g.Volumes) == 0 {
		return "none"
	}
	names := make([]string, 0, len(g.Volumes))
	for n := range g.Volumes {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func hostVolumeNames(hv map[string]*structs.ClientHostVolumeConfig) string {
	names := make([]string, 0, len(hv))
	for n, v := range hv {
		if v != nil {
			names = append(names, fmt.Sprintf("%q", n))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
