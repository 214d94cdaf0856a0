package command

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

var updateDocs = flag.Bool("update", false, "rewrite website/cli.md from the commands' help")

// TestCLIReferenceIsCurrent keeps website/cli.md generated from each
// command's own Help(), so the reference never drifts from the binary.
// Run `go test ./command -run TestCLIReference -update` after changing help.
func TestCLIReferenceIsCurrent(t *testing.T) {
	got := cliReference()
	const path = "../website/cli.md"
	if *updateDocs {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run with -update to create it): %v", path, err)
	}
	if string(want) != got {
		t.Fatalf("%s is out of date with the commands' help; run: go test ./command -run TestCLIReference -update", path)
	}
}

func cliReference() string {
	ui := cli.NewMockUi()
	cmds := Commands(ui)
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)

	var b strings.Builder
	b.WriteString("# CLI reference\n\n")
	b.WriteString("Generated from each command's `-help` by `go test ./command -run TestCLIReference -update`; do not edit by hand.\n\n")
	b.WriteString("Every command that talks to an agent reads `NOMADISH_ADDR` (default `http://127.0.0.1:4646`), `NOMADISH_REGION` and `NOMADISH_NAMESPACE`, or Nomad's `NOMAD_ADDR`, `NOMAD_REGION` and `NOMAD_NAMESPACE` where ours are unset.\n\n")
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, name := range names {
		c, _ := cmds[name]()
		fmt.Fprintf(&b, "| [`nomadish %s`](#nomadish-%s) | %s |\n", name, strings.ReplaceAll(name, " ", "-"), c.Synopsis())
	}
	for _, name := range names {
		c, _ := cmds[name]()
		fmt.Fprintf(&b, "\n## nomadish %s\n\n```text\n%s\n```\n", name, strings.TrimSpace(c.Help()))
	}
	return b.String()
}
