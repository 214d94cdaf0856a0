package fingerprint

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

type fakeFP struct {
	attrs map[string]string
	err   error
	panic bool
	mem   int64
}

func (f *fakeFP) Fingerprint(_ *Request, resp *Response) error {
	if f.panic {
		panic("parser exploded")
	}
	for k, v := range f.attrs {
		resp.AddAttribute(k, v)
	}
	if f.mem > 0 {
		resp.Memory = &structs.NodeMemoryResources{MemoryMB: f.mem}
	}
	resp.Detected = f.err == nil
	return f.err
}

func TestRun_FailuresDoNotStopOthers(t *testing.T) {
	panics.Allow(t)
	boom := errors.New("boom")
	res, err := Run(context.Background(), &Config{Fingerprinters: []Named{
		{"a", &fakeFP{attrs: map[string]string{"a.x": "1"}}},
		{"bad", &fakeFP{attrs: map[string]string{"bad.partial": "yes"}, err: boom}},
		{"panics", &fakeFP{panic: true}},
		{"mem", &fakeFP{mem: 512}},
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom in it", err)
	}
	for _, s := range []string{"fingerprint bad: boom", "fingerprint panics: panic: parser exploded"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if res.Attributes["a.x"] != "1" || res.Attributes["bad.partial"] != "yes" {
		t.Errorf("attributes = %v", res.Attributes)
	}
	if res.NodeResources.Memory.MemoryMB != 512 {
		t.Errorf("memory = %+v", res.NodeResources.Memory)
	}
	if !res.Detected["a"] || res.Detected["bad"] || !res.Detected["mem"] {
		t.Errorf("detected = %v", res.Detected)
	}
}

func TestRun_Cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, &Config{Fingerprinters: []Named{{"a", &fakeFP{attrs: map[string]string{"a": "1"}}}}})
	if !errors.Is(err, context.Canceled) || len(res.Attributes) != 0 {
		t.Fatalf("err = %v attrs = %v", err, res.Attributes)
	}
}

func TestRun_FakeTree(t *testing.T) {
	dataDir := t.TempDir()
	fps := Builtin()
	for i := range fps {
		switch f := fps[i].Fingerprinter.(type) {
		case *Network:
			f.Interfaces = fakeInterfaces(t)
		case *Storage:
			f.Statfs = func(string) (DiskUsage, error) { return DiskUsage{TotalBytes: 10 << 30, FreeBytes: 5 << 30}, nil }
		}
	}
	res, err := Run(context.Background(), &Config{
		Request:        Request{Root: x86Root, DataDir: dataDir, Version: "0.1.0"},
		Fingerprinters: fps,
	})
	if err != nil {
		t.Fatal(err)
	}
	nr := res.NodeResources
	if nr.Cpu.CpuShares != 12000 || nr.Memory.MemoryMB != 15931 || nr.Disk.DiskMB != 5<<10 || len(nr.Networks) != 2 {
		t.Errorf("resources = %+v", *nr)
	}
	for _, name := range []string{"cpu", "memory", "storage", "host", "network", "cgroup", "nomad"} {
		if !res.Detected[name] {
			t.Errorf("%s not detected", name)
		}
	}

	n := &structs.Node{Attributes: map[string]string{"keep": "me"}}
	res.Apply(n)
	if n.Attributes["keep"] != "me" || n.Attributes["os.name"] != "ubuntu" || n.NodeResources.Cpu.TotalCpuCores != 4 {
		t.Errorf("applied node = %+v", n)
	}
	if got := n.Stub().Address; got != "10.0.0.5" {
		t.Errorf("stub address = %q", got)
	}
}
