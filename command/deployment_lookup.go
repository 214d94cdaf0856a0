package command

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// resolveDeployment finds the one deployment whose ID is id or starts with
// it. When several match it prints them and asks for a longer prefix. The
// list endpoint answers with whole deployments, so the match needs no
// second read.
func (m *Meta) resolveDeployment(client *api.Client, id string) (*api.Deployment, bool) {
	return resolvePrefix(m, "deployment", id, func() ([]*api.Deployment, error) {
		deps, _, err := client.Deployments().List(&api.QueryOptions{Prefix: id})
		return deps, err
	}, func(d *api.Deployment) string { return d.ID },
		"ID|Job ID|Job Version|Status", func(d *api.Deployment) string {
			return fmt.Sprintf("%s|%s|%d|%s", d.ID, d.JobID, d.JobVersion, d.Status)
		})
}

// deploymentIDArg checks that args is exactly one deployment ID.
func deploymentIDArg(args []string) (string, string) {
	return oneArg("a deployment ID or prefix", args)
}

// deploymentChangeError reports a refused fail, pause or resume. A 4xx is
// the server saying no (most often: the deployment has already ended), so
// its own words are printed without the HTTP wrapping; anything else goes
// through apiError.
func (m *Meta) deploymentChangeError(doing string, err error) {
	var ue *api.UnexpectedResponseError
	if errors.As(err, &ue) && ue.StatusCode >= http.StatusBadRequest && ue.StatusCode < http.StatusInternalServerError && ue.Body != "" {
		m.Ui.Error(fmt.Sprintf("Error %s: %s", doing, strings.TrimSpace(ue.Body)))
		return
	}
	m.apiError(doing, err)
}

// printDeploymentChange prints what a fail, pause or resume did: the
// deployment's new state, the job version it reverted to and the
// evaluation it created, when there are.
func (m *Meta) printDeploymentChange(id, verb string, resp *api.DeploymentUpdateResponse) {
	m.Ui.Output(fmt.Sprintf("Deployment %q %s", id, verb))
	if resp.RevertedJobVersion != nil {
		m.Ui.Output(fmt.Sprintf("Reverted to job version %d", *resp.RevertedJobVersion))
	}
	if resp.EvalID != "" {
		m.Ui.Output(fmt.Sprintf("Evaluation ID: %s", resp.EvalID))
	}
}
