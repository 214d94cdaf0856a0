package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// OperatorRaftListPeersCommand is `nomadish operator raft list-peers`: the
// Raft peer set of a region.
type OperatorRaftListPeersCommand struct {
	Meta
}

func (c *OperatorRaftListPeersCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish operator raft list-peers [options]

  Display the Raft peer set of the region: every server that takes part in
  consensus, whether it votes, and which one leads. This is Raft's own view,
  which can differ from gossip membership ("nomadish server members") while
  a server joins or leaves.

` + generalOptionsUsage() + `

List Peers Options:

  -stale
    Let any server answer rather than only the leader, so the command works
    while the region has no leader. The answer may be out of date.
    Default = false

  -json
    Print the Raft configuration as JSON, for scripts.
    Default = false
`)
}

func (c *OperatorRaftListPeersCommand) Synopsis() string {
	return "Display the current Raft peer configuration"
}

func (c *OperatorRaftListPeersCommand) Run(args []string) int {
	var stale, asJSON bool
	f := c.FlagSet("operator raft list-peers")
	f.BoolVar(&stale, "stale", false, "")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 0 {
		return c.usageError(fmt.Sprintf("This command takes no arguments; got %s", strings.Join(f.Args(), " ")), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	cfg, err := client.Operator().RaftGetConfiguration(&api.QueryOptions{AllowStale: stale})
	if err != nil {
		c.apiError("reading the Raft configuration", err)
		if !stale {
			c.Ui.Error("If the region has no leader, retry with -stale.")
		}
		return exitError
	}
	if asJSON {
		return c.printJSON(cfg)
	}
	rows := []string{"Node|ID|Address|State|Voter|RaftProtocol"}
	for _, s := range cfg.Servers {
		state := "follower"
		if s.Leader {
			state = "leader"
		}
		rows = append(rows, fmt.Sprintf("%s|%s|%s|%s|%t|%s", s.Node, s.ID, s.Address, state, s.Voter, s.RaftProtocol))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}
