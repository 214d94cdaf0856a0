// Package agent is the long-running nomadish agent process: it reads the
// agent configuration, starts the server and/or client parts, and serves the
// HTTP API. It does not parse job files or talk to other agents except
// through the server's RPC layer.
package agent

import (
	"github.com/hashicorp/cli"
)

// Command is `nomadish agent`.
type Command struct {
	Ui cli.Ui
}

func (c *Command) Help() string     { return "Usage: nomadish agent [options]" }
func (c *Command) Synopsis() string { return "Runs a nomadish agent" }
func (c *Command) Run(args []string) int {
	c.Ui.Error("agent: not built yet")
	return 1
}
