package template

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeServices is a discovery source over fixed instances.
type fakeServices struct {
	regs []*structs.ServiceRegistration
	err  error
}

func (f *fakeServices) ServiceNames() ([]*structs.ServiceRegistrationListStub, error) {
	if f.err != nil {
		return nil, f.err
	}
	tags := map[string][]string{}
	for _, r := range f.regs {
		tags[r.ServiceName] = append(tags[r.ServiceName], r.Tags...)
	}
	stub := &structs.ServiceRegistrationListStub{Namespace: "default"}
	for _, n := range []string{"web", "db"} {
		if t, ok := tags[n]; ok {
			stub.Services = append(stub.Services, &structs.ServiceRegistrationStub{ServiceName: n, Tags: t})
		}
	}
	return []*structs.ServiceRegistrationListStub{stub}, nil
}

func (f *fakeServices) ServiceInstances(name string) ([]*structs.ServiceRegistration, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []*structs.ServiceRegistration
	for _, r := range f.regs {
		if r.ServiceName == name {
			out = append(out, r)
		}
	}
	return out, nil
}

func webRegs() []*structs.ServiceRegistration {
	return []*structs.ServiceRegistration{
		{ID: "b", ServiceName: "web", Address: "10.0.0.2", Port: 8002, Tags: []string{"v2"}, Health: structs.ServiceHealthPassing},
		{ID: "a", ServiceName: "web", Address: "10.0.0.1", Port: 8001, Tags: []string{"v1"}, Health: structs.ServiceHealthPassing},
		{ID: "c", ServiceName: "web", Address: "10.0.0.3", Port: 8003, Tags: []string{"v1"}, Health: structs.ServiceHealthCritical},
		{ID: "d", ServiceName: "db", Address: "10.0.0.9", Port: 5432, Tags: []string{"primary"}},
	}
}

func TestNomadServiceRendersPassingInstances(t *testing.T) {
	dir := taskDir(t)
	src := &fakeServices{regs: webRegs()}
	tmpl := &structs.Template{DestPath: "local/upstreams",
		EmbeddedTmpl: `{{ range nomadService "web" }}{{ .Address }}:{{ .Port }} {{ end }}|{{ range nomadService "v1.web" }}{{ .ID }}{{ end }}|` +
			`{{ range nomadServices }}{{ .Name }}={{ join "," .Tags }};{{ end }}|{{ len (nomadService 1 "me" "web") }}`}
	res, err := RenderTask(tmpl, Task{Dir: dir, Services: src})
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by address; the critical instance is left out; the tag
	// narrows; choose picks one.
	if got, want := read(t, filepath.Join(dir, "local/upstreams")), "10.0.0.1:8001 10.0.0.2:8002 |a|db=primary;web=v1,v2;|1"; got != want {
		t.Fatalf("rendered %q, want %q", got, want)
	}
	if !res.UsesServices || !res.Changed {
		t.Fatalf("result %+v, want UsesServices and Changed", res)
	}

	// The same instances in another order render the same file.
	regs := webRegs()
	regs[0], regs[1] = regs[1], regs[0]
	src.regs = regs
	if res, err = RenderTask(tmpl, Task{Dir: dir, Services: src}); err != nil || res.Changed {
		t.Fatalf("re-render of the same instances: %+v %v, want unchanged", res, err)
	}
	// One instance fewer: the file changes.
	src.regs = regs[1:]
	if res, err = RenderTask(tmpl, Task{Dir: dir, Services: src}); err != nil || !res.Changed {
		t.Fatalf("re-render after an instance left: %+v %v, want changed", res, err)
	}

	plain := &structs.Template{DestPath: "local/plain", EmbeddedTmpl: "x"}
	if res, err := RenderTask(plain, Task{Dir: dir, Services: src}); err != nil || res.UsesServices {
		t.Fatalf("a template without services: %+v %v", res, err)
	}
}

func TestNomadServiceErrors(t *testing.T) {
	dir := taskDir(t)
	for _, c := range []struct {
		data string
		src  ServiceSource
		want string
	}{
		{`{{ nomadService "web" }}`, nil, "no access to service discovery"},
		{`{{ nomadService "web@eu" }}`, &fakeServices{}, "a region (@...) is not supported"},
		{`{{ nomadService ".web" }}`, &fakeServices{}, "want a service name"},
		{`{{ nomadService 0 "k" "web" }}`, &fakeServices{}, "positive count"},
		{`{{ nomadService "a" "b" }}`, &fakeServices{}, "2 arguments"},
		{`{{ nomadService "web" }}`, &fakeServices{err: errors.New("no servers")}, `nomadService "web": no servers`},
	} {
		_, err := RenderTask(&structs.Template{DestPath: "local/x", EmbeddedTmpl: c.data}, Task{Dir: dir, Services: c.src})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.data, err, c.want)
		}
	}
}
