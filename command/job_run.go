package command

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// JobRunCommand is `nomadish job run`: register a job and watch the
// evaluation it creates.
type JobRunCommand struct {
	Meta
}

func (c *JobRunCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job run [options] <path>

  Register the job in the file at <path> ("-" reads standard input),
  creating it or updating it, then watch the evaluation the registration
  creates until the schedulers finish it (or -timeout passes), printing
  each placement as it is made.

  The file is an HCL job file, or a JSON job (with -json, or a name ending
  in .json). An HCL file is parsed and checked here first: every problem is
  printed at once with its file:line:col, and nothing is sent. Variables
  declared by "variable" blocks are set with -var, -var-file or
  NOMADISH_VAR_<name> environment variables.

  Exit codes: 0 when the job was registered and its evaluation completed
  (or is still pending at the timeout, or -detach was given); 1 on errors,
  including a job file with problems or a job the server rejects; 2 when
  the evaluation failed or could not place every allocation.

` + generalOptionsUsage() + `

Run Options:

  -check-index=<index>
    Register the job only if its current job modify index is <index>, as
    printed by "nomadish job plan". 0 means only if the job does not exist
    yet. Guards against overwriting someone else's change.
    Default = not checked

  -detach
    Print the evaluation ID and return without watching the evaluation.
    Default = false

` + jobFileOptionsUsage() + `

  -output
    Print the parsed job as JSON ({"Job": ...}, as PUT /v1/jobs takes it)
    and exit without submitting it. Default = false

  -timeout=<duration>
    How long to watch the evaluation before returning and leaving it to
    finish on its own. Default = ` + defaultMonitorTimeout.String() + `

  -verbose
    Show full IDs. Default = false
`)
}

func (c *JobRunCommand) Synopsis() string { return "Run a new job or update an existing one" }

func (c *JobRunCommand) Run(args []string) int {
	var detach, verbose, output bool
	var timeout time.Duration
	var jf jobFileFlags
	checkIndex := &optionalUint{}
	f := c.FlagSet("job run")
	f.BoolVar(&detach, "detach", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.BoolVar(&output, "output", false, "")
	f.DurationVar(&timeout, "timeout", defaultMonitorTimeout, "")
	f.Var(checkIndex, "check-index", "")
	jf.register(f)
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, the path of a job file; got %d", len(args)), c.Help())
	}
	if timeout <= 0 {
		return c.usageError(fmt.Sprintf("Invalid -timeout %s: it must be positive, e.g. 30s or 2m", timeout), c.Help())
	}

	job, ok := c.loadJobOrReport(args[0], &jf)
	if !ok {
		return exitError
	}
	if output {
		return c.printJSON(map[string]*api.Job{"Job": job})
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}

	req := &api.JobRegisterRequest{Job: job}
	if checkIndex.set {
		req.EnforceIndex = true
		req.JobModifyIndex = checkIndex.value
	}
	resp, _, err := client.Jobs().RegisterOpts(req, nil)
	if err != nil {
		c.apiError("submitting job", err)
		return exitError
	}
	if resp.Warnings != "" {
		c.Ui.Warn("Job Warnings:\n" + resp.Warnings + "\n")
	}

	switch {
	case resp.EvalID == "":
		// Periodic and parameterized jobs create no evaluation until they
		// launch or are dispatched.
		c.Ui.Output(fmt.Sprintf("Job %q registered; it creates no evaluation until it is launched or dispatched", job.ID))
		return exitOK
	case detach:
		c.Ui.Output(resp.EvalID)
		return exitOK
	}
	m := &evalMonitor{ui: c.Ui, client: client, meta: &c.Meta, timeout: timeout, verbose: verbose, jobID: job.ID}
	return m.monitor(resp.EvalID)
}

// optionalUint is a uint64 flag that remembers whether it was given, since
// 0 is a meaningful value for -check-index.
type optionalUint struct {
	value uint64
	set   bool
}

var _ flag.Value = (*optionalUint)(nil)

func (o *optionalUint) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatUint(o.value, 10)
}

func (o *optionalUint) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a non-negative integer index, got %q", s)
	}
	o.value, o.set = v, true
	return nil
}
