package docker

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// registryAuth is the engine's X-Registry-Auth value for pulling image: the
// task's auth block when it has one, else what the client's Docker config
// file (DOCKER_CONFIG or ~/.docker/config.json, with its credential
// helpers) holds for the image's registry, else "" (anonymous). A lookup
// that fails fails the pull, unless the task sets auth_soft_fail, when the
// pull goes on without credentials; the warning says why.
func registryAuth(conf *taskConfig, keychain authn.Keychain) (auth, warning string, err error) {
	if a := conf.Auth; a != nil && (a.Username != "" || a.Password != "") {
		return encodeAuth(map[string]string{
			"username": a.Username, "password": a.Password, "email": a.Email, "serveraddress": a.ServerAddress,
		})
	}
	if keychain == nil {
		return "", "", nil
	}
	ref, err := name.ParseReference(conf.Image)
	if err != nil {
		return "", "", fmt.Errorf("docker task config: image %q: %w", conf.Image, err)
	}
	cfg, err := lookupAuth(keychain, ref.Context())
	if err != nil {
		err = fmt.Errorf("credentials for registry %s from the Docker config file or its credential helper: %w", ref.Context().RegistryStr(), err)
		if conf.AuthSoftFail {
			return "", err.Error() + "; pulling without credentials (auth_soft_fail)", nil
		}
		return "", "", fmt.Errorf("%w (set auth_soft_fail = true to pull without them)", err)
	}
	if cfg == (authn.AuthConfig{}) {
		return "", "", nil
	}
	return encodeAuth(map[string]string{
		"username": cfg.Username, "password": cfg.Password, "auth": cfg.Auth,
		"identitytoken": cfg.IdentityToken, "registrytoken": cfg.RegistryToken,
		"serveraddress": ref.Context().RegistryStr(),
	})
}

func lookupAuth(keychain authn.Keychain, repo name.Repository) (authn.AuthConfig, error) {
	a, err := keychain.Resolve(repo)
	if err != nil {
		return authn.AuthConfig{}, err
	}
	if a == authn.Anonymous {
		return authn.AuthConfig{}, nil
	}
	cfg, err := a.Authorization()
	if err != nil {
		return authn.AuthConfig{}, err
	}
	return *cfg, nil
}

func encodeAuth(fields map[string]string) (string, string, error) {
	for k, v := range fields {
		if v == "" {
			delete(fields, k)
		}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return "", "", err
	}
	return base64.URLEncoding.EncodeToString(b), "", nil
}
