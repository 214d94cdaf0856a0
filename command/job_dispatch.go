package command

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// JobDispatchCommand is `nomadish job dispatch`: start an instance of a
// parameterized job.
type JobDispatchCommand struct {
	Meta
}

func (c *JobDispatchCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job dispatch [options] <parameterized job> [<input file>]

  Create an instance of a parameterized job: a child job whose ID is the
  parent's followed by "/dispatch-<time>-<random>". The child gets the
  metadata of -meta and, as its payload, the contents of <input file> ("-"
  reads standard input). A payload may be at most ` + fmt.Sprint(api.DispatchPayloadLimit/1024) + ` KiB.

  The child's ID is printed, then its evaluation is watched unless -detach
  is given.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  every allocation.

` + generalOptionsUsage() + `

Dispatch Options:

` + monitorOptionsUsage() + `

  -id-prefix-template=<template>
    Put <template> into the child job's ID, to tell dispatches apart at a
    glance. Default = none

  -meta <key>=<value>
    Set a metadata key of the child. The parameterized job's meta_required
    keys must all be given; other keys must be in its meta_optional. Can
    be given more than once.
`)
}

func (c *JobDispatchCommand) Synopsis() string {
	return "Dispatch an instance of a parameterized job"
}

func (c *JobDispatchCommand) Run(args []string) int {
	var mf monitorFlags
	var metaFlags stringList
	var idPrefix string
	f := c.FlagSet("job dispatch")
	mf.register(f)
	f.Var(&metaFlags, "meta", "")
	f.StringVar(&idPrefix, "id-prefix-template", "", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if code, ok := c.checkTimeout(&mf, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 && len(args) != 2 {
		return c.usageError(fmt.Sprintf("This command takes a job ID and an optional input file; got %d arguments", len(args)), c.Help())
	}
	meta := map[string]string{}
	for _, kv := range metaFlags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return c.usageError(fmt.Sprintf("Invalid -meta %q: want key=value", kv), c.Help())
		}
		meta[k] = v
	}
	var payload []byte
	if len(args) == 2 {
		var err error
		if payload, err = c.readPayload(args[1]); err != nil {
			c.Ui.Error(fmt.Sprintf("Error reading the payload: %s", err))
			return exitError
		}
	}

	client, ok := c.client()
	if !ok {
		return exitError
	}
	job, ok := c.resolveJob(client, args[0])
	if !ok {
		return exitError
	}
	if !job.IsParameterized() {
		c.Ui.Error(fmt.Sprintf("Job %q is not a parameterized job; only jobs with a \"parameterized\" block can be dispatched", job.ID))
		return exitError
	}
	resp, _, err := client.Jobs().Dispatch(job.ID, meta, payload, idPrefix, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("dispatching job %q", job.ID), err)
		return exitError
	}
	rows := []string{"Dispatched Job ID|" + resp.DispatchedJobID}
	if resp.EvalID != "" {
		rows = append(rows, "Evaluation ID|"+shortID(resp.EvalID, mf.verbose || mf.detach))
	}
	c.Ui.Output(formatKV(rows))
	if resp.EvalID == "" || mf.detach {
		return exitOK
	}
	c.Ui.Output("")
	mf.detach = false
	return c.followEval(client, &mf, resp.EvalID, resp.DispatchedJobID)
}

// readPayload reads the file at path, or standard input for "-", refusing
// more than the payload limit.
func (c *JobDispatchCommand) readPayload(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = c.stdinReader()
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	data, err := io.ReadAll(io.LimitReader(r, api.DispatchPayloadLimit+1))
	if err != nil {
		return nil, err
	}
	if len(data) > api.DispatchPayloadLimit {
		return nil, fmt.Errorf("the payload is larger than the limit of %d bytes (%d KiB)", api.DispatchPayloadLimit, api.DispatchPayloadLimit/1024)
	}
	return data, nil
}
