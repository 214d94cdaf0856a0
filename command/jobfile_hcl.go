package command

import (
	"os"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/drivers/catalog"
	"github.com/nomadish/nomadish/jobspec"
)

// parseHCLJob parses an HCL job file (or a JSON one the parser recognises
// by its content) with the given -var and -var-file values, the
// NOMADISH_VAR_ environment variables, and every built-in driver's config
// schema. Problems come back as a *jobspec.DiagnosticsError listing them all.
func parseHCLJob(name string, data []byte, vars, varFiles []string) (*api.Job, []string, error) {
	cfg := &jobspec.ParseConfig{
		Path:     name,
		Body:     data,
		ArgVars:  vars,
		VarFiles: varFiles,
		Envs:     os.Environ(),
		Drivers:  catalog.ConfigSchemas(),
	}
	if name == stdinName {
		// file() and fileexists() in a job piped in read from where the
		// user is, as they would for a file in the current directory.
		cfg.BaseDir = "."
	}
	res, err := jobspec.Parse(cfg)
	if err != nil {
		return nil, nil, err
	}
	return res.Job, res.Warnings, nil
}
