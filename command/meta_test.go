package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestMetaFlagsOverrideEnvironment(t *testing.T) {
	f := newFakeAgent(t)
	meta, _, _ := testMeta(t)
	t.Setenv(api.EnvAddress, "http://192.0.2.1:4646")
	t.Setenv(api.EnvRegion, "env-region")
	t.Setenv(api.EnvNamespace, "env-ns")

	fs := meta.FlagSet("test")
	if err := fs.Parse([]string{"-address=" + f.URL, "-region=eu"}); err != nil {
		t.Fatal(err)
	}
	client, err := meta.Client()
	if err != nil {
		t.Fatal(err)
	}
	if client.Address() != f.URL {
		t.Fatalf("address = %s, want the flag's %s", client.Address(), f.URL)
	}
	if _, _, err := client.Jobs().List(nil); err != nil {
		t.Fatal(err)
	}
	if !containsRequest(f, "GET /v1/jobs?namespace=env-ns&region=eu") {
		t.Fatalf("requests = %v", f.requests)
	}
}

func TestMetaEnvironmentAddress(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	t.Setenv(api.EnvAddress, f.URL)
	if code := (&JobStatusCommand{Meta: meta}).Run(nil); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !containsRequest(f, "GET /v1/jobs") {
		t.Fatalf("NOMADISH_ADDR not used: %v", f.requests)
	}
}

func TestMetaBadAddress(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=ftp://x"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	if !strings.Contains(errOut, `invalid agent address "ftp://x"`) || !strings.Contains(errOut, "e.g. http://127.0.0.1:4646") {
		t.Fatalf("stderr = %s", errOut)
	}
}

func TestMetaHelpFlag(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-help"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.OutputWriter.String(), "Usage: nomadish job status") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}
