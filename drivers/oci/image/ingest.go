package image

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// plan is an image about to enter the store, from whatever source.
type plan struct {
	ref            string
	id             v1.Hash // manifestDigest, or configDigest without a manifest
	manifestDigest v1.Hash // zero for docker tarballs
	manifest       []byte
	configDigest   v1.Hash
	config         func() ([]byte, error) // fetched only by the one pull that builds
	layers         []layerSource
}

// layerSource is one layer as its source offers it. Its digest names the
// blob exactly as open yields it: the compressed digest from a manifest,
// or a diff_id for an uncompressed layer of a docker tarball.
type layerSource struct {
	digest v1.Hash
	size   int64 // -1 when the source declares none
	open   func() (io.ReadCloser, error)
}

// build downloads what the store lacks of p, verifies it, unpacks it and
// renames the result into place.
func (s *Store) build(ctx context.Context, p *plan) (*Image, error) {
	config, err := s.config(ctx, p)
	if err != nil {
		return nil, err
	}
	cf, err := v1.ParseConfigFile(bytes.NewReader(config))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: config %s: %w", ErrInvalid, p.ref, p.configDigest, err)
	}
	if n := len(p.layers); n > s.cfg.MaxLayers {
		return nil, fmt.Errorf("%w: %s has %d layers, over the bound of %d", ErrTooLarge, p.ref, n, s.cfg.MaxLayers)
	}
	var declared int64
	for _, l := range p.layers {
		if l.size > 0 {
			declared += l.size
		}
	}
	if declared > s.cfg.MaxCompressedSize {
		return nil, fmt.Errorf("%w: %s has %d bytes of layers, over the bound of %d", ErrTooLarge, p.ref, declared, s.cfg.MaxCompressedSize)
	}

	blobs := []string{}
	if len(p.manifest) > 0 {
		if err := s.blobs.putBytes(ctx, p.manifestDigest, p.manifest); err != nil {
			return nil, fmt.Errorf("%s: manifest: %w", p.ref, err)
		}
		blobs = append(blobs, p.manifestDigest.String())
	}
	blobs = append(blobs, p.configDigest.String())

	budget := s.cfg.MaxCompressedSize
	for _, l := range p.layers {
		n, err := s.fetchLayer(ctx, l, budget)
		if err != nil {
			return nil, fmt.Errorf("%s: layer %s: %w", p.ref, l.digest, err)
		}
		budget -= n
		blobs = append(blobs, l.digest.String())
	}

	work, err := os.MkdirTemp(s.tmpDir, "unpack-")
	if err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	defer os.RemoveAll(work) // after the rename, nothing is left here
	rootfs := filepath.Join(work, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	if err := os.Chmod(rootfs, 0o755); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	u := &unpacker{
		root:       rootfs,
		logger:     s.logger,
		maxEntries: s.cfg.MaxLayerEntries,
		budget:     s.cfg.MaxUncompressedSize,
		asRoot:     s.asRoot,
	}
	for _, l := range p.layers {
		if err := s.applyLayer(ctx, u, l.digest); err != nil {
			return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
		}
	}

	img := &Image{
		ID:           p.id.String(),
		Ref:          p.ref,
		ConfigDigest: p.configDigest.String(),
		Platform:     platformOf(cf),
		Config:       imageConfigOf(cf),
		Blobs:        blobs,
	}
	if len(p.manifest) > 0 {
		img.Digest = p.manifestDigest.String()
	}
	rec, err := json.MarshalIndent(img, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	if err := os.WriteFile(filepath.Join(work, "image.json"), rec, 0o644); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	final := filepath.Join(s.imagesDir, p.id.Hex)
	// A directory here is one Open did not load: stale, never in use.
	if err := os.RemoveAll(final); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	if err := os.Rename(work, final); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", p.ref, err)
	}
	img.RootFS = filepath.Join(final, "rootfs")
	s.logger.Info("image unpacked", "image", p.ref, "id", img.ID, "layers", len(p.layers), "bytes", u.unpacked)
	return img, nil
}

// config returns the image config from the store, or fetches, verifies
// and stores it.
func (s *Store) config(ctx context.Context, p *plan) ([]byte, error) {
	if err := checkDigest(p.configDigest); err != nil {
		return nil, fmt.Errorf("%s: config: %w", p.ref, err)
	}
	if f, err := s.blobs.open(p.configDigest); err == nil {
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxMetadataSize+1))
		if err == nil && len(data) <= maxMetadataSize {
			return data, nil
		}
	}
	data, err := p.config()
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("%w: %s: config of %d bytes, over the bound of %d", ErrTooLarge, p.ref, len(data), maxMetadataSize)
	}
	if err := s.blobs.putBytes(ctx, p.configDigest, data); err != nil {
		return nil, fmt.Errorf("%s: config: %w", p.ref, err)
	}
	return data, nil
}

// fetchLayer stores a layer blob unless the store has it, and returns its
// size.
func (s *Store) fetchLayer(ctx context.Context, l layerSource, budget int64) (int64, error) {
	if err := checkDigest(l.digest); err != nil {
		return 0, err
	}
	if fi, err := os.Stat(s.blobs.path(l.digest)); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > budget {
			return 0, fmt.Errorf("%w: %d bytes, over the %d bytes left of the image's bound", ErrTooLarge, fi.Size(), budget)
		}
		return fi.Size(), nil
	}
	rc, err := l.open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return s.blobs.put(ctx, l.digest, l.size, budget, rc)
}

func (s *Store) applyLayer(ctx context.Context, u *unpacker, digest v1.Hash) error {
	f, err := s.blobs.open(digest)
	if err != nil {
		return fmt.Errorf("layer %s: %w", digest, err)
	}
	defer f.Close()
	tr, err := decompress(ctxReader{ctx, f})
	if err != nil {
		return fmt.Errorf("%w: layer %s: decompress: %w", ErrInvalid, digest, err)
	}
	defer tr.Close()
	return u.apply(digest.String(), tr)
}
