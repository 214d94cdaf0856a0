package docker

import (
	"context"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// TaskEvents streams the events of every task of this driver.
func (d *Driver) TaskEvents(ctx context.Context) (<-chan *plugin.TaskEvent, error) {
	return d.events.Subscribe(ctx), nil
}

func (d *Driver) emit(cfg *plugin.TaskConfig, msg string, ann map[string]string) {
	d.events.Publish(&plugin.TaskEvent{
		TaskID:      cfg.ID,
		AllocID:     cfg.AllocID,
		TaskName:    cfg.Name,
		Timestamp:   time.Now(),
		Message:     msg,
		Annotations: ann,
	})
}
