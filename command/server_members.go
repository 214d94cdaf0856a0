package command

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// ServerMembersCommand is `nomadish server members`: the servers in the
// gossip pool and which of them leads its region.
type ServerMembersCommand struct {
	Meta
}

func (c *ServerMembersCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish server members [options]

  Display the servers the agent knows through gossip, their status and
  which one is the Raft leader of its region. Only servers gossip, so the
  agent asked must be a server.

  By default the LAN pool is shown: the servers of the agent's region. With
  -wan, the WAN pool is shown: the servers of every federated region.

` + generalOptionsUsage() + `

Server Members Options:

  -wan
    Show the WAN pool (every region) instead of the LAN pool.
    Default = false

  -detailed
    Also show the gossip protocol version and every member tag.
    -verbose is an alias. Default = false

  -json
    Print the members as JSON, as the HTTP API returns them.
    Default = false
`)
}

func (c *ServerMembersCommand) Synopsis() string {
	return "Display a list of the known servers and their status"
}

func (c *ServerMembersCommand) Run(args []string) int {
	var wan, detailed, asJSON bool
	f := c.FlagSet("server members")
	f.BoolVar(&wan, "wan", false, "")
	f.BoolVar(&detailed, "detailed", false, "")
	f.BoolVar(&detailed, "verbose", false, "")
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

	var members *api.ServerMembers
	var err error
	if wan {
		members, err = client.Agent().MembersWAN(nil)
	} else {
		members, err = client.Agent().Members(nil)
	}
	if err != nil {
		c.apiError("reading server members", err)
		return exitError
	}
	if asJSON {
		return c.printJSON(members)
	}
	if len(members.Members) == 0 {
		c.Ui.Output("No servers in the gossip pool")
		return exitOK
	}

	leaders, failed := c.regionLeaders(client, members.Members)
	sort.Slice(members.Members, func(i, j int) bool {
		a, b := members.Members[i], members.Members[j]
		if a.Tags["region"] != b.Tags["region"] {
			return a.Tags["region"] < b.Tags["region"]
		}
		return a.Name < b.Name
	})
	c.Ui.Output(formatMembers(members.Members, leaders, detailed))
	for _, region := range failed {
		c.Ui.Warn(fmt.Sprintf("\nCould not find the leader of region %q; its Leader column is false for every server", region))
	}
	return exitOK
}

// regionLeaders asks each region the members belong to for its Raft
// leader's RPC address. It returns the leaders and the regions it could not
// ask.
func (c *ServerMembersCommand) regionLeaders(client *api.Client, members []*api.Member) (map[string]string, []string) {
	leaders := make(map[string]string)
	var failed []string
	for _, m := range members {
		region := m.Tags["region"]
		if _, done := leaders[region]; done {
			continue
		}
		leader, err := client.Status().LeaderOpts(&api.QueryOptions{Region: region})
		if err != nil {
			failed = append(failed, region)
		}
		leaders[region] = leader
	}
	sort.Strings(failed)
	return leaders, failed
}

func formatMembers(members []*api.Member, leaders map[string]string, detailed bool) string {
	header := "Name|Address|Port|Status|Leader|Raft Version|Build|Datacenter|Region"
	if detailed {
		header = "Name|Address|Port|Status|Leader|Protocol|Raft Version|Build|Datacenter|Region|Tags"
	}
	rows := []string{header}
	for _, m := range members {
		rpc := m.RPCAddr()
		isLeader := rpc != "" && rpc == leaders[m.Tags["region"]]
		if detailed {
			rows = append(rows, fmt.Sprintf("%s|%s|%d|%s|%t|%d|%s|%s|%s|%s|%s",
				m.Name, m.Addr, m.Port, m.Status, isLeader, m.ProtocolCur,
				m.Tags["raft_vsn"], m.Tags["build"], m.Tags["dc"], m.Tags["region"], formatTags(m.Tags)))
			continue
		}
		rows = append(rows, fmt.Sprintf("%s|%s|%d|%s|%t|%s|%s|%s|%s",
			m.Name, m.Addr, m.Port, m.Status, isLeader,
			m.Tags["raft_vsn"], m.Tags["build"], m.Tags["dc"], m.Tags["region"]))
	}
	return formatList(rows)
}
