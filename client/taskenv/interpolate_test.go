package taskenv

import (
	"reflect"
	"testing"
)

func TestReplace(t *testing.T) {
	e := New(testParams())
	for in, want := range map[string]string{
		"":                                       "",
		"plain":                                  "plain",
		"${NOMAD_ALLOC_INDEX}":                   "3",
		"--bind=${NOMAD_ADDR_http} x":            "--bind=10.0.0.1:25000 x",
		"${NOMAD_ALLOC_DIR}/logs":                "/d/a/alloc/logs",
		"${attr.kernel.name}-${attr.cpu.arch}":   "linux-amd64",
		"${meta.rack}":                           "r7",
		"${node.unique.id}":                      "node-id",
		"${node.unique.name}":                    "node-a",
		"${node.datacenter}":                     "dc1",
		"${node.class}":                          "big",
		"${node.region}":                         "global",
		"${node.pool}":                           "default",
		"${BIND}":                                "10.0.0.1:8080",
		"${ NOMAD_TASK_NAME }":                   "server",
		"${attr.nope} ${meta.nope} ${FOO}":       "${attr.nope} ${meta.nope} ${FOO}",
		"${unterminated":                         "${unterminated",
		"$NOMAD_TASK_NAME {x} $":                 "$NOMAD_TASK_NAME {x} $",
		"a${NOMAD_TASK_NAME}b${NOMAD_TASK_NAME}": "aserverbserver",
		`${env["HOME"]}`:                         `${env["HOME"]}`,
	} {
		if got := e.Replace(in); got != want {
			t.Errorf("Replace(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplaceConfigDeepCopies(t *testing.T) {
	e := New(testParams())
	inner := map[string]interface{}{"port": "${NOMAD_PORT_http}", "n": 3}
	cfg := map[string]interface{}{
		"command": "/bin/${NOMAD_TASK_NAME}",
		"args":    []interface{}{"--dc", "${node.datacenter}", 42, true, nil},
		"nested":  inner,
		"blocks":  []map[string]interface{}{{"x": "${meta.rack}"}},
		"labels":  map[string]string{"job": "${NOMAD_JOB_NAME}"},
		"list":    []string{"${NOMAD_GROUP_NAME}"},
		"f":       1.5,
	}
	got := e.ReplaceConfig(cfg)
	want := map[string]interface{}{
		"command": "/bin/server",
		"args":    []interface{}{"--dc", "dc1", 42, true, nil},
		"nested":  map[string]interface{}{"port": "8080", "n": 3},
		"blocks":  []map[string]interface{}{{"x": "r7"}},
		"labels":  map[string]string{"job": "web"},
		"list":    []string{"api"},
		"f":       1.5,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	// The input is untouched and shares nothing with the output.
	if inner["port"] != "${NOMAD_PORT_http}" || cfg["args"].([]interface{})[1] != "${node.datacenter}" {
		t.Fatal("input modified")
	}
	got["nested"].(map[string]interface{})["n"] = 4
	got["args"].([]interface{})[0] = "changed"
	if inner["n"] != 3 || cfg["args"].([]interface{})[0] != "--dc" {
		t.Fatal("output shares maps or slices with the input")
	}
	if e.ReplaceConfig(nil) != nil {
		t.Fatal("nil config")
	}
}
