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
	match, ok := resolvePrefix(m, "node", id, func() ([]*api.NodeListStub, error) {
		stubs, _, err := client.Nodes().List(&api.QueryOptions{Prefix: id})
		return stubs, err
	}, func(s *api.NodeListStub) string { return s.ID },
		"ID|Name|Status", func(s *api.NodeListStub) string { return fmt.Sprintf("%s|%s|%s", s.ID, s.Name, s.Status) })
	if !ok {
		return nil, false
	}
	node, _, err := client.Nodes().Info(match.ID, nil)
	if err != nil {
		m.apiError(fmt.Sprintf("reading node %q", match.ID), err)
		return nil, false
	}
	return node, true
}

// resolvePrefix picks, among the objects of a kind that list returns for
// the prefix id, the one whose ID is id or else the only one. It refuses a
// one-character prefix, and lists the candidates (header and row give the
// table) when several match.
func resolvePrefix[T any](m *Meta, kind, id string, list func() ([]T, error), idOf func(T) string, header string, row func(T) string) (T, bool) {
	var zero T
	if len(id) == 1 {
		m.Ui.Error(fmt.Sprintf("%s ID prefix must be at least two characters", capitalize(kind)))
		return zero, false
	}
	stubs, err := list()
	if err != nil {
		m.apiError(fmt.Sprintf("querying %s %q", kind, id), err)
		return zero, false
	}
	for _, s := range stubs {
		if idOf(s) == id {
			return s, true
		}
	}
	switch len(stubs) {
	case 0:
		m.Ui.Error(fmt.Sprintf("No %s(s) with prefix or ID %q found", kind, id))
		return zero, false
	case 1:
		return stubs[0], true
	}
	sort.Slice(stubs, func(i, j int) bool { return idOf(stubs[i]) < idOf(stubs[j]) })
	rows := []string{header}
	for _, s := range stubs {
		rows = append(rows, row(s))
	}
	m.Ui.Error(fmt.Sprintf("Prefix %q matched multiple %ss; use a longer one:\n\n%s", id, kind, formatList(rows)))
	return zero, false
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// nodeIDArg checks that args is exactly one node ID.
func nodeIDArg(args []string) (string, string) { return oneArg("a node ID or prefix", args) }

// oneArg returns the only argument, or the problem: how many there were,
// and which.
func oneArg(what string, args []string) (string, string) {
	switch len(args) {
	case 1:
		return args[0], ""
	case 0:
		return "", fmt.Sprintf("This command takes one argument, %s; got none", what)
	}
	return "", fmt.Sprintf("This command takes one argument, %s; got %d: %s", what, len(args), strings.Join(args, " "))
}
