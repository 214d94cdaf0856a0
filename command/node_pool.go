package command

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/nomadish/nomadish/api"
)

// NodePoolListCommand is `nomadish node pool list`.
type NodePoolListCommand struct{ Meta }

func (c *NodePoolListCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node pool list [options]

  List the node pools of the region: the built-in pools all and default,
  then those written with "nomadish node pool apply".

` + generalOptionsUsage() + `

List Options:

  -json
    Print the API's answer as JSON. Default = false
`)
}

func (c *NodePoolListCommand) Synopsis() string { return "List node pools" }

func (c *NodePoolListCommand) Run(args []string) int {
	var asJSON bool
	f := c.FlagSet("node pool list")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if f.NArg() != 0 {
		return c.usageError("This command takes no arguments", c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	pools, _, err := client.NodePools().List(nil)
	if err != nil {
		c.apiError("listing node pools", err)
		return exitError
	}
	if asJSON {
		return c.printJSON(pools)
	}
	rows := []string{"Name|Description"}
	for _, p := range pools {
		rows = append(rows, p.Name+"|"+strings.ReplaceAll(p.Description, "|", "/"))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}

// NodePoolInfoCommand is `nomadish node pool info`.
type NodePoolInfoCommand struct{ Meta }

func (c *NodePoolInfoCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node pool info [options] <pool>

  Show one node pool: its description and meta.

` + generalOptionsUsage() + `

Info Options:

  -json
    Print the API's answer as JSON. Default = false
`)
}

func (c *NodePoolInfoCommand) Synopsis() string { return "Show a node pool" }

func (c *NodePoolInfoCommand) Run(args []string) int {
	var asJSON bool
	f := c.FlagSet("node pool info")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if f.NArg() != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, the pool's name; got %d", f.NArg()), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	p, _, err := client.NodePools().Info(f.Arg(0), nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reading node pool %q", f.Arg(0)), err)
		return exitError
	}
	if asJSON {
		return c.printJSON(p)
	}
	rows := []string{"Name|" + p.Name, "Description|" + p.Description}
	keys := make([]string, 0, len(p.Meta))
	for k := range p.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, "Meta "+k+"|"+p.Meta[k])
	}
	c.Ui.Output(formatKV(rows))
	return exitOK
}

// NodePoolApplyCommand is `nomadish node pool apply`.
type NodePoolApplyCommand struct{ Meta }

func (c *NodePoolApplyCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node pool apply [options] <file>

  Create or update the node pools a file describes, in HCL:

      node_pool "gpu" {
        description = "Nodes with a GPU"
        meta {
          owner = "ml"
        }
      }

  or as the JSON of the API ({"Name": "gpu", "Description": ..., "Meta":
  {...}}). Pools are written in the authoritative region and replicated to
  the others; the built-in pools all and default cannot be written.

` + generalOptionsUsage() + `
`)
}

func (c *NodePoolApplyCommand) Synopsis() string { return "Create or update node pools" }

func (c *NodePoolApplyCommand) Run(args []string) int {
	f := c.FlagSet("node pool apply")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if f.NArg() != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, the path of a node pool file; got %d", f.NArg()), c.Help())
	}
	src, err := os.ReadFile(f.Arg(0))
	if err != nil {
		c.Ui.Error(fmt.Sprintf("Error reading %s: %s", f.Arg(0), err))
		return exitError
	}
	pools, err := parseNodePools(f.Arg(0), src)
	if err != nil {
		c.Ui.Error(fmt.Sprintf("Error parsing %s: %s", f.Arg(0), err))
		return exitError
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	for _, p := range pools {
		if _, err := client.NodePools().Register(p, nil); err != nil {
			c.apiError(fmt.Sprintf("writing node pool %q", p.Name), err)
			return exitError
		}
		c.Ui.Output(fmt.Sprintf("Successfully applied node pool %q!", p.Name))
	}
	return exitOK
}

// maxNodePoolFile bounds a node pool file.
const maxNodePoolFile = 1 << 20

// parseNodePools reads node_pool blocks (HCL) or one pool (JSON, by a
// .json name or a leading "{").
func parseNodePools(name string, src []byte) ([]*api.NodePool, error) {
	if len(src) > maxNodePoolFile {
		return nil, fmt.Errorf("%d bytes; at most %d are accepted", len(src), maxNodePoolFile)
	}
	if filepath.Ext(name) == ".json" || strings.HasPrefix(strings.TrimSpace(string(src)), "{") {
		var p api.NodePool
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%w; accepted fields: Name, Description, Meta", err)
		}
		return []*api.NodePool{&p}, nil
	}
	file, diags := hclsyntax.ParseConfig(src, name, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return nil, diags
	}
	body := file.Body.(*hclsyntax.Body)
	if len(body.Attributes) > 0 {
		for _, a := range body.Attributes {
			return nil, fmt.Errorf("%s: unexpected argument %q; a node pool file holds node_pool \"NAME\" { } blocks", a.SrcRange, a.Name)
		}
	}
	var out []*api.NodePool
	for _, b := range body.Blocks {
		if b.Type != "node_pool" || len(b.Labels) != 1 {
			return nil, fmt.Errorf("%s: unexpected block %s; a node pool file holds node_pool \"NAME\" { } blocks", b.DefRange(), b.Type)
		}
		p := &api.NodePool{Name: b.Labels[0]}
		for _, a := range b.Body.Attributes {
			if a.Name != "description" {
				return nil, fmt.Errorf("%s: unknown argument %q in node_pool; accepted: description, and a meta block", a.SrcRange, a.Name)
			}
			v, d := a.Expr.Value(nil)
			if d.HasErrors() || v.Type() != cty.String || v.IsNull() {
				return nil, fmt.Errorf("%s: description must be a string", a.SrcRange)
			}
			p.Description = v.AsString()
		}
		for _, mb := range b.Body.Blocks {
			if mb.Type != "meta" {
				return nil, fmt.Errorf("%s: unknown block %s in node_pool; accepted: meta (scheduler_config is not supported)", mb.DefRange(), mb.Type)
			}
			p.Meta = map[string]string{}
			for k, a := range mb.Body.Attributes {
				v, d := a.Expr.Value(nil)
				if d.HasErrors() || v.Type() != cty.String || v.IsNull() {
					return nil, fmt.Errorf("%s: meta values must be strings", a.SrcRange)
				}
				p.Meta[k] = v.AsString()
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no node_pool block")
	}
	return out, nil
}

// NodePoolDeleteCommand is `nomadish node pool delete`.
type NodePoolDeleteCommand struct{ Meta }

func (c *NodePoolDeleteCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node pool delete [options] <pool>

  Remove a node pool, in the authoritative region (the others follow). A
  built-in pool, or one that nodes or jobs of the region still name, is
  refused.

` + generalOptionsUsage() + `
`)
}

func (c *NodePoolDeleteCommand) Synopsis() string { return "Remove a node pool" }

func (c *NodePoolDeleteCommand) Run(args []string) int {
	f := c.FlagSet("node pool delete")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if f.NArg() != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, the pool's name; got %d", f.NArg()), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	if _, err := client.NodePools().Delete(f.Arg(0), nil); err != nil {
		c.apiError(fmt.Sprintf("removing node pool %q", f.Arg(0)), err)
		return exitError
	}
	c.Ui.Output(fmt.Sprintf("Successfully removed node pool %q!", f.Arg(0)))
	return exitOK
}
