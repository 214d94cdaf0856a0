package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxIndexDepth bounds indexes nested in indexes.
const maxIndexDepth = 4

// Pull makes the image ref (by tag or digest) present in the store and
// returns it. A digest the store already holds needs no registry. auth,
// if not nil, is used instead of the Docker config file. ctx bounds the
// whole pull; concurrent pulls of one image share one download. A
// registry that sends nothing for Config.ActivityTimeout while the pull
// waits on it ends the pull with ErrStalled.
func (s *Store) Pull(ctx context.Context, ref string, auth *Auth) (*Image, error) {
	r, err := s.parseRef(ref)
	if err != nil {
		return nil, err
	}
	if d, ok := r.(name.Digest); ok {
		if img, ok := s.byDigest(d.DigestStr()); ok {
			return img, nil
		}
	}
	ctx, wd := newWatchdog(ctx, r.Context().RegistryStr(), s.cfg.ActivityTimeout)
	defer wd.stop()
	img, err := s.pull(ctx, wd, ref, r, auth)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrStalled) {
			return nil, fmt.Errorf("pull %s: %w (%v)", ref, cause, err)
		}
		return nil, err
	}
	return img, nil
}

func (s *Store) pull(ctx context.Context, wd *watchdog, ref string, r name.Reference, auth *Auth) (*Image, error) {
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(wd.transport(httpsOnly{next: s.cfg.Transport, allow: s.plainHTTP})),
		remote.WithUserAgent("nomadish-oci"),
	}
	if auth != nil && (auth.Username != "" || auth.Password != "") {
		opts = append(opts, remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: auth.Username, Password: auth.Password})))
	} else {
		// Resolved here, not inside remote, so that a credential helper
		// that fails is reported as what it is.
		a, err := s.cfg.Keychain.Resolve(r.Context())
		if err != nil {
			return nil, fmt.Errorf("pull %s: %w: credentials for registry %s from the Docker config file (DOCKER_CONFIG or ~/.docker/config.json): %w; fix its credHelpers or credsStore entry, or give the task an auth block", ref, ErrUnauthorized, r.Context().RegistryStr(), err)
		}
		opts = append(opts, remote.WithAuth(a))
	}

	desc, err := remote.Get(r, opts...)
	for depth := 0; err == nil && desc.MediaType.IsIndex(); depth++ {
		if depth == maxIndexDepth {
			return nil, fmt.Errorf("%w: pull %s: indexes nested deeper than %d", ErrInvalid, ref, maxIndexDepth)
		}
		var idx *v1.IndexManifest
		if idx, err = v1.ParseIndexManifest(bytes.NewReader(desc.Manifest)); err != nil {
			return nil, fmt.Errorf("%w: pull %s: index: %w", ErrInvalid, ref, err)
		}
		child, perr := pickPlatform(ref, s.cfg.Platform, idx)
		if perr != nil {
			return nil, perr
		}
		if perr := checkDigest(child.Digest); perr != nil {
			return nil, fmt.Errorf("pull %s: %w", ref, perr)
		}
		desc, err = remote.Get(r.Context().Digest(child.Digest.String()), opts...)
	}
	if err != nil {
		return nil, registryError(ctx, ref, r, err)
	}
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("%w: pull %s: manifest of type %q; want an OCI or Docker v2 image manifest or index", ErrInvalid, ref, desc.MediaType)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, registryError(ctx, ref, r, err)
	}
	p, err := planFromImage(r.Name(), desc.Digest, desc.Manifest, img, func(err error) error {
		return registryError(ctx, ref, r, err)
	})
	if err != nil {
		return nil, err
	}
	return s.realize(ctx, p)
}

func (s *Store) byDigest(digest string) (*Image, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.images[digest]
	if !ok || e.img.Digest != digest {
		return nil, false
	}
	if e.refs == 0 {
		e.lastUsed = s.cfg.Now()
	}
	c := *e.img
	return &c, true
}

// planFromImage turns a manifest and the image it describes into a plan,
// checking the manifest against its digest. wrap turns errors of the
// source into ones a user can act on.
func planFromImage(ref string, digest v1.Hash, raw []byte, img v1.Image, wrap func(error) error) (*plan, error) {
	if err := checkDigest(digest); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if len(raw) > maxMetadataSize {
		return nil, fmt.Errorf("%w: %s: manifest of %d bytes, over the bound of %d", ErrTooLarge, ref, len(raw), maxMetadataSize)
	}
	got, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil || got != digest {
		return nil, fmt.Errorf("%w: %s: manifest %s arrived with digest %s", ErrDigestMismatch, ref, digest, got)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: manifest: %w", ErrInvalid, ref, err)
	}
	if err := checkDigest(m.Config.Digest); err != nil {
		return nil, fmt.Errorf("%s: config: %w", ref, err)
	}
	if m.Config.Size > maxMetadataSize {
		return nil, fmt.Errorf("%w: %s: config of %d bytes, over the bound of %d", ErrTooLarge, ref, m.Config.Size, maxMetadataSize)
	}
	p := &plan{ref: ref, id: digest, manifestDigest: digest, manifest: raw, configDigest: m.Config.Digest,
		config: func() ([]byte, error) {
			config, err := img.RawConfigFile()
			if err != nil {
				return nil, wrap(err)
			}
			return config, nil
		}}
	for _, l := range m.Layers {
		if err := checkLayerType(ref, l); err != nil {
			return nil, err
		}
		d := l.Digest
		p.layers = append(p.layers, layerSource{digest: d, size: l.Size, open: func() (io.ReadCloser, error) {
			layer, err := img.LayerByDigest(d)
			if err != nil {
				return nil, wrap(err)
			}
			rc, err := layer.Compressed()
			if err != nil {
				return nil, wrap(err)
			}
			return rc, nil
		}})
	}
	return p, nil
}

func checkLayerType(ref string, l v1.Descriptor) error {
	switch l.MediaType {
	case types.DockerLayer, types.OCILayer, types.OCILayerZStd, types.OCIUncompressedLayer, types.DockerUncompressedLayer:
		return nil
	case types.DockerForeignLayer, types.OCIRestrictedLayer, types.OCIUncompressedRestrictedLayer:
		return fmt.Errorf("%w: %s: layer %s is a foreign layer (%s), which is not fetched; push the image with its layers", ErrInvalid, ref, l.Digest, l.MediaType)
	}
	return fmt.Errorf("%w: %s: layer %s has media type %q; want a tar, tar+gzip or tar+zstd layer", ErrInvalid, ref, l.Digest, l.MediaType)
}

// registryError says what a registry answered, in terms a user can act on.
func registryError(ctx context.Context, ref string, r name.Reference, err error) error {
	reg := r.Context().RegistryStr()
	var terr *transport.Error
	if errors.As(err, &terr) {
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return fmt.Errorf("pull %s: %w: registry %s answered HTTP %d: %w; check the repository, tag and digest", ref, ErrNotFound, reg, terr.StatusCode, err)
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return unauthorized(ref, reg, terr.StatusCode, err)
			}
		}
		switch terr.StatusCode {
		case 401, 403:
			return unauthorized(ref, reg, terr.StatusCode, err)
		case 404:
			return fmt.Errorf("pull %s: %w: registry %s answered HTTP %d: %w; check the repository, tag and digest", ref, ErrNotFound, reg, terr.StatusCode, err)
		}
		return fmt.Errorf("pull %s: registry %s answered HTTP %d: %w", ref, reg, terr.StatusCode, err)
	}
	var nerr net.Error
	var uerr *url.Error
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) || errors.As(err, &uerr) {
		return fmt.Errorf("pull %s: %w: %s: %w", ref, ErrUnreachable, reg, err)
	}
	return fmt.Errorf("pull %s: %w", ref, err)
}

func unauthorized(ref, reg string, status int, err error) error {
	return fmt.Errorf("pull %s: %w: registry %s answered HTTP %d: %w; give credentials in the task's auth block or in the client's Docker config file", ref, ErrUnauthorized, reg, status, err)
}
