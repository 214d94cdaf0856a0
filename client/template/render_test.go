package template

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func taskDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "web")
	if err := os.MkdirAll(filepath.Join(d, "local"), 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderEmbedded(t *testing.T) {
	dir := taskDir(t)
	env := map[string]string{"NOMAD_ALLOC_ID": "abc", "PORT": "8080"}
	tmpl := &structs.Template{
		EmbeddedTmpl: `id={{ env "NOMAD_ALLOC_ID" }} port={{ env "PORT" | parseInt }} missing=[{{ env "NOPE" }}] {{ "x,y" | split "," | join "+" | toUpper }}`,
		DestPath:     "local/app.conf",
	}
	vars, err := Render(tmpl, dir, env)
	if err != nil {
		t.Fatal(err)
	}
	if vars != nil {
		t.Errorf("envvars %v without Envvars", vars)
	}
	p := filepath.Join(dir, "local", "app.conf")
	if got, want := read(t, p), "id=abc port=8080 missing=[] X+Y"; got != want {
		t.Fatalf("rendered %q, want %q", got, want)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != DefaultPerms {
		t.Errorf("perms %v", fi.Mode())
	}
}

func TestRenderSourceAndPerms(t *testing.T) {
	dir := taskDir(t)
	if err := os.WriteFile(filepath.Join(dir, "local", "in.tpl"), []byte(`{{ env "A" | base64Encode }}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := &structs.Template{SourcePath: "local/in.tpl", DestPath: "secrets/out/x", Perms: "0600"}
	if _, err := Render(tmpl, dir, map[string]string{"A": "hi"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "secrets", "out", "x")
	if got := read(t, p); got != "aGk=" {
		t.Fatalf("rendered %q", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("perms %v, want 0600", fi.Mode())
	}
}

func TestRenderLeavesUnchangedFileAlone(t *testing.T) {
	dir := taskDir(t)
	tmpl := &structs.Template{EmbeddedTmpl: "same", DestPath: "local/f"}
	if _, err := Render(tmpl, dir, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "local", "f")
	old := time.Unix(1000, 0)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(tmpl, dir, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); !fi.ModTime().Equal(old) {
		t.Errorf("unchanged file rewritten (mtime %v)", fi.ModTime())
	}
	tmpl.EmbeddedTmpl = "changed"
	if _, err := Render(tmpl, dir, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "changed" {
		t.Errorf("content %q", got)
	}
}

func TestRenderEnvvars(t *testing.T) {
	dir := taskDir(t)
	tmpl := &structs.Template{
		EmbeddedTmpl: "# comment\n\nDB_HOST={{ env \"HOST\" }}\nexport QUOTED=\"a b\\n\"\nSINGLE='x y'\n  SPACED = v  \n",
		DestPath:     "secrets/file.env",
		Envvars:      true,
	}
	vars, err := Render(tmpl, dir, map[string]string{"HOST": "db.local"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"DB_HOST": "db.local", "QUOTED": "a b\n", "SINGLE": "x y", "SPACED": "v"}
	if len(vars) != len(want) {
		t.Fatalf("vars %v, want %v", vars, want)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}

	tmpl.EmbeddedTmpl = "GOOD=1\nthis is not a var\n"
	_, err = Render(tmpl, dir, nil)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "env line 2") || !strings.Contains(err.Error(), `template "secrets/file.env"`) {
		t.Fatalf("bad env line: %v", err)
	}
}

func TestRenderErrorsNameTemplateAndPosition(t *testing.T) {
	dir := taskDir(t)
	for _, tc := range []struct {
		tmpl string
		want string
	}{
		{"line one\n{{ key \"x\" }}", `data:2: function "key" not defined`},
		{"ok\n  {{ parseInt \"nope\" }}", "data:2:5: executing"},
		{"{{ if }}", "data:1: missing value for if"},
	} {
		_, err := Render(&structs.Template{EmbeddedTmpl: tc.tmpl, DestPath: "local/out"}, dir, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `template "local/out"`) {
			t.Errorf("%q: err = %v, want %q", tc.tmpl, err, tc.want)
		}
	}
}

func TestRenderConfinesPaths(t *testing.T) {
	dir := taskDir(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "local", "out")); err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []*structs.Template{
		// "../x" is in the allocation directory, which is allowed
		// (TestRenderIntoTheAllocationDirectory); one more level is not.
		{EmbeddedTmpl: "x", DestPath: "../../escape"},
		{EmbeddedTmpl: "x", DestPath: "/etc/x"},
		{EmbeddedTmpl: "x", DestPath: "local/out/x"},
		{SourcePath: "local/out/secret", DestPath: "local/x"},
		{SourcePath: "/etc/passwd", DestPath: "local/x"},
	} {
		if _, err := Render(tmpl, dir, nil); !errors.Is(err, allocdir.ErrEscapes) {
			t.Errorf("%+v: err = %v, want ErrEscapes", tmpl, err)
		}
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 1 {
		t.Errorf("something was written outside: %v", ents)
	}
}

func TestRenderBounds(t *testing.T) {
	dir := taskDir(t)
	_, err := Render(&structs.Template{EmbeddedTmpl: `{{ range split "," (env "MANY") }}` + strings.Repeat("x", 1024) + `{{ end }}`, DestPath: "local/big"}, dir,
		map[string]string{"MANY": strings.Repeat(",", 2000)})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("big output: err = %v, want ErrTooLarge", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "local", "big")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial output written: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local", "huge.tpl"), make([]byte, MaxBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(&structs.Template{SourcePath: "local/huge.tpl", DestPath: "local/x"}, dir, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big source: err = %v, want ErrTooLarge", err)
	}
}

func TestRenderRefusesBadBlocks(t *testing.T) {
	dir := taskDir(t)
	if err := os.Mkdir(filepath.Join(dir, "local", "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []*structs.Template{
		nil,
		{EmbeddedTmpl: "x"},
		{DestPath: "local/x"},
		{EmbeddedTmpl: "x", DestPath: "local/x", Perms: "rw-r--r--"},
		{EmbeddedTmpl: "x", DestPath: "local/x", Perms: "01777"},
		{EmbeddedTmpl: "x", DestPath: "local/adir"},
		{SourcePath: "local/adir", DestPath: "local/x"},
	} {
		if _, err := Render(tmpl, dir, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", tmpl, err)
		}
	}
}

// TestRenderIntoTheAllocationDirectory: as in Nomad, a destination may
// lead from the task directory into the allocation directory the tasks
// share; leaving the allocation directory is refused.
func TestRenderIntoTheAllocationDirectory(t *testing.T) {
	dir := taskDir(t)
	shared := filepath.Join(filepath.Dir(dir), "alloc")
	if err := os.MkdirAll(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(&structs.Template{EmbeddedTmpl: "shared", DestPath: "../alloc/app.conf"}, dir, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(shared, "app.conf")); got != "shared" {
		t.Fatalf("rendered %q", got)
	}
	_, err := Render(&structs.Template{EmbeddedTmpl: "x", DestPath: "../../escaped"}, dir, nil)
	if !errors.Is(err, allocdir.ErrEscapes) {
		t.Fatalf("escaping destination: %v", err)
	}
}
