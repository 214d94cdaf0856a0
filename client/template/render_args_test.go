package template

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// hostPaths is a ReplacePath as the task runner builds it: the
// directories as host paths, whatever the task sees.
func hostPaths(dir string, extra map[string]string) func(string) string {
	vars := map[string]string{
		"NOMAD_ALLOC_DIR":   filepath.Join(filepath.Dir(dir), "alloc"),
		"NOMAD_TASK_DIR":    filepath.Join(dir, "local"),
		"NOMAD_SECRETS_DIR": filepath.Join(dir, "secrets"),
	}
	for k, v := range extra {
		vars[k] = v
	}
	return func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "${"+k+"}", v)
		}
		return s
	}
}

// TestRenderInterpolatesPaths: source and destination are interpolated
// with the task's environment, directories as host paths, as Nomad does,
// and the result lands in the same place as the relative spelling.
func TestRenderInterpolatesPaths(t *testing.T) {
	dir := taskDir(t)
	if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), "alloc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local", "in.tpl"), []byte(`from source {{ env "NOMAD_ALLOC_INDEX" }}`), 0o644); err != nil {
		t.Fatal(err)
	}
	task := Task{Dir: dir, Env: map[string]string{"NOMAD_ALLOC_INDEX": "3"},
		ReplacePath: hostPaths(dir, map[string]string{"NOMAD_ALLOC_INDEX": "3"})}
	for _, tc := range []struct {
		tmpl *structs.Template
		file string
		want string
	}{
		{&structs.Template{EmbeddedTmpl: "a", DestPath: "${NOMAD_ALLOC_DIR}/config.yml"}, "../alloc/config.yml", "a"},
		{&structs.Template{EmbeddedTmpl: "t", DestPath: "${NOMAD_TASK_DIR}/x"}, "local/x", "t"},
		{&structs.Template{EmbeddedTmpl: "s", DestPath: "${NOMAD_SECRETS_DIR}/token"}, "secrets/token", "s"},
		{&structs.Template{EmbeddedTmpl: "i", DestPath: "local/${NOMAD_ALLOC_INDEX}.conf"}, "local/3.conf", "i"},
		{&structs.Template{SourcePath: "${NOMAD_TASK_DIR}/in.tpl", DestPath: "local/out"}, "local/out", "from source 3"},
	} {
		res, err := RenderTask(tc.tmpl, task)
		if err != nil {
			t.Fatalf("%s: %v", tc.tmpl.DestPath, err)
		}
		want := filepath.Join(dir, filepath.FromSlash(tc.file))
		if res.Dest != filepath.Clean(want) || !res.Changed {
			t.Errorf("%s: dest %s changed %v, want %s written", tc.tmpl.DestPath, res.Dest, res.Changed, want)
		}
		if got := read(t, want); got != tc.want {
			t.Errorf("%s: rendered %q, want %q", tc.tmpl.DestPath, got, tc.want)
		}
	}

	// Interpolation does not widen the bound: the allocation directory.
	outside := t.TempDir()
	for _, tmpl := range []*structs.Template{
		{EmbeddedTmpl: "x", DestPath: "${NOMAD_ALLOC_DIR}/../../x"},
		{EmbeddedTmpl: "x", DestPath: "${OUT}/x"},
		{SourcePath: "${OUT}/in.tpl", DestPath: "local/y"},
	} {
		task := task
		task.ReplacePath = hostPaths(dir, map[string]string{"OUT": outside})
		_, err := RenderTask(tmpl, task)
		if !errors.Is(err, allocdir.ErrEscapes) || !strings.Contains(err.Error(), "allocation directory") {
			t.Errorf("%+v: err = %v, want ErrEscapes naming the allocation directory", tmpl, err)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written outside the allocation directory: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dir)), "x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("written above the allocation directory: %v", err)
	}
}

// TestRenderInterpolatedPathThroughSymlinkedRoot: a client whose
// allocation root is reached through a symlink still accepts a path
// spelled with the root resolved.
func TestRenderInterpolatedPathThroughSymlinkedRoot(t *testing.T) {
	dir := taskDir(t)
	link := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink(filepath.Dir(dir), link); err != nil {
		t.Fatal(err)
	}
	linkedTask := filepath.Join(link, filepath.Base(dir))
	_, err := RenderTask(&structs.Template{EmbeddedTmpl: "x", DestPath: dir + "/local/via-link"}, Task{Dir: linkedTask})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "local", "via-link")); got != "x" {
		t.Errorf("rendered %q", got)
	}
}

func TestRenderDelimiters(t *testing.T) {
	dir := taskDir(t)
	tmpl := &structs.Template{
		EmbeddedTmpl: `name=[[ env "NAME" ]] literal={{ not a template }}`,
		DestPath:     "local/d", LeftDelim: "[[", RightDelim: "]]",
	}
	if _, err := Render(tmpl, dir, map[string]string{"NAME": "web"}); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, filepath.Join(dir, "local", "d")), "name=web literal={{ not a template }}"; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
}

// TestRenderMissingKey: indexing a map with a key it lacks renders
// "<no value>", as in Nomad, unless error_on_missing_key is set.
func TestRenderMissingKey(t *testing.T) {
	dir := taskDir(t)
	env := map[string]string{"CFG": `{"port": 8080}`}
	tmpl := &structs.Template{EmbeddedTmpl: `{{ with parseJSON (env "CFG") }}{{ .port }} {{ .host }}{{ end }}`, DestPath: "local/m"}
	if _, err := Render(tmpl, dir, env); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, filepath.Join(dir, "local", "m")), "8080 <no value>"; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
	tmpl.ErrMissingKey = true
	tmpl.DestPath = "local/m2"
	_, err := Render(tmpl, dir, env)
	if err == nil || !strings.Contains(err.Error(), `map has no entry for key "host"`) {
		t.Errorf("error_on_missing_key: err = %v, want the missing key named", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "local", "m2")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed render wrote its destination: %v", err)
	}
}

// TestRenderOwner: uid and gid are applied (the agent runs as root), and
// a file already so owned is left alone.
func TestRenderOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file away needs root")
	}
	dir := taskDir(t)
	uid, gid := 4321, 8765
	tmpl := &structs.Template{EmbeddedTmpl: "owned", DestPath: "local/o", Uid: &uid, Gid: &gid, Perms: "0640"}
	res, err := RenderTask(tmpl, Task{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	owned := func() (int, int, os.FileMode) {
		fi, err := os.Stat(res.Dest)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		return int(st.Uid), int(st.Gid), fi.Mode().Perm()
	}
	if u, g, p := owned(); u != uid || g != gid || p != 0o640 {
		t.Fatalf("owner %d:%d perms %v, want %d:%d 0640", u, g, p, uid, gid)
	}
	if res, err = RenderTask(tmpl, Task{Dir: dir}); err != nil || res.Changed {
		t.Fatalf("second render: changed %v, err %v; want the file left alone", res.Changed, err)
	}
	// Only the gid asked for: the uid is the agent's (root).
	other := 99
	tmpl.Uid, tmpl.Gid = nil, &other
	if res, err = RenderTask(tmpl, Task{Dir: dir}); err != nil || !res.Changed {
		t.Fatalf("new gid: changed %v, err %v", res.Changed, err)
	}
	if u, g, _ := owned(); u != 0 || g != other {
		t.Errorf("owner %d:%d, want 0:%d", u, g, other)
	}
}

func TestCheck(t *testing.T) {
	neg := -time.Second
	one, two := time.Second, 2*time.Second
	for _, tc := range []struct {
		tmpl structs.Template
		want string // "" is valid
	}{
		{structs.Template{DestPath: "x", ChangeMode: "noop"}, ""},
		{structs.Template{DestPath: "x", ChangeMode: "signal", ChangeSignal: "SIGHUP"}, ""},
		{structs.Template{DestPath: "x", ChangeMode: "script", ChangeScript: &structs.ChangeScript{Command: "/bin/reload"}}, ""},
		{structs.Template{DestPath: "x", Splay: 5 * time.Second, Wait: &structs.WaitConfig{Min: &one, Max: &two}}, ""},
		{structs.Template{}, "destination is required"},
		{structs.Template{DestPath: "x", ChangeMode: "reload"}, `change_mode "reload": want "noop", "restart", "signal" or "script"`},
		{structs.Template{DestPath: "x", ChangeMode: "signal"}, "needs change_signal"},
		{structs.Template{DestPath: "x", ChangeMode: "script"}, "needs change_script"},
		{structs.Template{DestPath: "x", ChangeScript: &structs.ChangeScript{Command: "c", Timeout: neg}}, "change_script > timeout must not be negative"},
		{structs.Template{DestPath: "x", Splay: neg}, "splay must not be negative"},
		{structs.Template{DestPath: "x", Wait: &structs.WaitConfig{Min: &neg}}, "wait > min must not be negative"},
		{structs.Template{DestPath: "x", Wait: &structs.WaitConfig{Min: &two, Max: &one}}, "wait > max (1s) must be at least min (2s)"},
		{structs.Template{DestPath: "x", EmbeddedTmpl: "a", SourcePath: "b"}, "not both"},
	} {
		err := Check(&tc.tmpl)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.tmpl, err)
		case tc.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: err = %v, want ErrInvalid with %q", tc.tmpl, err, tc.want)
		}
	}
}
