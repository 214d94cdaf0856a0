package taskrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// validateHook checks that the task names a driver the client has and
// that its config block fits the driver's schema, and hands the driver to
// the later hooks.
type validateHook struct {
	drivers DriverManager
}

func newValidateHook(drivers DriverManager) *validateHook { return &validateHook{drivers: drivers} }

func (*validateHook) Name() string { return "validate" }

func (h *validateHook) Prestart(ctx context.Context, req *PrestartRequest) error {
	task := req.Setup.Task
	if task.Driver == "" {
		return setupError(EventFailedValidation, fmt.Errorf("task %q names no driver", task.Name), false)
	}
	d, err := h.drivers.Driver(task.Driver)
	if err != nil {
		// The plugin may be relaunching: worth a restart.
		return setupError(EventDriverFailure, fmt.Errorf("driver %q: %w", task.Driver, err), true)
	}
	caps, err := d.Capabilities(ctx)
	if err != nil {
		return setupError(EventDriverFailure, fmt.Errorf("driver %q capabilities: %w", task.Driver, err), true)
	}
	schema, err := d.ConfigSchema(ctx)
	if err != nil {
		return setupError(EventDriverFailure, fmt.Errorf("driver %q config schema: %w", task.Driver, err), true)
	}
	var taskSchema *plugin.Schema
	if schema != nil {
		taskSchema = schema.Task
	}
	if err := checkConfig(taskSchema, normalize(task.Config).(map[string]interface{}), "config"); err != nil {
		return setupError(EventFailedValidation, fmt.Errorf("task %q driver %q: %w", task.Name, task.Driver, err), false)
	}
	req.Setup.Driver = d
	req.Setup.Capabilities = caps
	return nil
}

// checkConfig checks a config block against a driver's schema: no
// unknown attributes or blocks, required ones present, values of the
// right type. A string still holding a ${...} interpolation is checked
// after interpolation, by the driver.
func checkConfig(s *plugin.Schema, cfg map[string]interface{}, path string) error {
	if s == nil {
		return nil
	}
	known := map[string]bool{}
	var errs []string
	for _, a := range s.Attrs {
		known[a.Name] = true
		v, ok := cfg[a.Name]
		if !ok || v == nil {
			if a.Required {
				errs = append(errs, fmt.Sprintf("%s: missing required attribute %q", path, a.Name))
			}
			continue
		}
		if err := checkValue(a.Type, v); err != nil {
			errs = append(errs, fmt.Sprintf("%s.%s: %v", path, a.Name, err))
		}
	}
	for _, b := range s.Blocks {
		known[b.TypeName] = true
		v, ok := cfg[b.TypeName]
		if !ok || v == nil {
			if b.Required {
				errs = append(errs, fmt.Sprintf("%s: missing required block %q", path, b.TypeName))
			}
			continue
		}
		body, ok := v.(map[string]interface{})
		if list, isList := v.([]interface{}); isList && len(list) == 1 {
			body, ok = list[0].(map[string]interface{})
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("%s.%s: must be a single block", path, b.TypeName))
			continue
		}
		if err := checkConfig(b.Nested, body, path+"."+b.TypeName); err != nil {
			errs = append(errs, err.Error())
		}
	}
	var unknown []string
	for k := range cfg {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Sprintf("%s: unsupported argument %q; accepted: %s", path, k, acceptedNames(s)))
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func acceptedNames(s *plugin.Schema) string {
	var names []string
	for _, a := range s.Attrs {
		names = append(names, fmt.Sprintf("%q", a.Name))
	}
	for _, b := range s.Blocks {
		names = append(names, fmt.Sprintf("%q", b.TypeName))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkValue converts v (JSON-like) to the cty type in cty's JSON type
// notation.
func checkValue(typeJSON json.RawMessage, v interface{}) error {
	if hasInterpolation(v) {
		return nil
	}
	want, err := ctyjson.UnmarshalType(typeJSON)
	if err != nil {
		return fmt.Errorf("the driver's schema has a bad type: %w", err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	implied, err := ctyjson.ImpliedType(raw)
	if err != nil {
		return err
	}
	val, err := ctyjson.Unmarshal(raw, implied)
	if err != nil {
		return err
	}
	if _, err := convert.Convert(val, want); err != nil {
		return fmt.Errorf("%v (want %s)", err, want.FriendlyName())
	}
	return nil
}

func hasInterpolation(v interface{}) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, "${")
	case []interface{}:
		for _, e := range t {
			if hasInterpolation(e) {
				return true
			}
		}
	case map[string]interface{}:
		for _, e := range t {
			if hasInterpolation(e) {
				return true
			}
		}
	}
	return false
}

// normalize turns the maps msgpack or YAML-ish decoders may leave behind
// (map[interface{}]interface{}) into JSON-able map[string]interface{}; nil
// is an empty map at the top.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case nil:
		return map[string]interface{}{}
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, e := range t {
			out[k] = normalizeValue(e)
		}
		return out
	}
	return v
}

func normalizeValue(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		return normalize(t)
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = normalizeValue(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, e := range t {
			out[i] = normalizeValue(e)
		}
		return out
	}
	return v
}
