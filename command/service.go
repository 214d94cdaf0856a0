package command

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// ServiceListCommand is `nomadish service list`: the registered services
// of the namespace and the tags their instances carry.
type ServiceListCommand struct {
	Meta
}

func (c *ServiceListCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish service list [options]

  List the services registered by running allocations (service blocks
  with provider "nomad", the default), with the tags of their instances.
  With -namespace '*' the services of every namespace are listed.

` + generalOptionsUsage() + `

Service List Options:

  -json
    Print the services as JSON, as GET /v1/services returns them.
`)
}

func (c *ServiceListCommand) Synopsis() string { return "List registered services" }

func (c *ServiceListCommand) Run(args []string) int {
	var asJSON bool
	f := c.FlagSet("service list")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 0 {
		return c.usageError(fmt.Sprintf("This command takes no arguments; got %d: %s", len(f.Args()), strings.Join(f.Args(), " ")), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	list, _, err := client.Services().List(nil)
	if err != nil {
		c.apiError("listing services", err)
		return exitError
	}
	if asJSON {
		if list == nil {
			list = []*api.ServiceRegistrationListStub{}
		}
		return c.printJSON(list)
	}
	manyNS := len(list) > 1
	rows := []string{"Service Name|Tags"}
	if manyNS {
		rows[0] = "Service Name|Namespace|Tags"
	}
	for _, ns := range list {
		for _, s := range ns.Services {
			tags := "[" + strings.Join(s.Tags, ",") + "]"
			if manyNS {
				rows = append(rows, fmt.Sprintf("%s|%s|%s", s.ServiceName, ns.Namespace, tags))
			} else {
				rows = append(rows, fmt.Sprintf("%s|%s", s.ServiceName, tags))
			}
		}
	}
	if len(rows) == 1 {
		c.Ui.Output("No services found")
		return exitOK
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}

// ServiceInfoCommand is `nomadish service info`: the instances of one
// service, with their health.
type ServiceInfoCommand struct {
	Meta
}

func (c *ServiceInfoCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish service info [options] <service name>

  Show the registered instances of a service: the job and allocation that
  registered each, its address and port, its tags, the node it runs on,
  and its health from its checks ("passing", "critical", or "pending"
  before its checks have run). Every instance is shown, whatever its
  health; discovery (GET /v1/service/:name, DNS, the load balancer)
  answers only the passing ones.

` + generalOptionsUsage() + `

Service Info Options:

  -tag=<tag>
    Only show the instances carrying this tag.

  -json
    Print the instances as JSON, as GET /v1/service/:name?all=true
    returns them.

  -verbose
    Show every field of each instance, with full IDs.
`)
}

func (c *ServiceInfoCommand) Synopsis() string { return "Show the instances of a service" }

func (c *ServiceInfoCommand) Run(args []string) int {
	var asJSON, verbose bool
	var tag string
	f := c.FlagSet("service info")
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.StringVar(&tag, "tag", "", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	name, problem := oneArg("a service name", f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	regs, _, err := client.Services().Get(name, &api.ServiceGetOptions{Tag: tag, All: true}, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reading service %q", name), err)
		return exitError
	}
	sort.Slice(regs, func(i, j int) bool {
		if regs[i].JobID != regs[j].JobID {
			return regs[i].JobID < regs[j].JobID
		}
		return regs[i].ID < regs[j].ID
	})
	if asJSON {
		if regs == nil {
			regs = []*api.ServiceRegistration{}
		}
		return c.printJSON(regs)
	}
	if len(regs) == 0 {
		if tag != "" {
			c.Ui.Output(fmt.Sprintf("No instances of service %q carry tag %q", name, tag))
		} else {
			c.Ui.Output(fmt.Sprintf("No instances of service %q are registered", name))
		}
		return exitOK
	}
	if verbose {
		var blocks []string
		for _, r := range regs {
			blocks = append(blocks, formatKV([]string{
				"ID|" + r.ID, "Service Name|" + r.ServiceName, "Namespace|" + r.Namespace, "Job ID|" + r.JobID,
				"Alloc ID|" + r.AllocID, "Node ID|" + r.NodeID, "Datacenter|" + r.Datacenter,
				fmt.Sprintf("Address|%s", hostPort(r.Address, r.Port)), "Tags|[" + strings.Join(r.Tags, ",") + "]",
				"Health|" + healthOf(r), fmt.Sprintf("Create Index|%d", r.CreateIndex), fmt.Sprintf("Modify Index|%d", r.ModifyIndex),
			}))
		}
		c.Ui.Output(strings.Join(blocks, "\n\n"))
		return exitOK
	}
	rows := []string{"Job ID|Address|Tags|Health|Node ID|Alloc ID"}
	for _, r := range regs {
		rows = append(rows, fmt.Sprintf("%s|%s|[%s]|%s|%s|%s", r.JobID, hostPort(r.Address, r.Port), strings.Join(r.Tags, ","),
			healthOf(r), shortID(r.NodeID, false), shortID(r.AllocID, false)))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}

// healthOf names an instance's health; one registered before health
// existed counts as passing, as discovery treats it.
func healthOf(r *api.ServiceRegistration) string {
	if r.Health == "" {
		return "passing"
	}
	return r.Health
}

// hostPort joins an address and a port, bracketing IPv6 addresses.
func hostPort(addr string, port int) string {
	if strings.Contains(addr, ":") {
		return fmt.Sprintf("[%s]:%d", addr, port)
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// ServiceDeleteCommand is `nomadish service delete`: remove one instance
// from discovery by hand.
type ServiceDeleteCommand struct {
	Meta
}

func (c *ServiceDeleteCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish service delete [options] <service name> <service id>

  Remove one registered instance of a service from discovery, by its ID
  (service info -verbose shows it). The client that registered it
  registers it again while its allocation runs; use this for instances
  left behind, such as those of a client that is gone for good.

` + generalOptionsUsage())
}

func (c *ServiceDeleteCommand) Synopsis() string { return "Remove a service instance from discovery" }

func (c *ServiceDeleteCommand) Run(args []string) int {
	f := c.FlagSet("service delete")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if n := len(f.Args()); n != 2 {
		return c.usageError(fmt.Sprintf("This command takes two arguments, a service name and an instance ID; got %d", n), c.Help())
	}
	name, id := f.Args()[0], f.Args()[1]
	client, ok := c.client()
	if !ok {
		return exitError
	}
	if _, err := client.Services().Delete(name, id, nil); err != nil {
		c.apiError(fmt.Sprintf("deleting instance %q of service %q", id, name), err)
		return exitError
	}
	c.Ui.Output(fmt.Sprintf("Successfully deleted instance %q of service %q", id, name))
	return exitOK
}
