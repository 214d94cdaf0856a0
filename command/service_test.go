package command

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

// fakeServiceAgent serves the discovery endpoints over a fixed set of
// instances, filtering as the server does.
func fakeServiceAgent(t *testing.T, regs []*api.ServiceRegistration) *fakeHTTP {
	f := &fakeHTTP{index: 30}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/services", func(w http.ResponseWriter, r *http.Request) {
		f.reply(w, []*api.ServiceRegistrationListStub{{Namespace: "default", Services: []*api.ServiceRegistrationStub{
			{ServiceName: "db", Tags: []string{"primary"}}, {ServiceName: "web", Tags: []string{"v1", "v2"}}}}})
	})
	mux.HandleFunc("GET /v1/service/{name}", func(w http.ResponseWriter, r *http.Request) {
		out := []*api.ServiceRegistration{}
		for _, s := range regs {
			if s.ServiceName != r.PathValue("name") || (r.URL.Query().Get("all") != "true" && s.Health == "critical") {
				continue
			}
			if tag := r.URL.Query().Get("tag"); tag != "" && !strings.Contains(strings.Join(s.Tags, ","), tag) {
				continue
			}
			out = append(out, s)
		}
		f.reply(w, out)
	})
	mux.HandleFunc("DELETE /v1/service/{name}/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, s := range regs {
			if s.ServiceName == r.PathValue("name") && s.ID == r.PathValue("id") {
				f.reply(w, nil)
				return
			}
		}
		http.Error(w, "service "+r.PathValue("name")+" instance "+r.PathValue("id")+" not found", http.StatusNotFound)
	})
	f.serve(t, mux)
	return f
}

var serviceRegs = []*api.ServiceRegistration{
	{ID: "_nomad-task-aaaaaaaa-1111-web-http", ServiceName: "web", Namespace: "default", JobID: "web", AllocID: "aaaaaaaa-1111-4000-8000-000000000000",
		NodeID: "nnnnnnnn-1111-4000-8000-000000000000", Datacenter: "dc1", Tags: []string{"v1"}, Address: "10.0.0.1", Port: 8080, Health: "passing"},
	{ID: "_nomad-task-bbbbbbbb-2222-web-http", ServiceName: "web", Namespace: "default", JobID: "web", AllocID: "bbbbbbbb-2222-4000-8000-000000000000",
		NodeID: "nnnnnnnn-1111-4000-8000-000000000000", Datacenter: "dc1", Tags: []string{"v2"}, Address: "fd00::2", Port: 8081, Health: "critical"},
}

func TestServiceListInfoDelete(t *testing.T) {
	f := fakeServiceAgent(t, serviceRegs)
	meta, ui, _ := testMeta(t)
	if code := (&ServiceListCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("list: exit %d: %s", code, ui.ErrorWriter.String())
	}
	if want := "Service Name  Tags\ndb            [primary]\nweb           [v1,v2]\n"; ui.OutputWriter.String() != want {
		t.Fatalf("list output %q, want %q", ui.OutputWriter.String(), want)
	}

	// info shows every instance, the critical one too, with its health.
	meta, ui, _ = testMeta(t)
	if code := (&ServiceInfoCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("info: exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{"Job ID  Address", "10.0.0.1:8080", "[fd00::2]:8081", "passing", "critical", "aaaaaaaa"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	meta, ui, _ = testMeta(t)
	if code := (&ServiceInfoCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", "-tag", "v2", "web"}); code != 0 {
		t.Fatalf("info -verbose: exit %d: %s", code, ui.ErrorWriter.String())
	}
	out = ui.OutputWriter.String()
	if !strings.Contains(out, "ID           = _nomad-task-bbbbbbbb-2222-web-http") || strings.Contains(out, "10.0.0.1") {
		t.Fatalf("info -verbose -tag v2 output:\n%s", out)
	}
	meta, ui, _ = testMeta(t)
	if code := (&ServiceInfoCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "nope"}); code != 0 ||
		!strings.Contains(ui.OutputWriter.String(), `No instances of service "nope" are registered`) {
		t.Fatalf("info of an unknown service: exit %d, %q", code, ui.OutputWriter.String())
	}

	meta, ui, _ = testMeta(t)
	if code := (&ServiceDeleteCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web", "_nomad-task-aaaaaaaa-1111-web-http"}); code != 0 ||
		!strings.Contains(ui.OutputWriter.String(), "Successfully deleted") {
		t.Fatalf("delete: exit %d: %s %s", code, ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&ServiceDeleteCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web", "nope"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "not found") {
		t.Fatalf("delete of an unknown instance: exit %d: %s", code, ui.ErrorWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&ServiceDeleteCommand{Meta: meta}).Run([]string{"web"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "takes two arguments") {
		t.Fatalf("delete with one argument: exit %d: %s", code, ui.ErrorWriter.String())
	}
}
