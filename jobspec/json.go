package jobspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

// parseJSON reads Nomad's JSON job format: {"Job": {...}} as the HTTP API
// takes it, or the bare job object. Durations are nanoseconds. Fields
// nomadish does not know are warnings, since a job written for Nomad may
// use features nomadish lacks.
func (p *parser) parseJSON(name string, src []byte) (*Result, error) {
	p.files[name] = &hcl.File{Bytes: src}
	if diags := checkJSONSource(name, src); diags.HasErrors() {
		return nil, p.fail(diags)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(src, &probe); err != nil {
		return nil, p.fail(hcl.Diagnostics{jsonDiag(name, src, err)})
	}
	wrapped := false
	for k, v := range probe {
		if strings.EqualFold(k, "Job") && len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '{' {
			wrapped = true
		}
	}
	var root reflect.Type
	var job *api.Job
	if wrapped {
		var body struct{ Job *api.Job }
		root = reflect.TypeOf(body)
		if err := json.Unmarshal(src, &body); err != nil {
			return nil, p.fail(hcl.Diagnostics{jsonDiag(name, src, err)})
		}
		job = body.Job
	} else {
		job = new(api.Job)
		root = reflect.TypeOf(*job)
		if err := json.Unmarshal(src, job); err != nil {
			return nil, p.fail(hcl.Diagnostics{jsonDiag(name, src, err)})
		}
	}
	w := &jsonWalker{name: name, src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	if err := w.walk(root, ""); err != nil && !errors.Is(err, io.EOF) {
		return nil, p.fail(hcl.Diagnostics{jsonDiag(name, src, err)})
	}
	p.warnings = append(p.warnings, w.diags...)
	if job == nil {
		return nil, p.fail(hcl.Diagnostics{errorDiag(nil, "Missing job", `The "Job" field of %s is null.`, name)})
	}
	// Nomad runs a group once when Count is left out.
	for i, g := range job.TaskGroups {
		if g != nil && i < len(w.groupCount) && !w.groupCount[i] {
			g.Count = 1
		}
	}
	if p.cfg.Drivers != nil {
		for _, g := range job.TaskGroups {
			if g == nil {
				continue
			}
			for _, t := range g.Tasks {
				if t != nil && t.Driver != "" && p.cfg.Drivers[t.Driver] == nil {
					p.warnings = append(p.warnings, warningDiag(nil, "Unknown driver",
						"Task %q of group %q uses the driver %q, which is not built in; its config is not checked.", t.Name, g.Name, t.Driver))
				}
			}
		}
	}
	return &Result{Job: job, Warnings: p.renderWarnings()}, nil
}

// jsonDiag turns a decoding error into a diagnostic at its position.
func jsonDiag(name string, src []byte, err error) *hcl.Diagnostic {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		r := rangeAt(name, src, int(se.Offset)-1)
		return errorDiag(&r, "Invalid JSON", "%s.", strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		r := rangeAt(name, src, int(te.Offset)-1)
		field := te.Field
		if field == "" {
			field = "the job"
		}
		return errorDiag(&r, "Incorrect JSON value type", "%s: %s is required, got a JSON %s.", field, jsonTypeName(te.Type), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		r := rangeAt(name, src, len(src))
		return errorDiag(&r, "Invalid JSON", "The file ends before the JSON value does.")
	}
	return errorDiag(nil, "Invalid JSON", "%s.", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonTypeName(t reflect.Type) string {
	if t == reflect.TypeOf(time.Duration(0)) {
		return "a number of nanoseconds"
	}
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}

// rangeAt is a one-character range at byte offset off of src.
func rangeAt(name string, src []byte, off int) hcl.Range {
	off = max(0, min(off, len(src)))
	line, col := 1, 1
	for i := 0; i < off; {
		r, size := utf8.DecodeRune(src[i:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	start := hcl.Pos{Line: line, Column: col, Byte: off}
	end := start
	if off < len(src) && src[off] != '\n' {
		end = hcl.Pos{Line: line, Column: col + 1, Byte: off + 1}
	}
	return hcl.Range{Filename: name, Start: start, End: end}
}

// jsonWalker reads a JSON job token by token beside encoding/json, to find
// what that ignores: fields that name nothing, and groups without Count.
type jsonWalker struct {
	name       string
	src        []byte
	dec        *json.Decoder
	diags      hcl.Diagnostics
	groupCount []bool // per task group in order: whether Count was given
}

var (
	taskGroupType = reflect.TypeOf(api.TaskGroup{})
	mapAnyType    = reflect.TypeOf(map[string]interface{}{})
)

// walk reads one value of Go type t (nil: anything) at path.
func (w *jsonWalker) walk(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.walk(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case '{':
		isGroup := t == taskGroupType
		hasCount := false
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			var child reflect.Type
			switch {
			case t == nil || t == mapAnyType || t.Kind() == reflect.Interface:
			case t.Kind() == reflect.Map:
				child = t.Elem()
			case t.Kind() == reflect.Struct:
				f, ok := fieldFold(t, key)
				if !ok {
					w.unknownField(t, key, path)
				} else {
					child = f.Type
					hasCount = hasCount || (isGroup && f.Name == "Count")
				}
			}
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			if err := w.walk(child, sub); err != nil {
				return err
			}
		}
		if isGroup {
			w.groupCount = append(w.groupCount, hasCount)
		}
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}

// fieldFold finds the field encoding/json would decode key into.
func fieldFold(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Name
		if tag := strings.Split(f.Tag.Get("json"), ",")[0]; tag != "" {
			name = tag
		}
		if f.IsExported() && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func (w *jsonWalker) unknownField(t reflect.Type, key, path string) {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).IsExported() {
			names = append(names, t.Field(i).Name)
		}
	}
	quotedKey, _ := json.Marshal(key)
	end := int(w.dec.InputOffset())
	start := max(0, end-len(quotedKey))
	r := rangeAt(w.name, w.src, start)
	r.End = rangeAt(w.name, w.src, end).Start
	where := "the job"
	if path != "" {
		where = path
	}
	w.diags = append(w.diags, warningDiag(&r, "Unknown field",
		"%s has no field %q; it is ignored.%s Fields: %s.", where, key, didYouMean(key, names), strings.Join(names, ", ")))
}
