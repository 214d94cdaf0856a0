package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// StartTask makes the image present, creates the container with the task's
// labels, env, resources and binds, starts it and follows its logs. A
// failure of the engine (a missing image, a refused pull, no engine) is a
// RecoverableError quoting the engine; a config the plugin refuses is not.
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
	pconf, c, err := d.configured()
	if err != nil {
		return nil, plugin.NewRecoverableError(fmt.Errorf("start task %q: %w", cfg.ID, err))
	}
	opts, err := createOptions(cfg, conf, pconf)
	if err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	if ignored := conf.ignoredOptions(); len(ignored) > 0 {
		d.emit(cfg, "Docker options accepted but not applied: "+strings.Join(ignored, "; "), nil)
	}
	if err := d.clearStale(ctx, c, opts.Name, cfg.ID); err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	imgID, err := d.ensureImage(ctx, c, cfg, conf)
	if err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	d.images.acquire(imgID)
	created, err := c.ContainerCreate(ctx, opts)
	if err != nil {
		d.images.release(imgID)
		return nil, plugin.NewRecoverableError(fmt.Errorf("start task %q: create container: %w", cfg.ID, err))
	}
	for _, w := range created.Warnings {
		d.logger.Warn("engine warning on create", "task_id", cfg.ID, "warning", w)
	}
	fail := func(err error) (*plugin.TaskHandle, error) {
		_, _ = c.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
		d.images.release(imgID)
		return nil, err
	}
	if _, err := c.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return fail(plugin.NewRecoverableError(fmt.Errorf("start task %q: start container %s: %w", cfg.ID, shortID(created.ID), err)))
	}
	st := driverState{ContainerID: created.ID, ImageID: imgID, StartedAt: time.Now()}
	if ins, err := c.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{}); err == nil && ins.Container.State != nil {
		if t, err := time.Parse(time.RFC3339Nano, ins.Container.State.StartedAt); err == nil {
			st.StartedAt = t
		}
	}
	t := newTask(cfg, st, c, startLogs(c, created.ID, cfg, time.Time{}, d.logger), d.retryPolicy())
	if err := d.tasks.Add(cfg.ID, t); err != nil {
		return fail(fmt.Errorf("start task %q: %w", cfg.ID, err))
	}
	d.noteOwner(ownerOf(cfg))
	go t.watch(d.emit)
	d.logger.Debug("task started", "task_id", cfg.ID, "container_id", created.ID, "image_id", imgID)
	return plugin.NewTaskHandle(handleVersion, cfg, plugin.TaskStateRunning, st)
}

// clearStale removes what an earlier start of the same task left behind
// under the container's name, once it has stopped; a running one is
// refused. A container of that name that is not this task's is refused
// too: the driver never removes others' containers.
func (d *Driver) clearStale(ctx context.Context, c *client.Client, name, taskID string) error {
	ins, err := c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return plugin.NewRecoverableError(fmt.Errorf("inspect container %s: %w", name, err))
	}
	if ins.Container.Config == nil || ins.Container.Config.Labels[LabelTaskID] != taskID {
		return fmt.Errorf("a container named %s exists and was not made by nomadish for this task; remove or rename it", name)
	}
	if ins.Container.State != nil && (ins.Container.State.Running || ins.Container.State.Restarting || ins.Container.State.Paused) {
		return fmt.Errorf("container %s already runs: %w", shortID(ins.Container.ID), plugin.ErrTaskExists)
	}
	if _, err := c.ContainerRemove(ctx, ins.Container.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return plugin.NewRecoverableError(fmt.Errorf("remove the stale container %s: %w", shortID(ins.Container.ID), err))
	}
	return nil
}
