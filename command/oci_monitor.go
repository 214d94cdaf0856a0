package command

import (
	"strings"

	"github.com/hashicorp/cli"
	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
)

// OCIMonitorCommand is `nomadish oci-monitor <state dir>`: the OCI driver
// runs it, in a session of its own, to create, start and wait for one
// container, so the container outlives the plugin and the client. Nobody
// runs it by hand.
type OCIMonitorCommand struct {
	Ui cli.Ui
}

func (c *OCIMonitorCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish oci-monitor <state dir>

  Internal: the monitor of one OCI container, started by the OCI driver.
  It creates and starts the container described in <state dir>, waits for
  it to exit and writes the exit status to <state dir>/exit.json.`)
}

func (c *OCIMonitorCommand) Synopsis() string { return "Monitor one OCI container (internal)" }

func (c *OCIMonitorCommand) Run(args []string) int { return ociruntime.MonitorMain(args) }
