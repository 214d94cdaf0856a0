package command

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/nomadish/nomadish/api"
)

// AllocLogsCommand is `nomadish alloc logs`: print or follow a task's
// stdout or stderr.
type AllocLogsCommand struct {
	Meta

	// interrupt stands in for SIGINT/SIGTERM in tests; nil is the OS.
	interrupt <-chan os.Signal
}

// defaultTailLines is how many lines -tail shows without -n or -c.
const defaultTailLines = 10

func (c *AllocLogsCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc logs [options] <allocation> [<task>]
       nomadish alloc logs [options] -job <job> [<task>]

  Print the logs of a task of an allocation: its standard output, or with
  -stderr its standard error, across the rotated log files the client
  keeps. <allocation> is an allocation ID or a prefix of one; <task> may
  be left out when the allocation's group has a single task. The agent
  asked forwards the request to the node running the allocation.

` + generalOptionsUsage() + `

Logs Options:

  -stderr
    Print standard error instead of standard output.

  -f
    Follow: keep printing new output until interrupted (Ctrl-C).

  -tail
    Print only the end of the logs: the last ` + fmt.Sprint(defaultTailLines) + ` lines, or what -n or
    -c say.

  -n=<lines>
    With -tail (which it implies), how many lines to print.

  -c=<bytes>
    With -tail (which it implies), how many bytes to print.

  -task=<task>
    The task; wins over the second argument.

  -job
    Take the first argument as a job ID and show the logs of that job's
    newest allocation.
`)
}

func (c *AllocLogsCommand) Synopsis() string { return "Stream the logs of a task" }

func (c *AllocLogsCommand) Run(args []string) int {
	var stderr, follow, tail bool
	var lines, bytesN int64
	var taskFlag string
	var byJob bool
	f := c.FlagSet("alloc logs")
	f.BoolVar(&byJob, "job", false, "")
	f.BoolVar(&stderr, "stderr", false, "")
	f.BoolVar(&follow, "f", false, "")
	f.BoolVar(&tail, "tail", false, "")
	f.Int64Var(&lines, "n", -1, "")
	f.Int64Var(&bytesN, "c", -1, "")
	f.StringVar(&taskFlag, "task", "", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	rest := f.Args()
	task, problem := allocTaskArgs(rest, taskFlag)
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	if lines == 0 || lines < -1 || bytesN == 0 || bytesN < -1 {
		return c.usageError("-n and -c must be positive", c.Help())
	}
	if lines > 0 && bytesN > 0 {
		return c.usageError("-n and -c are exclusive: give lines or bytes", c.Help())
	}
	if lines > 0 || bytesN > 0 {
		tail = true
	}
	if tail && lines < 0 && bytesN < 0 {
		lines = defaultTailLines
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
	if task, ok = c.pickTask(alloc, task); !ok {
		return exitError
	}
	logType := "stdout"
	if stderr {
		logType = "stderr"
	}

	out, flush := c.outputWriter()
	defer flush()
	origin, offset := api.OriginStart, int64(0)
	switch {
	case tail && bytesN > 0:
		origin, offset = api.OriginEnd, bytesN
	case tail:
		data, err := c.lastLines(client, alloc, task, logType, lines)
		if err != nil {
			c.apiError(fmt.Sprintf("reading the logs of task %q", task), err)
			return exitError
		}
		out.Write(data)
		if !follow {
			return exitOK
		}
		origin, offset = api.OriginEnd, 0
	}
	return c.stream(client, alloc, follow, task, logType, origin, offset, out)
}

// stream copies the log stream to out until it ends (or, following,
// until interrupted).
func (c *AllocLogsCommand) stream(client *api.Client, alloc *api.Allocation, follow bool, task, logType, origin string, offset int64, out io.Writer) int {
	cancel := make(chan struct{})
	defer close(cancel)
	if follow {
		interrupted, stop := onInterrupt(c.interrupt)
		defer stop()
		frames, errs := client.AllocFS().Logs(alloc, true, task, logType, origin, offset, interrupted, nil)
		return c.copyFrames(frames, errs, task, out)
	}
	frames, errs := client.AllocFS().Logs(alloc, false, task, logType, origin, offset, cancel, nil)
	return c.copyFrames(frames, errs, task, out)
}

func (c *AllocLogsCommand) copyFrames(frames <-chan *api.StreamFrame, errs <-chan error, task string, out io.Writer) int {
	if err := copyFrames(frames, errs, out); err != nil {
		c.apiError(fmt.Sprintf("reading the logs of task %q", task), err)
		return exitError
	}
	return exitOK
}

// copyFrames writes the frames' data to out until the stream ends and
// returns the stream's error, if any.
func copyFrames(frames <-chan *api.StreamFrame, errs <-chan error, out io.Writer) error {
	for fr := range frames {
		if _, err := out.Write(fr.Data); err != nil {
			return err
		}
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	return nil
}

// onInterrupt returns a channel closed on SIGINT or SIGTERM (or when sig,
// a test's stand-in, receives), and a function that stops listening.
func onInterrupt(sig <-chan os.Signal) (<-chan struct{}, func()) {
	var own chan os.Signal
	if sig == nil {
		own = make(chan os.Signal, 1)
		signal.Notify(own, os.Interrupt, syscall.SIGTERM)
		sig = own
	}
	interrupted := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		select {
		case <-sig:
			close(interrupted)
		case <-stopped:
		}
	}()
	var once sync.Once
	return interrupted, func() {
		once.Do(func() {
			close(stopped)
			if own != nil {
				signal.Stop(own)
			}
		})
	}
}

// lastLines reads the end of the stream, widening the window until it
// holds n lines or the whole stream, and returns the last n lines.
func (c *AllocLogsCommand) lastLines(client *api.Client, alloc *api.Allocation, task, logType string, n int64) ([]byte, error) {
	window := max(n*256, 4096)
	for {
		frames, errs := client.AllocFS().Logs(alloc, false, task, logType, api.OriginEnd, window, nil, nil)
		var buf bytes.Buffer
		for fr := range frames {
			buf.Write(fr.Data)
		}
		select {
		case err := <-errs:
			return nil, err
		default:
		}
		data := buf.Bytes()
		whole := int64(len(data)) < window
		// n lines need n newlines, plus one before them unless the
		// window reaches the start of the stream.
		if whole || int64(bytes.Count(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))) >= n {
			return tailLines(data, n), nil
		}
		window *= 4
	}
}

// tailLines returns the last n lines of data (a final line without a
// newline counts).
func tailLines(data []byte, n int64) []byte {
	body := bytes.TrimSuffix(data, []byte("\n"))
	for i := len(body) - 1; i >= 0; i-- {
		if body[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}
