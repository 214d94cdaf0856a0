package command

import (
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

func TestLogmonCommandHelp(t *testing.T) {
	c := &LogmonCommand{Ui: cli.NewMockUi()}
	for _, want := range []string{"Usage: nomadish logmon", "-stdout-fifo", "-max-file-size-mb", "not\n  meant to be run by hand"} {
		if !strings.Contains(c.Help(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if c.Synopsis() == "" {
		t.Error("empty synopsis")
	}
}

func TestLogmonCommandIsHidden(t *testing.T) {
	build, ok := hiddenCommands["logmon"]
	if !ok {
		t.Fatal("logmon is not registered as a hidden command")
	}
	if _, ok := build(cli.NewMockUi()).(*LogmonCommand); !ok {
		t.Fatal("hidden command logmon is not a LogmonCommand")
	}
}

func TestLogmonCommandRefusesBadInvocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no flags", nil, "log dir is required"},
		{"bad task", []string{"-log-dir", t.TempDir(), "-task", "a/b"}, `task name "a/b"`},
		{"no fifos", []string{"-log-dir", t.TempDir(), "-task", "web"}, "-stdout-fifo and -stderr-fifo are required"},
		{"bad flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"missing fifo", []string{"-log-dir", t.TempDir(), "-task", "web", "-stdout-fifo", "/nonexistent/x", "-stderr-fifo", "/nonexistent/y"}, "stdout fifo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			c := &LogmonCommand{Ui: cli.NewMockUi(), stderr: &stderr}
			if code := c.Run(tc.args); code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
		})
	}
}
