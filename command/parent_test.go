package command

import (
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

func TestParentCommandListsSubcommands(t *testing.T) {
	for parent, subs := range map[string][]string{
		"job":           {"run", "status", "stop"},
		"server":        {"members", "join"},
		"operator":      {"raft"},
		"operator raft": {"list-peers"},
	} {
		ui := cli.NewMockUi()
		var help strings.Builder
		code := runCLI(strings.Fields(parent), ui, &help, &help)
		if code != 1 {
			t.Errorf("%s: exit %d", parent, code)
		}
		out := help.String()
		if !strings.Contains(out, "Usage: nomadish "+parent) || !strings.Contains(out, "Subcommands:") {
			t.Errorf("%s: help =\n%s", parent, out)
		}
		for _, s := range subs {
			if !strings.Contains(out, "    "+s) {
				t.Errorf("%s: help lacks sub-command %q:\n%s", parent, s, out)
			}
		}
	}
}

func TestParentCommandUnknownSubcommand(t *testing.T) {
	ui := cli.NewMockUi()
	var help strings.Builder
	if code := runCLI([]string{"job", "frobnicate"}, ui, &help, &help); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), `Unknown command "job frobnicate"`) {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}
