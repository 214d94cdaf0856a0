package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nomadish/nomadish/drivers/oci/image"
	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/oci/runtimespec"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// containerID is the runtime's name for the container of task id: the
// task ID holds characters runtimes refuse, so a digest of it.
func containerID(taskID string) string {
	sum := sha256.Sum256([]byte(taskID))
	return hex.EncodeToString(sum[:16])
}

// cgroupParent is where containers' cgroups go, relative to each
// hierarchy's root.
const cgroupParent = "/nomadish"

func (d *Driver) StartTask(ctx context.Context, cfg *plugin.TaskConfig) (*plugin.TaskHandle, error) {
	if cfg == nil || cfg.ID == "" {
		return nil, errors.New("start task: the task config has no ID")
	}
	if _, err := d.tasks.Get(cfg.ID); err == nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, plugin.ErrTaskExists)
	}
	conf, err := parseTaskConfig(cfg.DriverConfig)
	if err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	pconf, store, err := d.configured()
	if err != nil {
		return nil, plugin.NewRecoverableError(fmt.Errorf("start task %q: %w", cfg.ID, err))
	}
	rt, err := d.runtime(conf.Runtime)
	if err != nil {
		return nil, fmt.Errorf("start task %q: oci task config: runtime %q: %w", cfg.ID, conf.Runtime, err)
	}
	if conf.NetworkMode == runtimespec.NetworkBridge && d.network() == nil {
		return nil, fmt.Errorf("start task %q: oci task config: network_mode \"bridge\": this driver has no CNI network set up; use \"host\" or \"none\"", cfg.ID)
	}
	cid := containerID(cfg.ID)
	if err := d.clearStale(ctx, rt, cid); err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	bundle := filepath.Join(pconf.DataDir, "bundles", cid)
	if err := removeLayer(bundle); err != nil { // leftovers of a start that died half-way
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}

	var img *image.Image
	lower, imgConf := "", runtimespec.ImageConfig{}
	if conf.Image != "" {
		if img, err = d.getImage(ctx, store, cfg.TaskDir.Dir, conf); err != nil {
			return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
		}
		lower = img.RootFS
		imgConf = runtimespec.ImageConfig{
			Entrypoint: img.Config.Entrypoint, Cmd: img.Config.Cmd, Env: img.Config.Env,
			User: img.Config.User, WorkingDir: img.Config.WorkingDir,
		}
	} else if lower, err = inTaskDir(cfg.TaskDir.Dir, conf.Rootfs, "oci task config: rootfs"); err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}

	st := driverState{ContainerID: cid, Runtime: rt.Name(), BundleDir: bundle}
	if img != nil {
		st.ImageID = img.ID
	}
	ctr, err := d.create(ctx, cfg, conf, pconf, rt, &st, lower, imgConf)
	if err != nil {
		d.cleanup(ctx, st)
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	t := newTask(cfg, st, rt, ctr)
	if err := d.tasks.Add(cfg.ID, t); err != nil {
		_ = ctr.Delete(ctx, true)
		d.cleanup(ctx, st)
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	go t.watch(d.emit)
	d.logger.Debug("task started", "task_id", cfg.ID, "container_id", cid, "image", st.ImageID, "overlay", st.Overlay)
	return plugin.NewTaskHandle(handleVersion, cfg, plugin.TaskStateRunning, st)
}

// clearStale deletes what an earlier container of the same ID left
// behind, once it has exited; a container that still runs is refused.
func (d *Driver) clearStale(ctx context.Context, rt *ociruntime.Runtime, cid string) error {
	old, err := rt.Recover(cid)
	if errors.Is(err, ociruntime.ErrNotFound) {
		return nil
	}
	if err == nil {
		s, serr := old.State(ctx)
		if serr == nil && s.Exit == nil && (s.Status == "running" || s.Status == "created" || s.Status == "paused") {
			return fmt.Errorf("container %s already runs: %w", cid, plugin.ErrTaskExists)
		}
	}
	if old == nil {
		// A state dir that cannot be read: the runtime cannot delete it.
		return fmt.Errorf("container %s has unreadable state from an earlier start: %w", cid, err)
	}
	return old.Delete(ctx, true)
}

// create makes the container's bundle (writable layer, /etc files, spec)
// and starts it. It fills in st as it goes, so cleanup knows what to undo.
func (d *Driver) create(ctx context.Context, cfg *plugin.TaskConfig, conf *taskConfig, pconf *pluginConfig,
	rt *ociruntime.Runtime, st *driverState, lower string, imgConf runtimespec.ImageConfig) (*ociruntime.Container, error) {
	d.mu.Lock()
	forceCopy := d.copyRootfs
	d.mu.Unlock()
	if err := os.MkdirAll(st.BundleDir, 0o700); err != nil {
		return nil, fmt.Errorf("create bundle: %w", err)
	}
	overlay, err := writableLayer(st.BundleDir, lower, forceCopy)
	if err != nil {
		return nil, err
	}
	st.Overlay = overlay
	rootfs := filepath.Join(st.BundleDir, "rootfs")

	hostname, err := runtimespec.Hostname(conf.Hostname, st.ContainerID)
	if err != nil {
		return nil, err
	}
	etc, err := runtimespec.WriteEtcFiles(filepath.Join(st.BundleDir, "etc"), runtimespec.EtcFiles{
		Hostname:    hostname,
		HostNetwork: conf.NetworkMode == runtimespec.NetworkHost,
	})
	if err != nil {
		return nil, fmt.Errorf("write /etc files: %w", err)
	}
	netns := ""
	if conf.NetworkMode == runtimespec.NetworkBridge {
		st.Bridge = true
		if netns, err = d.network().Setup(ctx, st.ContainerID, cfg); err != nil {
			return nil, plugin.NewRecoverableError(fmt.Errorf("set up the bridge network: %w", err))
		}
	}
	spec, err := runtimespec.Build(&runtimespec.Input{
		ID:             st.ContainerID,
		Image:          imgConf,
		Task:           conf.options(cfg.User),
		Policy:         pconf.policy(),
		Rootfs:         rootfs,
		TaskDir:        cfg.TaskDir.Dir,
		LocalDir:       cfg.TaskDir.LocalDir,
		SecretsDir:     cfg.TaskDir.SecretsDir,
		AllocDir:       cfg.TaskDir.SharedAllocDir,
		Env:            cfg.Env,
		MemoryMB:       cfg.Resources.MemoryMB,
		MemoryMaxMB:    cfg.Resources.MemoryMaxMB,
		CPUShares:      cfg.Resources.CPUMHz,
		CgroupsPath:    cgroupParent + "/" + st.ContainerID,
		NetNSPath:      netns,
		HostsPath:      etc.Hosts,
		ResolvConfPath: etc.ResolvConf,
		HostnamePath:   etc.Hostname,
		HostVolumes:    hostVolumes(cfg.Mounts),
	})
	if err != nil {
		return nil, err // names the config field already
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the runtime spec: %w", err)
	}
	if err := os.WriteFile(filepath.Join(st.BundleDir, "config.json"), b, 0o600); err != nil {
		return nil, fmt.Errorf("write the runtime spec: %w", err)
	}
	ctr, err := rt.Start(ctx, st.BundleDir, st.ContainerID, cfg.StdoutPath, cfg.StderrPath)
	if err != nil {
		return nil, err
	}
	st.StartedAt = ctr.StartedAt
	if st.StartedAt.IsZero() {
		st.StartedAt = time.Now()
	}
	return ctr, nil
}

// cleanup undoes what StartTask made for a container: its network, its
// writable layer and bundle, and its hold on the image. Errors are logged:
// the caller is already failing or destroying.
func (d *Driver) cleanup(ctx context.Context, st driverState) {
	if n := d.network(); n != nil && st.Bridge {
		if err := n.Teardown(ctx, st.ContainerID); err != nil {
			d.logger.Warn("network teardown failed", "container_id", st.ContainerID, "error", err)
		}
	}
	if st.BundleDir != "" {
		if err := removeLayer(st.BundleDir); err != nil {
			d.logger.Warn("remove writable layer failed", "container_id", st.ContainerID, "error", err)
		}
	}
	if st.ImageID != "" {
		if _, store, err := d.configured(); err == nil {
			store.Release(st.ImageID)
		}
	}
}
