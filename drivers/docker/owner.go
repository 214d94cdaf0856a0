package docker

import (
	"os"
	"path/filepath"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// LabelOwner names the client a container belongs to, so that clients
// sharing one engine leave each other's containers alone: the reconciler
// removes only orphans whose owner is a client this driver serves.
//
// Neither the task config nor the plugin config carries a node ID, so the
// owner is the host name and the client's allocation directory root (the
// parent of every alloc dir, taken from the task's directories): two
// clients on one machine cannot share an alloc dir, and the value stays the
// same across restarts of the client and of the plugin.
const LabelOwner = "io.nomadish.owner"

// ownerOf is the owner label of cfg's container; "" when the task config
// names no directories, and then the container is never reconciled.
func ownerOf(cfg *plugin.TaskConfig) string {
	dir := cfg.TaskDir.Dir // <root>/<alloc ID>/<task>
	if dir == "" {
		dir = cfg.TaskDir.SharedAllocDir // <root>/<alloc ID>/alloc
	}
	if dir == "" {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Clean(dir)))
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + ":" + root
}

// noteOwner records that this driver serves owner's tasks, so that the
// reconciler may collect that owner's orphans.
func (d *Driver) noteOwner(owner string) {
	if owner == "" {
		return
	}
	d.orphansMu.Lock()
	defer d.orphansMu.Unlock()
	if d.owners == nil {
		d.owners = map[string]bool{}
	}
	d.owners[owner] = true
}
