package docker

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// fakeKeychain answers every lookup with auth, or fails with err.
type fakeKeychain struct {
	auth authn.Authenticator
	err  error
}

func (k fakeKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, k.err }

func decodeAuth(t *testing.T, s string) map[string]string {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRegistryAuth(t *testing.T) {
	image := "registry.example.com/team/app:1"
	helper := fakeKeychain{auth: &authn.Basic{Username: "ci", Password: "from-helper"}}

	// The task's auth block wins over the Docker config.
	a, _, err := registryAuth(&taskConfig{Image: image, Auth: &authConfig{Username: "u", Password: "p"}}, helper)
	if m := decodeAuth(t, a); err != nil || m["username"] != "u" || m["password"] != "p" {
		t.Fatalf("task auth: %v, %v", m, err)
	}
	// Else the keychain's (Docker config file, credential helpers).
	a, _, err = registryAuth(&taskConfig{Image: image}, helper)
	if m := decodeAuth(t, a); err != nil || m["username"] != "ci" || m["password"] != "from-helper" || m["serveraddress"] != "registry.example.com" {
		t.Fatalf("keychain auth: %v, %v", m, err)
	}
	// Nothing configured: anonymous.
	if a, _, err := registryAuth(&taskConfig{Image: image}, fakeKeychain{auth: authn.Anonymous}); a != "" || err != nil {
		t.Fatalf("anonymous: %q, %v", a, err)
	}
	// A helper that fails fails the pull, unless auth_soft_fail.
	broken := fakeKeychain{err: errors.New("helper exited 1")}
	if _, _, err := registryAuth(&taskConfig{Image: image}, broken); err == nil ||
		!strings.Contains(err.Error(), "registry.example.com") || !strings.Contains(err.Error(), "auth_soft_fail") {
		t.Fatalf("failing helper: %v, want an error naming the registry and auth_soft_fail", err)
	}
	a, warning, err := registryAuth(&taskConfig{Image: image, AuthSoftFail: true}, broken)
	if a != "" || err != nil || !strings.Contains(warning, "helper exited 1") {
		t.Fatalf("auth_soft_fail: %q, %q, %v", a, warning, err)
	}
}

// A registry that stops answering mid-pull is given up after the plugin's
// pull_activity_timeout, with a message saying so, and the start is
// retried by the restart policy.
func TestPullActivityTimeout(t *testing.T) {
	needEngine(t)
	release := make(chan struct{})
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		<-release // the manifest never comes
	}))
	defer reg.Close()
	defer close(release)

	d := newDriver(t, map[string]any{"pull_activity_timeout": "500ms"})
	cfg := taskConfigIn(t, t.TempDir(), "stalled-pull", "stalled")
	taskbin(t, cfg, map[string]any{"image": strings.TrimPrefix(reg.URL, "http://") + "/stall/img:1"})
	start := time.Now()
	_, err := d.StartTask(testCtx(t), cfg)
	if err == nil || !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), "pull_activity_timeout") {
		t.Fatalf("StartTask = %v, want a recoverable error naming pull_activity_timeout", err)
	}
	t.Logf("given up after %s", time.Since(start).Round(time.Millisecond))
}
