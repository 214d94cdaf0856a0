package command

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// defaultDrainDeadline is how long a drain may take before what is left
// is stopped, unless -deadline, -no-deadline or -force says otherwise.
const defaultDrainDeadline = time.Hour

// drainMonitorWait is how long each blocking read of the node waits.
const drainMonitorWait = 5 * time.Minute

// NodeDrainCommand is `nomadish node drain`: move a node's allocations
// elsewhere and keep new ones away.
type NodeDrainCommand struct {
	Meta
}

func (c *NodeDrainCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node drain [options] -enable|-disable <node>

  Start or stop draining the node with the given ID (or the only node whose
  ID starts with it). A draining node takes no new allocations; its service
  allocations are migrated to other nodes, and what is still running when
  the deadline passes is stopped. System job allocations are stopped last,
  unless -ignore-system. When nothing is left the drain is complete and the
  node stays ineligible until "nomadish node eligibility -enable".

  Without -detach the command follows the drain, printing the node's
  events, until it completes. Interrupting it does not stop the drain; use
  -disable for that.

` + generalOptionsUsage() + `

Drain Options:

  -enable
    Start draining the node (or change the running drain's options).

  -disable
    Stop draining the node. The node becomes eligible again unless
    -keep-ineligible.

  -deadline=<duration>
    How long allocations may take to move before the remaining ones are
    stopped. Default = ` + defaultDrainDeadline.String() + `

  -no-deadline
    Let the drain take as long as it needs.

  -force
    Stop every allocation on the node at once, without waiting for
    migrations.

  -ignore-system
    Leave system job allocations running; the drain completes without
    them.

  -keep-ineligible
    With -disable, keep the node ineligible for new allocations.

  -detach
    Return as soon as the drain is started instead of following it.

  -yes
    Accepted so that scripts written for Nomad run unchanged: nomadish
    never asks for confirmation.
`)
}

func (c *NodeDrainCommand) Synopsis() string {
	return "Toggle drain mode on a given node"
}

func (c *NodeDrainCommand) Run(args []string) int {
	var enable, disable, noDeadline, force, ignoreSystem, keepIneligible, detach, yes bool
	var deadline time.Duration
	f := c.FlagSet("node drain")
	f.BoolVar(&enable, "enable", false, "")
	f.BoolVar(&disable, "disable", false, "")
	f.DurationVar(&deadline, "deadline", defaultDrainDeadline, "")
	f.BoolVar(&noDeadline, "no-deadline", false, "")
	f.BoolVar(&force, "force", false, "")
	f.BoolVar(&ignoreSystem, "ignore-system", false, "")
	f.BoolVar(&keepIneligible, "keep-ineligible", false, "")
	f.BoolVar(&detach, "detach", false, "")
	f.BoolVar(&yes, "yes", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if enable == disable {
		return c.usageError("Exactly one of -enable and -disable is required", c.Help())
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if disable {
		for _, name := range []string{"deadline", "no-deadline", "force", "ignore-system", "detach"} {
			if set[name] {
				return c.usageError(fmt.Sprintf("-%s only applies with -enable", name), c.Help())
			}
		}
	} else if set["keep-ineligible"] {
		return c.usageError("-keep-ineligible only applies with -disable", c.Help())
	}
	if enable {
		n := 0
		for _, name := range []string{"deadline", "no-deadline", "force"} {
			if set[name] {
				n++
			}
		}
		if n > 1 {
			return c.usageError("Only one of -deadline, -no-deadline and -force may be given", c.Help())
		}
		if set["deadline"] && deadline <= 0 {
			return c.usageError(fmt.Sprintf("Invalid -deadline %s: want a positive duration such as 30m; use -no-deadline or -force otherwise", deadline), c.Help())
		}
	}
	id, problem := nodeIDArg(f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	node, ok := c.resolveNode(client, id)
	if !ok {
		return exitError
	}

	if disable {
		if _, _, err := client.Nodes().UpdateDrain(node.ID, nil, !keepIneligible, nil); err != nil {
			c.apiError(fmt.Sprintf("stopping the drain of node %q", node.ID), err)
			return exitError
		}
		c.Ui.Output(fmt.Sprintf("Node %q drain strategy unset", node.ID))
		return exitOK
	}

	spec := &api.DrainSpec{Deadline: int64(deadline), IgnoreSystemJobs: ignoreSystem}
	switch {
	case noDeadline:
		spec.Deadline = 0
	case force:
		spec.Deadline = -1
	}
	resp, wm, err := client.Nodes().UpdateDrain(node.ID, spec, false, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("starting the drain of node %q", node.ID), err)
		return exitError
	}
	c.Ui.Output(fmt.Sprintf("Node %q drain strategy set", node.ID))
	if detach {
		return exitOK
	}
	index := resp.NodeModifyIndex
	if wm != nil && wm.LastIndex > index {
		index = wm.LastIndex
	}
	return c.monitorDrain(client, node.ID, index)
}

// monitorDrain follows the node with blocking reads, printing each new
// event, until its drain is over.
func (c *NodeDrainCommand) monitorDrain(client *api.Client, nodeID string, since uint64) int {
	var seen uint64 = since
	var wait uint64
	for {
		node, qm, err := client.Nodes().Info(nodeID, &api.QueryOptions{WaitIndex: wait, WaitTime: drainMonitorWait})
		if err != nil {
			c.apiError(fmt.Sprintf("following the drain of node %q", nodeID), err)
			return exitError
		}
		for _, e := range node.Events {
			if e.CreateIndex <= seen {
				continue
			}
			seen = e.CreateIndex
			c.Ui.Output(fmt.Sprintf("%s: %s", time.Unix(e.Timestamp, 0).Local().Format(time.RFC3339), e.Message))
		}
		if node.DrainStrategy == nil {
			c.Ui.Output(fmt.Sprintf("Node %q has no drain in progress; done", nodeID))
			return exitOK
		}
		wait = qm.LastIndex
	}
}
