package artifact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// serve answers each path with its body.
func serve(t *testing.T, files map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGetHTTPFile(t *testing.T) {
	allocDir, taskDir := dirs(t)
	srv := serve(t, map[string][]byte{"/bin/app": []byte("binary")})
	g := &Getter{HTTPClient: srv.Client()}
	if err := g.Get(context.Background(), &structs.TaskArtifact{GetterSource: srv.URL + "/bin/app?version=2"}, nil, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(taskDir, "local", "app")
	if got := readFile(t, p); got != "binary" {
		t.Fatalf("content %q", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(taskDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".artifact-") {
			t.Errorf("left %s", e.Name())
		}
	}
}

func TestGetHTTPArchives(t *testing.T) {
	entries := []entry{
		{name: "app/", typ: '5', mode: 0o755},
		{name: "app/run.sh", body: "#!/bin/sh\n", mode: 0o755},
		{name: "app/conf/app.conf", body: "port=1"},
		{name: "app/current", typ: '2', linkname: "conf/app.conf"},
		{name: "app/lib/up", typ: '2', linkname: "../run.sh"},
	}
	srv := serve(t, map[string][]byte{
		"/a.tar":    makeTar(t, false, entries...),
		"/a.tar.gz": makeTar(t, true, entries...),
		"/a.tgz":    makeTar(t, true, entries...),
		"/a.zip": makeZip(t,
			entry{name: "app/run.sh", body: "#!/bin/sh\n"},
			entry{name: "app/conf/app.conf", body: "port=1"},
			entry{name: "app/current", linkname: "conf/app.conf"},
			entry{name: "app/lib/up", linkname: "../run.sh"}),
	})
	for _, name := range []string{"a.tar", "a.tar.gz", "a.tgz", "a.zip"} {
		t.Run(name, func(t *testing.T) {
			allocDir, taskDir := dirs(t)
			g := &Getter{HTTPClient: srv.Client()}
			art := &structs.TaskArtifact{GetterSource: srv.URL + "/" + name, RelativeDest: "local/pkg"}
			if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(taskDir, "local", "pkg")
			if got := readFile(t, filepath.Join(dest, "app", "current")); got != "port=1" {
				t.Errorf("through symlink: %q", got)
			}
			if got := readFile(t, filepath.Join(dest, "app", "lib", "up")); got != "#!/bin/sh\n" {
				t.Errorf("through ../ symlink: %q", got)
			}
			if _, err := os.Stat(filepath.Join(dest, name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("archive itself kept: %v", err)
			}
			if name != "a.zip" {
				if fi, _ := os.Stat(filepath.Join(dest, "app", "run.sh")); fi.Mode().Perm() != 0o755 {
					t.Errorf("run.sh mode %v, want 0755", fi.Mode())
				}
			}
			// Fetching again over the same files works (a task restart).
			if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
				t.Fatalf("second fetch: %v", err)
			}
		})
	}
}

func TestGetArchiveFalseAndModes(t *testing.T) {
	tgz := makeTar(t, true, entry{name: "f", body: "x"})
	srv := serve(t, map[string][]byte{"/a.tar.gz": tgz, "/plain": []byte("p")})
	g := &Getter{HTTPClient: srv.Client()}
	allocDir, taskDir := dirs(t)

	art := &structs.TaskArtifact{GetterSource: srv.URL + "/a.tar.gz", GetterOptions: map[string]string{"archive": "false"}}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(taskDir, "local", "a.tar.gz")); got != string(tgz) {
		t.Error("archive=false did not keep the archive as it is")
	}

	art = &structs.TaskArtifact{GetterSource: srv.URL + "/plain", GetterMode: ModeFile, RelativeDest: "local/sub/renamed"}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(taskDir, "local", "sub", "renamed")); got != "p" {
		t.Errorf("mode file: %q", got)
	}

	art = &structs.TaskArtifact{GetterSource: srv.URL + "/plain", GetterMode: ModeDir}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); !errors.Is(err, ErrInvalid) {
		t.Errorf("mode dir on a plain file = %v, want ErrInvalid", err)
	}
	art = &structs.TaskArtifact{GetterSource: srv.URL + "/plain", GetterMode: "sideways"}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `mode "sideways"`) {
		t.Errorf("bad mode = %v", err)
	}
	art = &structs.TaskArtifact{GetterSource: srv.URL + "/"}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); !errors.Is(err, ErrInvalid) {
		t.Errorf("no file name = %v", err)
	}
}

func TestGetChecksum(t *testing.T) {
	body := []byte("payload")
	sum := sha256.Sum256(body)
	good := hex.EncodeToString(sum[:])
	srv := serve(t, map[string][]byte{"/f": body})
	g := &Getter{HTTPClient: srv.Client()}
	allocDir, taskDir := dirs(t)

	art := &structs.TaskArtifact{GetterSource: srv.URL + "/f", GetterOptions: map[string]string{"checksum": "sha256:" + good}}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}

	bad := strings.Repeat("0", 64)
	art = &structs.TaskArtifact{GetterSource: srv.URL + "/f", GetterOptions: map[string]string{"checksum": "sha256:" + bad}, RelativeDest: "local/other"}
	err := g.Get(context.Background(), art, nil, allocDir, taskDir)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	for _, want := range []string{srv.URL + "/f", "expected sha256:" + bad, "got sha256:" + good} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(taskDir, "local", "other", "f")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file written despite the mismatch: %v", err)
	}
}

func TestGetHTTPErrorsNameTheSource(t *testing.T) {
	srv := serve(t, nil)
	allocDir, taskDir := dirs(t)
	src := srv.URL + "/missing.tar.gz"
	err := (&Getter{HTTPClient: srv.Client()}).Get(context.Background(), &structs.TaskArtifact{GetterSource: src}, nil, allocDir, taskDir)
	if err == nil || !strings.Contains(err.Error(), `artifact "`+src+`"`) || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("err = %v", err)
	}
}

func TestGetMaxBytes(t *testing.T) {
	big := []byte(strings.Repeat("z", 4096))
	bomb := makeTar(t, true, entry{name: "zeros", body: strings.Repeat("\x00", 1<<20)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write(big[:2048])
			w.(http.Flusher).Flush() // no Content-Length
			w.Write(big[2048:])
		case "/sized":
			w.Write(big)
		case "/bomb.tgz":
			w.Write(bomb)
		}
	}))
	defer srv.Close()
	if len(bomb) > 8192 {
		t.Fatalf("bomb is %d bytes compressed; the test wants it small", len(bomb))
	}
	for _, path := range []string{"/sized", "/chunked", "/bomb.tgz"} {
		allocDir, taskDir := dirs(t)
		g := &Getter{HTTPClient: srv.Client(), MaxBytes: 10000}
		err := g.Get(context.Background(), &structs.TaskArtifact{GetterSource: srv.URL + path}, nil, allocDir, taskDir)
		if path == "/sized" || path == "/chunked" {
			g.MaxBytes = 1000
			err = g.Get(context.Background(), &structs.TaskArtifact{GetterSource: srv.URL + path}, nil, allocDir, taskDir)
		}
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", path, err)
		}
	}
}

func TestGetCancelled(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		close(started)
		<-r.Context().Done()
	}))
	defer srv.Close()
	allocDir, taskDir := dirs(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	err := (&Getter{HTTPClient: srv.Client()}).Get(ctx, &structs.TaskArtifact{GetterSource: srv.URL + "/slow"}, nil, allocDir, taskDir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestGetDestinationConfined(t *testing.T) {
	srv := serve(t, map[string][]byte{"/f": []byte("x")})
	g := &Getter{HTTPClient: srv.Client()}
	allocDir, taskDir := dirs(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(taskDir, "local", "out")); err != nil {
		t.Fatal(err)
	}
	// "../alloc/data" and "local/../../x" stay in the allocation
	// directory and are allowed (TestGetIntoTheAllocationDirectory).
	for _, dest := range []string{"../../x", "/etc", "local/../../../x", "local/out", "local/out/deeper"} {
		err := g.Get(context.Background(), &structs.TaskArtifact{GetterSource: srv.URL + "/f", RelativeDest: dest}, nil, allocDir, taskDir)
		if !errors.Is(err, allocdir.ErrEscapes) {
			t.Errorf("destination %q: err = %v, want ErrEscapes", dest, err)
		}
	}
	assertEmpty(t, outside)

	// An absolute destination inside the task directory (an interpolated
	// ${NOMAD_TASK_DIR}) is accepted.
	replace := func(s string) string {
		return strings.ReplaceAll(s, "${NOMAD_TASK_DIR}", filepath.Join(taskDir, "local"))
	}
	art := &structs.TaskArtifact{GetterSource: srv.URL + "/f", RelativeDest: "${NOMAD_TASK_DIR}/abs"}
	if err := g.Get(context.Background(), art, replace, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(taskDir, "local", "abs", "f")); got != "x" {
		t.Errorf("content %q", got)
	}
}

func TestGetFileSources(t *testing.T) {
	allocDir, taskDir := dirs(t)
	shared := filepath.Join(allocDir, "alloc", "data", "shared.txt")
	if err := os.WriteFile(shared, []byte("shared"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "rooted.txt"), []byte("rooted"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	secret := filepath.Join(elsewhere, "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A symlink inside the alloc dir that leads out of it.
	if err := os.Symlink(secret, filepath.Join(allocDir, "alloc", "data", "sneaky")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(taskDir, "local", "in-task.txt"), []byte("in task"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &Getter{FileRoots: []string{root}}

	for src, want := range map[string]string{
		shared:                            "shared",
		"file://" + shared:                "shared",
		filepath.Join(root, "rooted.txt"): "rooted",
		"local/in-task.txt":               "in task",
		"file://" + filepath.Join(root, "rooted.txt"): "rooted",
	} {
		art := &structs.TaskArtifact{GetterSource: src, GetterMode: ModeFile, RelativeDest: "local/got"}
		if err := g.Get(context.Background(), art, nil, allocDir, taskDir); err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := readFile(t, filepath.Join(taskDir, "local", "got")); got != want {
			t.Errorf("%s: got %q, want %q", src, got, want)
		}
	}

	for _, src := range []string{secret, "file://" + secret, filepath.Join(allocDir, "alloc", "data", "sneaky"), "/etc/passwd"} {
		err := g.Get(context.Background(), &structs.TaskArtifact{GetterSource: src}, nil, allocDir, taskDir)
		if !errors.Is(err, ErrFileSourceNotAllowed) || !strings.Contains(err.Error(), "client { artifact { file_roots = [...] } }") {
			t.Errorf("%s: err = %v, want ErrFileSourceNotAllowed naming file_roots", src, err)
		}
	}
	err := g.Get(context.Background(), &structs.TaskArtifact{GetterSource: "../../" + filepath.Base(elsewhere) + "/secret"}, nil, allocDir, taskDir)
	if !errors.Is(err, allocdir.ErrEscapes) {
		t.Errorf("relative escape: err = %v", err)
	}
	err = g.Get(context.Background(), &structs.TaskArtifact{GetterSource: filepath.Join(allocDir, "alloc", "data")}, nil, allocDir, taskDir)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory source: err = %v", err)
	}
}

func TestGetInterpolatesAndRefusesUnknownOptions(t *testing.T) {
	srv := serve(t, map[string][]byte{"/v1.2/app": []byte("app")})
	g := &Getter{HTTPClient: srv.Client()}
	allocDir, taskDir := dirs(t)
	replace := func(s string) string { return strings.ReplaceAll(s, "${VERSION}", "1.2") }
	art := &structs.TaskArtifact{GetterSource: srv.URL + "/v${VERSION}/app", RelativeDest: "local/${VERSION}"}
	if err := g.Get(context.Background(), art, replace, allocDir, taskDir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(taskDir, "local", "1.2", "app")); got != "app" {
		t.Errorf("content %q", got)
	}
	art = &structs.TaskArtifact{GetterSource: srv.URL + "/v1.2/app", GetterOptions: map[string]string{"aws_access_key_id": "x"}}
	if err := g.Get(context.Background(), art, nil, allocDir, taskDir); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "supported options are checksum and archive") {
		t.Errorf("unknown option: err = %v", err)
	}
	if err := g.Get(context.Background(), nil, nil, allocDir, taskDir); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil artifact: err = %v", err)
	}
}
