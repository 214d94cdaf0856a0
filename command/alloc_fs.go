package command

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// AllocFSCommand is `nomadish alloc fs`: browse an allocation's directory.
type AllocFSCommand struct {
	Meta

	// interrupt stands in for SIGINT/SIGTERM in tests; nil is the OS.
	interrupt <-chan os.Signal
}

func (c *AllocFSCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc fs [options] <allocation> [<path>]

  List a directory of an allocation, or print a file of it. <path> is
  relative to the allocation directory and defaults to its root, which
  holds alloc/ (shared by the tasks: data/, logs/, tmp/) and one directory
  per task (local/, secrets/, tmp/). Paths may not leave the allocation
  directory. <allocation> is an allocation ID or a prefix of one.

` + generalOptionsUsage() + `

FS Options:

  -stat
    Describe the file or directory instead of listing or printing it.

  -H
    Machine-friendly output: sizes in bytes and full timestamps.

  -f
    Follow a file: keep printing what is appended to it until
    interrupted (Ctrl-C).

  -tail
    Print only the end of a file: the last ` + fmt.Sprint(defaultTailLines) + ` lines, or what -n or
    -c say.

  -n=<lines>
    With -tail (which it implies), how many lines to print.

  -c=<bytes>
    With -tail (which it implies), how many bytes to print.
`)
}

func (c *AllocFSCommand) Synopsis() string { return "Inspect the contents of an allocation directory" }

func (c *AllocFSCommand) Run(args []string) int {
	var stat, machine, follow, tail bool
	var lines, bytesN int64
	f := c.FlagSet("alloc fs")
	f.BoolVar(&stat, "stat", false, "")
	f.BoolVar(&machine, "H", false, "")
	f.BoolVar(&follow, "f", false, "")
	f.BoolVar(&tail, "tail", false, "")
	f.Int64Var(&lines, "n", -1, "")
	f.Int64Var(&bytesN, "c", -1, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
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
	if tail && bytesN < 0 && lines < 0 {
		lines = defaultTailLines
	}
	rest := f.Args()
	if len(rest) < 1 || len(rest) > 2 {
		return c.usageError(fmt.Sprintf("This command takes an allocation ID or prefix and optionally a path; got %d arguments", len(rest)), c.Help())
	}
	path := "/"
	if len(rest) == 2 {
		path = rest[1]
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	alloc, ok := c.resolveAlloc(client, rest[0])
	if !ok {
		return exitError
	}
	fs := client.AllocFS()
	info, _, err := fs.Stat(alloc, path, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reading %q of allocation %s", path, shortID(alloc.ID, false)), err)
		return exitError
	}
	if stat {
		c.Ui.Output(formatFileInfos([]*api.AllocFileInfo{info}, machine))
		return exitOK
	}
	if info.IsDir && (follow || tail) {
		return c.usageError(fmt.Sprintf("%q is a directory: -f, -tail, -n and -c apply to files", path), c.Help())
	}
	if info.IsDir {
		files, _, err := fs.List(alloc, path, nil)
		if err != nil {
			c.apiError(fmt.Sprintf("listing %q of allocation %s", path, shortID(alloc.ID, false)), err)
			return exitError
		}
		if len(files) == 0 {
			c.Ui.Output(fmt.Sprintf("Directory %q is empty", path))
			return exitOK
		}
		c.Ui.Output(formatFileInfos(files, machine))
		return exitOK
	}
	out, flush := c.outputWriter()
	defer flush()
	if err := c.printFile(client, alloc, info, path, follow, tail, lines, bytesN, out); err != nil {
		c.apiError(fmt.Sprintf("reading %q of allocation %s", path, shortID(alloc.ID, false)), err)
		return exitError
	}
	return exitOK
}

// printFile writes a file, or its end (tail, the last lines or bytesN
// bytes), then with follow what is appended until interrupted.
func (c *AllocFSCommand) printFile(client *api.Client, alloc *api.Allocation, info *api.AllocFileInfo, path string,
	follow, tail bool, lines, bytesN int64, out io.Writer) error {
	fs := client.AllocFS()
	origin, offset := api.OriginStart, int64(0)
	switch {
	case tail && bytesN > 0:
		origin, offset = api.OriginEnd, bytesN
		if !follow {
			return copyReader(fs.ReadAt(alloc, path, max(info.Size-bytesN, 0), bytesN, nil))(out)
		}
	case tail:
		window := max(lines*256, 4096)
		for {
			rc, err := fs.ReadAt(alloc, path, max(info.Size-window, 0), min(window, info.Size), nil)
			if err != nil {
				return err
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			if window >= info.Size || int64(strings.Count(strings.TrimSuffix(string(data), "\n"), "\n")) >= lines {
				out.Write(tailLines(data, lines))
				break
			}
			window *= 4
		}
		if !follow {
			return nil
		}
		origin, offset = api.OriginStart, info.Size
	case !follow:
		return copyReader(fs.Cat(alloc, path, nil))(out)
	}
	interrupted, stop := onInterrupt(c.interrupt)
	defer stop()
	frames, errs := fs.Stream(alloc, path, origin, offset, interrupted, nil)
	return copyFrames(frames, errs, out)
}

// formatFileInfos renders files as Nomad does: mode, size, modification
// time and name, directories with a trailing slash.
func formatFileInfos(files []*api.AllocFileInfo, machine bool) string {
	rows := []string{"Mode|Size|Modified Time|Name"}
	for _, fi := range files {
		size, mtime := humanBytes(fi.Size), fi.ModTime.UTC().Format("01/02/06 15:04:05 UTC")
		if machine {
			size, mtime = fmt.Sprint(fi.Size), fi.ModTime.UTC().Format(time.RFC3339Nano)
		}
		name := fi.Name
		if fi.IsDir {
			name += "/"
		}
		rows = append(rows, fmt.Sprintf("%s|%s|%s|%s", fi.FileMode, size, mtime, name))
	}
	return formatList(rows)
}

// humanBytes renders n as "512 B", "4.0 KiB", "1.5 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// copyReader returns a function that copies rc (opened with err) to a
// writer and closes it.
func copyReader(rc io.ReadCloser, err error) func(io.Writer) error {
	return func(w io.Writer) error {
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err := io.Copy(w, rc)
		return err
	}
}
