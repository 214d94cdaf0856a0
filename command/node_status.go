package command

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// NodeStatusCommand is `nomadish node status`: list client nodes, or show
// one in detail.
type NodeStatusCommand struct {
	Meta
}

func (c *NodeStatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node status [options] [<node>]

  Without an argument, list every client node with its pool, datacenter,
  name, class, drain, scheduling eligibility and status. With a node ID
  (or a prefix that matches one node), or with -self, show that node: its
  status, drain, resources, allocations and recent events, and with
  -verbose its attributes.

  With -stats, also show how much of the machine is in use: the CPU
  (the busy percentages of its cores, summed), memory, and the disk that
  holds the allocation directory. Host statistics come from the client of
  the agent the command talks to, so they are only available for that
  agent's own node: use -self, or give that node's ID.

` + generalOptionsUsage() + `

Node Status Options:

  -self
    Show the node of the agent the command talks to (-address), which
    must run a client.

  -verbose
    Show full IDs, and the node's attributes and metadata.

  -stats
    Show the host's resource utilization. Only for the node of the agent
    the command talks to.

  -json
    Print the node, or the list of nodes, as JSON.
`)
}

func (c *NodeStatusCommand) Synopsis() string {
	return "Display status information about nodes"
}

func (c *NodeStatusCommand) Run(args []string) int {
	var verbose, asJSON, self, stats bool
	f := c.FlagSet("node status")
	f.BoolVar(&verbose, "verbose", false, "")
	f.BoolVar(&self, "self", false, "")
	f.BoolVar(&stats, "stats", false, "")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) > 1 {
		return c.usageError(fmt.Sprintf("This command takes at most one argument, a node ID or prefix; got %d", len(f.Args())), c.Help())
	}
	if self && len(f.Args()) > 0 {
		return c.usageError("-self and a node argument are exclusive", c.Help())
	}
	if stats && asJSON {
		return c.usageError("-stats and -json are exclusive: for the host statistics as JSON, GET /v1/client/stats from the node's agent", c.Help())
	}
	if stats && !self && len(f.Args()) == 0 {
		return c.usageError("-stats shows one node: give -self, or the ID of the node of the agent at -address", c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	var id string
	switch {
	case self:
		if id, ok = c.selfNodeID(client); !ok {
			return exitError
		}
	case len(f.Args()) == 0:
		return c.list(client, verbose, asJSON)
	default:
		id = f.Args()[0]
	}
	node, ok := c.resolveNode(client, id)
	if !ok {
		return exitError
	}
	if stats && !self && !c.isAgentNode(client, node) {
		return exitError
	}
	allocs, _, err := client.Nodes().Allocations(node.ID, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("listing the allocations of node %q", node.ID), err)
		return exitError
	}
	if asJSON {
		return c.printJSON(node)
	}
	out := formatNode(node, allocs, verbose, c.clockNow())
	if stats {
		hs, err := client.Nodes().Stats(node.ID, nil)
		if err != nil {
			c.apiError(fmt.Sprintf("reading the host statistics of node %q", node.ID), err)
			return exitError
		}
		out += "\n\n" + formatHostStats(hs)
	}
	c.Ui.Output(out)
	return exitOK
}

// isAgentNode reports whether node is the node of the agent's own client,
// the only one whose host statistics the agent serves; if not it says so.
func (c *NodeStatusCommand) isAgentNode(client *api.Client, node *api.Node) bool {
	self, err := client.Agent().Self()
	if err != nil {
		c.apiError("querying the agent", err)
		return false
	}
	if own := self.Stats["client"]["node_id"]; own != node.ID {
		where := "runs no client"
		if own != "" {
			where = "is node " + own
		}
		hint := "point -address at that node's agent"
		if node.HTTPAddr != "" {
			hint = fmt.Sprintf("run with -self -address=http://%s", node.HTTPAddr)
		}
		c.Ui.Error(fmt.Sprintf("Host statistics are only available for the agent's own node, with -self; the agent at %s %s, not node %s: %s",
			client.Address(), where, node.ID, hint))
		return false
	}
	return true
}

// formatHostStats renders a client's host statistics as node status
// -stats shows them: the cores' busy percentages summed (200% is two
// cores fully busy), memory used of total, and the disk of the allocation
// directory used of its size.
func formatHostStats(hs *api.HostStats) string {
	notMeasured := map[string]bool{}
	for _, f := range hs.NotMeasured {
		notMeasured[f] = true
	}
	cpu, mem, disk := "not measured", "not measured", "not measured"
	if !notMeasured["CPU"] {
		var sum float64
		for _, s := range hs.CPU {
			if s != nil {
				sum += s.Total
			}
		}
		cpu = fmt.Sprintf("%.1f%% of %d cores", sum, len(hs.CPU))
		if len(hs.CPU) == 1 {
			cpu = fmt.Sprintf("%.1f%% of 1 core", sum)
		}
	}
	if m := hs.Memory; m != nil && !notMeasured["Memory"] {
		mem = humanBytes(int64(m.Used)) + "/" + humanBytes(int64(m.Total))
	}
	if d := hs.AllocDirStats; d != nil && !notMeasured["AllocDirStats"] {
		disk = humanBytes(int64(d.Used)) + "/" + humanBytes(int64(d.Size))
	}
	return "Host Resource Utilization\n" + formatList([]string{"CPU|Memory|Disk", cpu + "|" + mem + "|" + disk})
}

// selfNodeID asks the agent for its client's node ID.
func (c *NodeStatusCommand) selfNodeID(client *api.Client) (string, bool) {
	self, err := client.Agent().Self()
	if err != nil {
		c.apiError("querying the agent", err)
		return "", false
	}
	id := self.Stats["client"]["node_id"]
	if id == "" {
		c.Ui.Error(fmt.Sprintf("The agent at %s runs no client, so it has no node: give a node ID, or point -address at a client agent", client.Address()))
		return "", false
	}
	return id, true
}

func (c *NodeStatusCommand) list(client *api.Client, verbose, asJSON bool) int {
	nodes, _, err := client.Nodes().List(nil)
	if err != nil {
		c.apiError("listing nodes", err)
		return exitError
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	if asJSON {
		return c.printJSON(nodes)
	}
	if len(nodes) == 0 {
		c.Ui.Output("No nodes registered")
		return exitOK
	}
	rows := []string{"ID|Node Pool|DC|Name|Class|Drain|Eligibility|Status"}
	for _, n := range nodes {
		rows = append(rows, fmt.Sprintf("%s|%s|%s|%s|%s|%t|%s|%s", shortID(n.ID, verbose), orNone(n.NodePool),
			n.Datacenter, n.Name, orNone(n.NodeClass), n.Drain, n.SchedulingEligibility, n.Status))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}

// formatNode renders one node for node status.
func formatNode(n *api.Node, allocs []*api.Allocation, verbose bool, now time.Time) string {
	var drivers []string
	for name, d := range n.Drivers {
		if d != nil && d.Detected && d.Healthy {
			drivers = append(drivers, name)
		}
	}
	sort.Strings(drivers)
	rows := []string{
		"ID|" + n.ID,
		"Name|" + n.Name,
		"Node Pool|" + orNone(n.NodePool),
		"Class|" + orNone(n.NodeClass),
		"DC|" + n.Datacenter,
		"Drain|" + drainSummary(n.DrainStrategy, now),
		"Eligibility|" + n.SchedulingEligibility,
		"Status|" + n.Status,
		"Drivers|" + orNone(strings.Join(drivers, ",")),
	}
	if n.StatusDescription != "" {
		rows = append(rows, "Status Description|"+n.StatusDescription)
	}
	var b strings.Builder
	b.WriteString(formatKV(rows))

	if r := n.NodeResources; r != nil {
		b.WriteString("\n\nResources\n")
		b.WriteString(formatList([]string{
			"CPU|Memory|Disk",
			fmt.Sprintf("%d MHz|%s|%s", r.Cpu.CpuShares, formatMB(r.Memory.MemoryMB), formatMB(r.Disk.DiskMB)),
		}))
	}

	b.WriteString("\n\nAllocations\n")
	if len(allocs) == 0 {
		b.WriteString("No allocations placed")
	} else {
		sort.Slice(allocs, func(i, j int) bool { return allocs[i].CreateIndex > allocs[j].CreateIndex })
		arows := []string{"ID|Job ID|Task Group|Desired|Status|Modified"}
		for _, a := range allocs {
			arows = append(arows, fmt.Sprintf("%s|%s|%s|%s|%s|%s", shortID(a.ID, verbose), a.JobID, a.TaskGroup,
				a.DesiredStatus, a.ClientStatus, formatTimeAgo(a.ModifyTime, now)))
		}
		b.WriteString(formatList(arows))
	}

	if len(n.Events) > 0 {
		b.WriteString("\n\nRecent Events:\n")
		erows := []string{"Time|Subsystem|Message"}
		for i := len(n.Events) - 1; i >= 0; i-- {
			e := n.Events[i]
			erows = append(erows, fmt.Sprintf("%s|%s|%s", time.Unix(e.Timestamp, 0).Local().Format(time.RFC3339), e.Subsystem, e.Message))
		}
		b.WriteString(formatList(erows))
	}

	if verbose {
		b.WriteString("\n\nAttributes\n")
		b.WriteString(formatKV(sortedKV(n.Attributes)))
		if len(n.Meta) > 0 {
			b.WriteString("\n\nMeta\n")
			b.WriteString(formatKV(sortedKV(n.Meta)))
		}
	}
	return b.String()
}

// drainSummary is "false", or how the drain stands.
func drainSummary(d *api.DrainStrategy, now time.Time) string {
	if d == nil {
		return "false"
	}
	var parts []string
	switch {
	case d.Deadline < 0:
		parts = append(parts, "forced")
	case d.Deadline == 0:
		parts = append(parts, "no deadline")
	default:
		parts = append(parts, "deadline "+formatTimeAgo(d.ForceDeadline, now))
	}
	if d.IgnoreSystemJobs {
		parts = append(parts, "ignoring system jobs")
	}
	return "true (" + strings.Join(parts, ", ") + ")"
}

func sortedKV(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([]string, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, k+"|"+m[k])
	}
	return rows
}

// formatMB renders megabytes as MiB or GiB.
func formatMB(mb int64) string {
	if mb >= 1024 {
		return fmt.Sprintf("%.1f GiB", float64(mb)/1024)
	}
	return fmt.Sprintf("%d MiB", mb)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
