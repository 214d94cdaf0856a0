package command

import (
	"strings"

	"github.com/nomadish/nomadish/api"
)

// DeploymentUnblockCommand is `nomadish deployment unblock`: mark a
// blocked multiregion deployment successful.
type DeploymentUnblockCommand struct {
	Meta
}

func (c *DeploymentUnblockCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment unblock [options] <deployment>

  Mark the blocked deployment with the given ID (or the only deployment
  whose ID starts with it) as successful. A region's deployment of a
  multiregion job is blocked once it is complete in its region, until
  every region of the job's multiregion block is; with on_failure =
  "fail_local" a failed region leaves the others blocked until they are
  unblocked by hand. The deployment belongs to the region given by -region
  (default the agent's).

  Only a blocked deployment can be unblocked; for any other the server's
  refusal is printed and the command exits with status 1.

` + generalOptionsUsage() + `
`)
}

func (c *DeploymentUnblockCommand) Synopsis() string {
	return "Unblock a blocked multiregion deployment"
}

func (c *DeploymentUnblockCommand) Run(args []string) int {
	return runDeploymentChange(&c.Meta, "deployment unblock", args, c.Help(), "unblocking", "unblocked",
		func(client *api.Client, id string) (*api.DeploymentUpdateResponse, error) {
			resp, _, err := client.Deployments().Unblock(id, nil)
			return resp, err
		})
}
