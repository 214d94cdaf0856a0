package command

import (
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

func TestEveryCommandHasHelpAndSynopsis(t *testing.T) {
	ui := cli.NewMockUi()
	for name, factory := range Commands(ui) {
		c, err := factory()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Synopsis() == "" || strings.Contains(c.Synopsis(), "\n") {
			t.Errorf("%s: synopsis %q is not one line", name, c.Synopsis())
		}
		help := c.Help()
		if !strings.HasPrefix(help, "Usage: nomadish "+name) {
			t.Errorf("%s: help does not start with its usage line:\n%s", name, help)
		}
	}
}

func TestAPICommandsDocumentGeneralOptions(t *testing.T) {
	ui := cli.NewMockUi()
	for _, name := range []string{"status", "job run", "job status", "job stop", "server members", "server join", "operator raft list-peers"} {
		c, _ := Commands(ui)[name]()
		help := c.Help()
		for _, want := range []string{"General Options:", "-address=<addr>", "NOMADISH_ADDR", "-region=<region>", "-namespace=<namespace>"} {
			if !strings.Contains(help, want) {
				t.Errorf("%s: help lacks %q", name, want)
			}
		}
	}
}

func TestRunVersionFlag(t *testing.T) {
	ui := cli.NewMockUi()
	var out strings.Builder
	if code := runCLI([]string{"--version"}, ui, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.OutputWriter.String()+out.String(), versionString()) {
		t.Fatalf("output = %q / %q", ui.OutputWriter.String(), out.String())
	}
}

func TestRunHelpListsTopLevelCommands(t *testing.T) {
	ui := cli.NewMockUi()
	var out strings.Builder
	runCLI([]string{"-help"}, ui, &out, &out)
	for _, want := range []string{"agent", "job", "operator", "server", "status", "version"} {
		if !strings.Contains(out.String(), "    "+want) {
			t.Errorf("top-level help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "job run") {
		t.Errorf("top-level help lists nested commands:\n%s", out.String())
	}
}
