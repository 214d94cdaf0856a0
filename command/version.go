package command

import (
	"fmt"
	"strings"

	"github.com/hashicorp/cli"
)

// Version and VersionPrerelease name this build; release builds set them
// with -ldflags "-X github.com/nomadish/nomadish/command.Version=...".
var (
	Version           = "0.1.0"
	VersionPrerelease = "dev"
)

// versionString is "nomadish v0.1.0-dev".
func versionString() string {
	v := "nomadish v" + Version
	if VersionPrerelease != "" {
		v += "-" + VersionPrerelease
	}
	return v
}

// VersionCommand is `nomadish version`.
type VersionCommand struct {
	Ui cli.Ui
}

func (c *VersionCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish version

  Print the version of this nomadish binary. It does not contact an agent.
`)
}

func (c *VersionCommand) Synopsis() string { return "Print the nomadish version" }

func (c *VersionCommand) Run(args []string) int {
	if len(args) != 0 {
		c.Ui.Error(fmt.Sprintf("This command takes no arguments; got %s", strings.Join(args, " ")))
		c.Ui.Error(c.Help())
		return exitError
	}
	c.Ui.Output(versionString())
	return exitOK
}
