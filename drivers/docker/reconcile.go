package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// reconcile removes the containers of ours (LabelManaged) whose task this
// driver does not hold, once it has seen them orphaned for the grace
// period (Config.OrphanGrace): after a plugin restart the client recovers
// its tasks within it, and a task the client forgot, or whose allocation
// is gone, is cleaned up after it. It returns the IDs it removed.
//
// Only the orphans of a client this driver serves are removed: their
// LabelOwner must be one the driver has seen on a task it started or
// recovered (until then it removes nothing). Containers of other clients
// sharing the engine, containers without our label (never listed), and
// ours made before LabelOwner existed (no owner to match, so whose client
// is unknown) are never touched.
func (d *Driver) reconcile(ctx context.Context, c *client.Client) ([]string, error) {
	list, err := c.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelManaged+"=true"),
	})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	now := d.cfg.Now()
	d.orphansMu.Lock()
	defer d.orphansMu.Unlock()
	if d.orphans == nil {
		d.orphans = map[string]int64{}
	}
	seen := map[string]bool{}
	var removed []string
	for _, s := range list.Items {
		if s.Labels[LabelManaged] != "true" {
			continue // the filter already excludes it; never trust it alone
		}
		if owner := s.Labels[LabelOwner]; owner == "" || !d.owners[owner] {
			continue // another client's, or of unknown owner
		}
		taskID := s.Labels[LabelTaskID]
		if _, err := d.tasks.Get(taskID); err == nil {
			continue
		}
		seen[s.ID] = true
		first, ok := d.orphans[s.ID]
		if !ok {
			d.orphans[s.ID] = now.UnixNano()
			continue
		}
		if now.UnixNano()-first < d.cfg.OrphanGrace.Nanoseconds() {
			continue
		}
		if _, err := c.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			d.logger.Warn("remove orphaned container failed", "container_id", s.ID, "task_id", taskID, "error", err)
			continue
		}
		d.logger.Info("orphaned container removed", "container_id", s.ID, "task_id", taskID, "alloc_id", s.Labels[LabelAllocID])
		removed = append(removed, s.ID)
		delete(d.orphans, s.ID)
	}
	for id := range d.orphans {
		if !seen[id] {
			delete(d.orphans, id)
		}
	}
	return removed, nil
}
