package taskrunner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestCheckConfig(t *testing.T) {
	schema, err := plugin.SchemaFromSpec(mock.ConfigSpec)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  map[string]interface{}
		want string // "" = valid
	}{
		{"empty", map[string]interface{}{}, ""},
		{"valid", map[string]interface{}{"run_for": "10s", "exit_code": 2, "stdout_string": "x"}, ""},
		{"number as string converts", map[string]interface{}{"exit_code": "3"}, ""},
		{"interpolation checked later", map[string]interface{}{"exit_code": "${NOMAD_META_code}"}, ""},
		{"unknown", map[string]interface{}{"runfor": "1s"}, `config: unsupported argument "runfor"; accepted: "exit_code"`},
		{"wrong type", map[string]interface{}{"exit_code": "three"}, "config.exit_code: "},
		{"object for string", map[string]interface{}{"run_for": map[string]interface{}{"a": 1}}, "config.run_for: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkConfig(schema, c.cfg, "config")
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestCheckConfigRequiredAndBlocks(t *testing.T) {
	s := &plugin.Schema{
		Attrs: map[string]*plugin.SchemaAttr{"image": {Name: "image", Type: []byte(`"string"`), Required: true}},
		Blocks: map[string]*plugin.SchemaBlock{"auth": {TypeName: "auth", Nested: &plugin.Schema{
			Attrs: map[string]*plugin.SchemaAttr{"user": {Name: "user", Type: []byte(`"string"`)}},
		}}},
	}
	if err := checkConfig(s, map[string]interface{}{}, "config"); err == nil || !strings.Contains(err.Error(), `missing required attribute "image"`) {
		t.Fatalf("missing required: %v", err)
	}
	ok := map[string]interface{}{"image": "x", "auth": []interface{}{map[string]interface{}{"user": "u"}}}
	if err := checkConfig(s, ok, "config"); err != nil {
		t.Fatalf("block as a list of one: %v", err)
	}
	bad := map[string]interface{}{"image": "x", "auth": map[string]interface{}{"pass": "p"}}
	if err := checkConfig(s, bad, "config"); err == nil || !strings.Contains(err.Error(), `config.auth: unsupported argument "pass"`) {
		t.Fatalf("nested unknown: %v", err)
	}
}

func TestValidateHook(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1s"})
	env := newTestEnv(t, structs.JobTypeService, task)
	h := newValidateHook(env.drivers)

	s := &Setup{Task: task, Alloc: env.alloc}
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatalf("valid task: %v", err)
	}
	if s.Driver == nil || s.Capabilities == nil || s.Capabilities.FSIsolation != "none" {
		t.Fatalf("setup %+v, want the driver and its capabilities", s)
	}

	noDriver := &structs.Task{Name: "x"}
	err := h.Prestart(context.Background(), &PrestartRequest{Setup: &Setup{Task: noDriver}})
	if setupEventType(err) != EventFailedValidation || plugin.IsRecoverable(err) {
		t.Fatalf("no driver: %v (%s)", err, setupEventType(err))
	}

	missing := &structs.Task{Name: "x", Driver: "nope"}
	err = h.Prestart(context.Background(), &PrestartRequest{Setup: &Setup{Task: missing}})
	if setupEventType(err) != EventDriverFailure || !plugin.IsRecoverable(err) {
		t.Fatalf("unknown driver: %v (%s), want a recoverable Driver Failure", err, setupEventType(err))
	}

	bad := mockTask("x", map[string]interface{}{"bogus": true})
	err = h.Prestart(context.Background(), &PrestartRequest{Setup: &Setup{Task: bad}})
	var se *SetupError
	if !errors.As(err, &se) || se.EventType != EventFailedValidation || !strings.Contains(err.Error(), `task "x" driver "mock"`) {
		t.Fatalf("bad config: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	in := map[string]interface{}{"a": map[interface{}]interface{}{"b": []interface{}{map[interface{}]interface{}{1: "c"}}}}
	out := normalize(in).(map[string]interface{})
	inner := out["a"].(map[string]interface{})["b"].([]interface{})[0].(map[string]interface{})
	if inner["1"] != "c" {
		t.Fatalf("normalized %#v", out)
	}
	if m := normalize(map[string]interface{}(nil)).(map[string]interface{}); m == nil {
		t.Fatal("nil config must become an empty map")
	}
}
