package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	gproto "google.golang.org/protobuf/proto"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

func TestSchemaRoundTrip(t *testing.T) {
	spec := hcldec.ObjectSpec{
		"image": &hcldec.AttrSpec{Name: "image", Type: cty.String, Required: true},
		"args":  &hcldec.AttrSpec{Name: "args", Type: cty.List(cty.String)},
		"auth": &hcldec.BlockSpec{TypeName: "auth", Nested: hcldec.ObjectSpec{
			"user": &hcldec.AttrSpec{Name: "user", Type: cty.String},
		}},
		"mount": &hcldec.BlockListSpec{TypeName: "mount", Nested: hcldec.ObjectSpec{
			"target": &hcldec.AttrSpec{Name: "target", Type: cty.String},
		}},
	}
	s, err := SchemaFromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schema
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got, err := back.Spec()
	if err != nil {
		t.Fatal(err)
	}
	obj := got.(hcldec.ObjectSpec)
	img := obj["image"].(*hcldec.AttrSpec)
	args := obj["args"].(*hcldec.AttrSpec)
	auth := obj["auth"].(*hcldec.BlockSpec)
	mount, ok := obj["mount"].(*hcldec.BlockListSpec)
	if !ok || mount.TypeName != "mount" {
		t.Fatalf("a repeated block came back as %T: %s", obj["mount"], b)
	}
	if !img.Required || !img.Type.Equals(cty.String) || !args.Type.Equals(cty.List(cty.String)) || auth.TypeName != "auth" {
		t.Fatalf("round trip lost something: %s", b)
	}
	if _, err := SchemaFromSpec(&hcldec.AttrSpec{Name: "x", Type: cty.String}); err == nil {
		t.Fatal("a non-object top-level spec was accepted")
	}
}

func TestErrorsCrossTheWire(t *testing.T) {
	for _, sentinel := range []error{ErrTaskNotFound, ErrTaskExists, ErrTaskRunning, ErrNotSupported} {
		err := fromStatus(toStatus(fmt.Errorf("stop task %q: %w", "a", sentinel)))
		if !errors.Is(err, sentinel) {
			t.Errorf("%v did not survive the trip: %v", sentinel, err)
		}
		if want := fmt.Sprintf("stop task %q: %v", "a", sentinel); err.Error() != want {
			t.Errorf("message = %q, want %q", err.Error(), want)
		}
	}
	if err := fromStatus(toStatus(errors.New("boom"))); err.Error() != "boom" {
		t.Errorf("plain error = %q", err)
	}
}

func TestReattachConfigJSON(t *testing.T) {
	in := &ReattachConfig{Protocol: "grpc", ProtocolVersion: 1, Network: "unix", Addr: "/tmp/plugin123", Pid: 42}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out ReattachConfig
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	rc, err := out.goPlugin()
	if err != nil {
		t.Fatal(err)
	}
	if rc.Addr.Network() != "unix" || rc.Addr.String() != "/tmp/plugin123" || rc.Pid != 42 || string(rc.Protocol) != "grpc" {
		t.Fatalf("go-plugin config = %+v", rc)
	}
	if back := reattachFromGoPlugin(rc); *back != *in {
		t.Fatalf("round trip = %+v, want %+v", back, in)
	}
	if _, err := (&ReattachConfig{Network: "udp"}).goPlugin(); err == nil {
		t.Fatal("udp accepted")
	}
}

func TestTaskStore(t *testing.T) {
	s := NewTaskStore[int]()
	if err := s.Add("a", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("a", 2); !errors.Is(err, ErrTaskExists) {
		t.Fatalf("second add = %v", err)
	}
	if v, err := s.Get("a"); err != nil || v != 1 {
		t.Fatalf("get = %v, %v", v, err)
	}
	s.Delete("a")
	if _, err := s.Get("a"); !errors.Is(err, ErrTaskNotFound) {
		t.Fatalf("get after delete = %v", err)
	}
}

func TestTaskConfigRoundTrip(t *testing.T) {
	in := &TaskConfig{
		ID: "a1/web/0", Name: "web", AllocID: "a1", JobName: "j", TaskGroupName: "g",
		Env:          map[string]string{"K": "v"},
		User:         "nobody",
		Resources:    Resources{CPUMHz: 100, Cores: 1, MemoryMB: 64, MemoryMaxMB: 128, DiskMB: 10},
		DriverConfig: []byte(`{"image":"x"}`),
		TaskDir:      TaskDir{Dir: "/d", LocalDir: "/d/local", SecretsDir: "/d/secrets", TmpDir: "/d/tmp", SharedAllocDir: "/a/alloc", LogDir: "/a/alloc/logs"},
		StdoutPath:   "/a/alloc/logs/web.stdout.0",
		StderrPath:   "/a/alloc/logs/web.stderr.0",
		Mounts: []MountConfig{
			{TaskPath: "/data", HostPath: "/srv/data", Readonly: true},
			{TaskPath: "/cache", HostPath: "/srv/cache"},
		},
	}
	b, err := gproto.Marshal(taskHandleToProto(&TaskHandle{Version: 1, Config: in}))
	if err != nil {
		t.Fatal(err)
	}
	var p proto.TaskHandle
	if err := gproto.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	back := taskHandleFromProto(&p).Config
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("round trip = %+v\nwant %+v", back, in)
	}

	// No mounts stays nil, so a driver can tell "none" at a glance.
	in.Mounts = nil
	if back := taskConfigFromProto(taskConfigToProto(in)); back.Mounts != nil {
		t.Fatalf("no mounts came back as %#v", back.Mounts)
	}
}
