package command

import (
	"fmt"
	"strings"
)

// ServerJoinCommand is `nomadish server join`: ask the agent to join other
// servers' gossip pool.
type ServerJoinCommand struct {
	Meta
}

func (c *ServerJoinCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish server join [options] <addr> [<addr>...]

  Ask the agent (which must be a server) to join its region's gossip pool
  through the servers at the given addresses. Each address is host or
  host:port; the port defaults to the LAN gossip port, 4648. Servers of
  another region are refused there: join them with -wan, which federates
  the two regions over the WAN pool (port 4649).

` + generalOptionsUsage() + `

Server Join Options:

  -wan
    Join the cross-region (WAN) gossip pool instead of the region's own.
    Default = false
`)
}

func (c *ServerJoinCommand) Synopsis() string { return "Join server nodes together" }

func (c *ServerJoinCommand) Run(args []string) int {
	var wan bool
	f := c.FlagSet("server join")
	f.BoolVar(&wan, "wan", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	addrs := f.Args()
	if len(addrs) == 0 {
		return c.usageError("This command takes at least one argument, the address of a server to join", c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	join := client.Agent().Join
	if wan {
		join = client.Agent().JoinWAN
	}
	n, err := join(addrs...)
	if err != nil {
		c.apiError(fmt.Sprintf("joining %s", strings.Join(addrs, ", ")), err)
		if n > 0 {
			c.Ui.Output(fmt.Sprintf("Joined %s of %d", plural(n, "server"), len(addrs)))
		}
		return exitError
	}
	c.Ui.Output(fmt.Sprintf("Joined %s successfully", plural(n, "server")))
	return exitOK
}
