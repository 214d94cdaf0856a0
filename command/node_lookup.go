package command

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// resolveNode finds the one node whose ID is id or starts with it. When
// several match it prints them and asks for a longer prefix.
func (m *Meta) resolveNode(client *api.Client, id string) (*api.Node, bool) {
	if len(id) == 1 {
		m.Ui.Error("Node ID prefix must be at least two characters")
		return nil, false
	}
	stubs, _, err := client.Nodes().List(&api.QueryOptions{Prefix: id})
	if err != nil {
		m.apiError(fmt.Sprintf("querying node %q", id), err)
		return nil, false
	}
	var match *api.NodeListStub
	for _, s := range stubs {
		if s.ID == id {
			match = s
		}
	}
	switch {
	case match != nil:
	case len(stubs) == 0:
		m.Ui.Error(fmt.Sprintf("No node(s) with prefix or ID %q found", id))
		return nil, false
	case len(stubs) > 1:
		sort.Slice(stubs, func(i, j int) bool { return stubs[i].ID < stubs[j].ID })
		rows := []string{"ID|Name|Status"}
		for _, s := range stubs {
			rows = append(rows, fmt.Sprintf("%s|%s|%s", s.ID, s.Name, s.Status))
		}
		m.Ui.Error(fmt.Sprintf("Prefix %q matched multiple nodes; use a longer one:\n\n%s", id, formatList(rows)))
		return nil, false
	default:
		match = stubs[0]
	}
	node, _, err := client.Nodes().Info(match.ID, nil)
	if err != nil {
		m.apiError(fmt.Sprintf("reading node %q", match.ID), err)
		return nil, false
	}
	return node, true
}

// nodeIDArg checks that args is exactly one node ID.
func nodeIDArg(args []string) (string, string) {
	if len(args) != 1 {
		return "", fmt.Sprintf("This command takes one argument, a node ID or prefix; got %d: %s", len(args), strings.Join(args, " "))
	}
	return args[0], ""
}
