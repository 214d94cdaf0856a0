package command

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// AllocExecCommand is `nomadish alloc exec`: run a command inside a
// running task, with its standard streams connected to this terminal.
type AllocExecCommand struct {
	Meta

	// stdinTerminal says whether stdin is a terminal (-t's default and
	// raw mode); nil checks os.Stdin. stdout and stderr are where the
	// command's output goes; nil is the Ui's writers.
	stdinTerminal func() bool
	stdout        io.Writer
	stderr        io.Writer
}

func (c *AllocExecCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc exec [options] <allocation> <command> [<args>...]
       nomadish alloc exec [options] -job <job> <command> [<args>...]

  Run a command inside a running task of an allocation, as the task's
  driver runs it (inside the container for container drivers), with this
  terminal's standard input, output and error connected to it. The exit
  code is the command's. <allocation> is an allocation ID or a prefix of
  one; -task may be left out when the allocation's group has a single
  task. The agent asked forwards the session to the node running the
  allocation. Leaving (closing the connection) ends the command; the task
  keeps running. Drivers without exec (wasm) refuse it.

` + generalOptionsUsage() + `

Exec Options:

  -task=<task>
    The task to run the command in. Required when the group has several
    tasks.

  -job
    Take the first argument as a job ID and run the command in that job's
    newest allocation.

  -i
    Pass standard input to the command. Default = true; -i=false sends
    the command an empty standard input.

  -t
    Allocate a pseudo-terminal for the command. Default = true when
    standard input is a terminal; -t=false turns it off. With a
    terminal, this terminal is put in raw mode for the session and its
    size is sent along.

  -e=<char>
    The escape character of sessions with a terminal. Default = '~'. At
    the start of a line, the escape character followed by '.' closes the
    session; typed twice it sends itself once. 'none' disables escapes.
`)
}

func (c *AllocExecCommand) Synopsis() string { return "Run a command in a running allocation" }

func (c *AllocExecCommand) Run(args []string) int {
	var taskFlag, escape string
	var byJob, stdinOn bool
	tty := &optionalBool{}
	f := c.FlagSet("alloc exec")
	f.StringVar(&taskFlag, "task", "", "")
	f.BoolVar(&byJob, "job", false, "")
	f.BoolVar(&stdinOn, "i", true, "")
	f.Var(tty, "t", "")
	f.StringVar(&escape, "e", "~", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	rest := f.Args()
	if len(rest) < 2 {
		return c.usageError(fmt.Sprintf("This command takes an allocation ID (or with -job a job ID) and the command to run; got %d arguments", len(rest)), c.Help())
	}
	esc, err := parseEscape(escape)
	if err != nil {
		return c.usageError(err.Error(), c.Help())
	}
	terminal := c.isTerminal()
	useTTY := terminal
	if tty.set {
		useTTY = tty.value
	}

	client, ok := c.client()
	if !ok {
		return exitError
	}
	allocID := rest[0]
	if byJob {
		if allocID, ok = c.newestJobAlloc(client, rest[0]); !ok {
			return exitError
		}
	}
	alloc, ok := c.resolveAlloc(client, allocID)
	if !ok {
		return exitError
	}
	if alloc.ClientStatus == "complete" || alloc.ClientStatus == "failed" || alloc.ClientStatus == "lost" {
		c.Ui.Error(fmt.Sprintf("Allocation %s is %s: exec needs a running allocation", shortID(alloc.ID, false), alloc.ClientStatus))
		return exitError
	}
	task, ok := c.pickTask(alloc, taskFlag)
	if !ok {
		return exitError
	}

	s := &execSession{
		cmd:    rest[1:],
		task:   task,
		tty:    useTTY,
		escape: esc,
		query:  c.execQuery(),
		stdout: c.stdout,
		stderr: c.stderr,
	}
	if s.stdout == nil || s.stderr == nil {
		out, flush := c.outputWriter()
		defer flush()
		if s.stdout == nil {
			s.stdout = out
		}
		if s.stderr == nil {
			s.stderr = c.errorWriter()
		}
	}
	if stdinOn {
		s.stdin = c.stdinReader()
	}
	if useTTY && terminal && stdinOn && c.stdinTerminal == nil {
		restore, err := makeRaw(os.Stdin)
		if err != nil {
			c.Ui.Error(fmt.Sprintf("Error putting the terminal in raw mode: %s", err))
			return exitError
		}
		defer restore()
		s.sizes, s.stopSizes = terminalSizes(os.Stdin)
	}
	code, err := s.run(c.execURL(client, alloc))
	if err != nil {
		c.execError(client, alloc, task, err)
		return exitError
	}
	return code
}

// execURL is the exec endpoint of alloc at the agent client talks to,
// with the general flags' region and namespace.
func (c *AllocExecCommand) execURL(client *api.Client, alloc *api.Allocation) string {
	base := client.Address()
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	default:
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base + "/v1/client/allocation/" + alloc.ID + "/exec"
}

// execQuery carries -region and -namespace (or their environment
// variables) to the endpoint, as the API client does for other calls.
func (c *AllocExecCommand) execQuery() url.Values {
	q := url.Values{}
	cfg := api.DefaultConfig()
	region, namespace := cfg.Region, cfg.Namespace
	if c.region != "" {
		region = c.region
	}
	if c.namespace != "" {
		namespace = c.namespace
	}
	if region != "" {
		q.Set("region", region)
	}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	return q
}

// execError reports why the session could not run or broke off.
func (c *AllocExecCommand) execError(client *api.Client, alloc *api.Allocation, task string, err error) {
	c.Ui.Error(fmt.Sprintf("Error running the command in task %q of allocation %s: %s", task, shortID(alloc.ID, false), err))
	if isConnRefused(err) {
		c.Ui.Error(fmt.Sprintf("Is a nomadish agent running at %s? Set -address or %s to reach another one.", client.Address(), api.EnvAddress))
	}
}

func (c *AllocExecCommand) isTerminal() bool {
	if c.stdinTerminal != nil {
		return c.stdinTerminal()
	}
	return isTerminal(os.Stdin)
}

// optionalBool is a boolean flag that remembers whether it was given,
// for -t whose default depends on the terminal.
type optionalBool struct {
	set, value bool
}

func (b *optionalBool) String() string {
	if b == nil || !b.value {
		return "false"
	}
	return "true"
}

func (b *optionalBool) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "1", "t":
		b.value = true
	case "false", "0", "f":
		b.value = false
	default:
		return fmt.Errorf("want true or false, got %q", s)
	}
	b.set = true
	return nil
}

// IsBoolFlag lets -t stand alone for -t=true.
func (b *optionalBool) IsBoolFlag() bool { return true }

// parseEscape reads -e: one character, or "none" (-1: no escapes).
func parseEscape(s string) (int, error) {
	switch {
	case s == "none":
		return -1, nil
	case len(s) == 1:
		return int(s[0]), nil
	}
	return 0, fmt.Errorf("-e must be a single character or 'none'; got %q", s)
}
