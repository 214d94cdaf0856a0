package logmon

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Config says where a logmon writes and how it rotates.
type Config struct {
	LogDir        string
	Task          string
	MaxFiles      int // 0 is the client/logs default
	MaxFileSizeMB int // 0 is the client/logs default
}

// validate checks what Launch and Run both rely on.
func (c Config) validate() error {
	if c.LogDir == "" {
		return fmt.Errorf("%w: log dir is required", ErrInvalidConfig)
	}
	if c.Task == "" || c.Task == "." || c.Task == ".." || strings.ContainsAny(c.Task, `/\`+"\x00") {
		return fmt.Errorf("%w: task name %q must be non-empty and contain no path separator", ErrInvalidConfig, c.Task)
	}
	if c.MaxFiles < 0 || c.MaxFileSizeMB < 0 {
		return fmt.Errorf("%w: max files and max file size must not be negative", ErrInvalidConfig)
	}
	return nil
}

// fifoPath is where the FIFO of one stream lives.
func (c Config) fifoPath(stream string) string {
	return filepath.Join(c.LogDir, "."+c.Task+"."+stream+".fifo")
}

// logPath is the logmon's own log.
func (c Config) logPath() string {
	return filepath.Join(c.LogDir, "."+c.Task+".logmon.log")
}

// readyFD is the descriptor Launch passes for the readiness byte: the
// first of exec.Cmd.ExtraFiles.
const readyFD = 3

// args are the command-line arguments after "logmon".
func (h *Handle) args() []string {
	return []string{
		"-log-dir", h.Config.LogDir,
		"-task", h.Config.Task,
		"-stdout-fifo", h.StdoutFifo,
		"-stderr-fifo", h.StderrFifo,
		"-max-files", strconv.Itoa(h.Config.MaxFiles),
		"-max-file-size-mb", strconv.Itoa(h.Config.MaxFileSizeMB),
		"-ready-fd", strconv.Itoa(readyFD),
	}
}

// runArgs are Run's parsed arguments.
type runArgs struct {
	cfg                    Config
	stdoutFifo, stderrFifo string
	readyFD                int // -1: nobody waits
}

// parseArgs parses Run's arguments; errors have been written to out.
func parseArgs(args []string, out io.Writer) (runArgs, error) {
	var a runArgs
	f := flag.NewFlagSet("logmon", flag.ContinueOnError)
	f.SetOutput(out)
	f.StringVar(&a.cfg.LogDir, "log-dir", "", "directory of the rotated log files")
	f.StringVar(&a.cfg.Task, "task", "", "task name, the files' prefix")
	f.StringVar(&a.stdoutFifo, "stdout-fifo", "", "FIFO the task's stdout is written to")
	f.StringVar(&a.stderrFifo, "stderr-fifo", "", "FIFO the task's stderr is written to")
	f.IntVar(&a.cfg.MaxFiles, "max-files", 0, "rotated files kept per stream")
	f.IntVar(&a.cfg.MaxFileSizeMB, "max-file-size-mb", 0, "size of one rotated file, in MB")
	f.IntVar(&a.readyFD, "ready-fd", -1, "descriptor to write one byte to once ready")
	if err := f.Parse(args); err != nil {
		return a, err
	}
	if f.NArg() != 0 {
		err := fmt.Errorf("%w: unexpected arguments %q", ErrInvalidConfig, f.Args())
		fmt.Fprintln(out, err)
		return a, err
	}
	if err := a.cfg.validate(); err != nil {
		fmt.Fprintln(out, err)
		return a, err
	}
	if a.stdoutFifo == "" || a.stderrFifo == "" {
		err := fmt.Errorf("%w: -stdout-fifo and -stderr-fifo are required", ErrInvalidConfig)
		fmt.Fprintln(out, err)
		return a, err
	}
	return a, nil
}

// cmdlineMatches reports whether argv (a process's full command line) is
// a logmon for h: argv[1] is "logmon" and its -log-dir, -task and FIFO
// flags are h's. Other flags are ignored so that a newer agent still
// recognises an older logmon.
func cmdlineMatches(argv []string, h *Handle) bool {
	if len(argv) < 2 || argv[1] != "logmon" {
		return false
	}
	want := map[string]string{
		"log-dir":     h.Config.LogDir,
		"task":        h.Config.Task,
		"stdout-fifo": h.StdoutFifo,
		"stderr-fifo": h.StderrFifo,
	}
	got := make(map[string]string)
	rest := argv[2:]
	for i := 0; i < len(rest); i++ {
		name := strings.TrimLeft(rest[i], "-")
		if name == rest[i] {
			continue
		}
		if k, v, ok := strings.Cut(name, "="); ok {
			got[k] = v
			continue
		}
		if i+1 < len(rest) {
			got[name] = rest[i+1]
			i++
		}
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
