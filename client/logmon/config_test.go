package logmon

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestArgsRoundTrip(t *testing.T) {
	h := &Handle{
		StdoutFifo: "/logs/.web.stdout.fifo",
		StderrFifo: "/logs/.web.stderr.fifo",
		Config:     Config{LogDir: "/logs", Task: "web", MaxFiles: 3, MaxFileSizeMB: 7},
	}
	a, err := parseArgs(h.args(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := runArgs{cfg: h.Config, stdoutFifo: h.StdoutFifo, stderrFifo: h.StderrFifo, readyFD: readyFD}
	if a != want {
		t.Fatalf("parsed %+v, want %+v", a, want)
	}
	if !cmdlineMatches(append([]string{"/usr/bin/nomadish", "logmon"}, h.args()...), h) {
		t.Fatal("the command line Launch builds does not match its own handle")
	}
}

func TestParseArgsHelp(t *testing.T) {
	if _, err := parseArgs([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	var out strings.Builder
	if _, err := parseArgs([]string{"-log-dir", "/l", "-task", "web", "-stdout-fifo", "a", "-stderr-fifo", "b", "extra"}, &out); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err = %v, want ErrInvalidConfig", err)
	}
	if !strings.Contains(out.String(), `unexpected arguments ["extra"]`) {
		t.Fatalf("output %q", out.String())
	}
}

func TestCmdlineMatches(t *testing.T) {
	h := &Handle{StdoutFifo: "/l/.web.stdout.fifo", StderrFifo: "/l/.web.stderr.fifo", Config: Config{LogDir: "/l", Task: "web"}}
	for _, tc := range []struct {
		argv []string
		want bool
	}{
		{[]string{"nomadish", "logmon", "-log-dir", "/l", "-task", "web", "-stdout-fifo", "/l/.web.stdout.fifo", "-stderr-fifo", "/l/.web.stderr.fifo"}, true},
		{[]string{"nomadish", "logmon", "-log-dir=/l", "--task=web", "-stdout-fifo=/l/.web.stdout.fifo", "-stderr-fifo=/l/.web.stderr.fifo", "-new-flag=1"}, true},
		{[]string{"nomadish", "logmon", "-log-dir", "/l", "-task", "db", "-stdout-fifo", "/l/.web.stdout.fifo", "-stderr-fifo", "/l/.web.stderr.fifo"}, false},
		{[]string{"nomadish", "plugin", "-log-dir", "/l", "-task", "web", "-stdout-fifo", "/l/.web.stdout.fifo", "-stderr-fifo", "/l/.web.stderr.fifo"}, false},
		{[]string{"nomadish", "logmon", "-log-dir", "/l", "-task", "web"}, false},
		{[]string{"sleep"}, false},
		{nil, false},
	} {
		if got := cmdlineMatches(tc.argv, h); got != tc.want {
			t.Errorf("cmdlineMatches(%q) = %v, want %v", tc.argv, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{LogDir: "/l", Task: "web"}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{Task: "web"}, {LogDir: "/l"}, {LogDir: "/l", Task: ".."}, {LogDir: "/l", Task: `a\b`}, {LogDir: "/l", Task: "web", MaxFileSizeMB: -1}} {
		if err := c.validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("validate(%+v) = %v", c, err)
		}
	}
}
