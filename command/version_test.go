package command

import (
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

func TestVersionCommand(t *testing.T) {
	ui := cli.NewMockUi()
	if code := (&VersionCommand{Ui: ui}).Run(nil); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "nomadish v"+Version+"-"+VersionPrerelease {
		t.Fatalf("output = %q", got)
	}
	if code := (&VersionCommand{Ui: ui}).Run([]string{"x"}); code != 1 {
		t.Fatalf("exit %d with an argument", code)
	}
}
