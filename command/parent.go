package command

import (
	"fmt"
	"strings"

	"github.com/hashicorp/cli"
)

// parentCommand is a command that only groups sub-commands (`job`,
// `server`, `operator`, `operator raft`). Running it prints its help, to
// which the cli package appends the list of sub-commands.
type parentCommand struct {
	ui       cli.Ui
	name     string
	synopsis string
	help     string
}

func (c *parentCommand) Help() string     { return strings.TrimSpace(c.help) }
func (c *parentCommand) Synopsis() string { return c.synopsis }

func (c *parentCommand) Run(args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.ui.Error(fmt.Sprintf("Unknown command %q; the sub-commands of %q are listed below.\n", c.name+" "+args[0], c.name))
	}
	return cli.RunResultHelp
}
