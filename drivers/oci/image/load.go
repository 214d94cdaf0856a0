package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// refNameAnnotation names an image in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// maxArchiveEntries bounds the entries of a tarball scanned for its kind.
const maxArchiveEntries = 1 << 16

// LoadLayout makes an image of the OCI layout directory dir present in the
// store. refOrDigest picks it: a manifest digest ("sha256:…"), or a name
// from the index's org.opencontainers.image.ref.name annotations (a full
// reference or just its tag), or "" when the layout holds one image.
func (s *Store) LoadLayout(ctx context.Context, dir, refOrDigest string) (*Image, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: not an OCI layout (want a directory with oci-layout and index.json): %w", ErrInvalid, dir, err)
	}
	ref := dir
	if refOrDigest != "" {
		ref += ":" + refOrDigest
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", ErrInvalid, ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: index.json: %w", ErrInvalid, ref, err)
	}
	desc, err := pickLayoutEntry(ref, im, refOrDigest)
	if err != nil {
		return nil, err
	}
	for depth := 0; desc.MediaType.IsIndex(); depth++ {
		if depth == maxIndexDepth {
			return nil, fmt.Errorf("%w: load %s: indexes nested deeper than %d", ErrInvalid, ref, maxIndexDepth)
		}
		if err := checkDigest(desc.Digest); err != nil {
			return nil, fmt.Errorf("load %s: %w", ref, err)
		}
		child, err := idx.ImageIndex(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("%w: load %s: index %s: %w", ErrInvalid, ref, desc.Digest, err)
		}
		cim, err := child.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("%w: load %s: index %s: %w", ErrInvalid, ref, desc.Digest, err)
		}
		if desc, err = pickPlatform(ref, s.cfg.Platform, cim); err != nil {
			return nil, err
		}
		idx = child
	}
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("%w: load %s: manifest of type %q; want an OCI or Docker v2 image manifest or index", ErrInvalid, ref, desc.MediaType)
	}
	if err := checkDigest(desc.Digest); err != nil {
		return nil, fmt.Errorf("load %s: %w", ref, err)
	}
	if desc.Size > maxMetadataSize {
		return nil, fmt.Errorf("%w: load %s: manifest of %d bytes, over the bound of %d", ErrTooLarge, ref, desc.Size, maxMetadataSize)
	}
	img, err := lp.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: image %s: %w", ErrNotFound, ref, desc.Digest, err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: manifest %s: %w", ErrNotFound, ref, desc.Digest, err)
	}
	p, err := planFromImage(ref, desc.Digest, raw, img, func(err error) error {
		return fmt.Errorf("load %s: %w", ref, err)
	})
	if err != nil {
		return nil, err
	}
	return s.realize(ctx, p)
}

func pickLayoutEntry(ref string, im *v1.IndexManifest, want string) (v1.Descriptor, error) {
	var names []string
	for _, d := range im.Manifests {
		n := d.Annotations[refNameAnnotation]
		switch {
		case want == "" && len(im.Manifests) == 1:
			return d, nil
		case want != "" && (d.Digest.String() == want || n == want || (n != "" && tagOf(want) == n)):
			return d, nil
		}
		if n == "" {
			n = d.Digest.String()
		}
		names = append(names, n)
	}
	if want == "" {
		return v1.Descriptor{}, fmt.Errorf("%w: load %s: the layout holds %d images (%s); name one by digest or ref name", ErrNotFound, ref, len(im.Manifests), orNone(names))
	}
	return v1.Descriptor{}, fmt.Errorf("%w: load %s: no image named %q in the layout; it has %s", ErrNotFound, ref, want, orNone(names))
}

// tagOf returns the tag of a reference such as "registry:5000/app:v1".
func tagOf(ref string) string {
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && !strings.Contains(ref[i:], "/") {
		return ref[i+1:]
	}
	return ref
}

// LoadTarball makes the image of a tarball on local disk present in the
// store: a `docker save` archive (manifest.json, holding one image) or an
// OCI layout archived as a tar.
func (s *Store) LoadTarball(ctx context.Context, file string) (*Image, error) {
	kind, err := tarballKind(file)
	if err != nil {
		return nil, err
	}
	if kind == "oci" {
		return s.loadOCIArchive(ctx, file)
	}
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w; want a docker save archive of one image or an OCI layout archive", ErrInvalid, file, err)
	}
	configDigest, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: config: %w", ErrInvalid, file, err)
	}
	if err := checkDigest(configDigest); err != nil {
		return nil, fmt.Errorf("load %s: config: %w", file, err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: config: %w", ErrInvalid, file, err)
	}
	if len(config) > maxMetadataSize {
		return nil, fmt.Errorf("%w: load %s: config of %d bytes, over the bound of %d", ErrTooLarge, file, len(config), maxMetadataSize)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: config: %w", ErrInvalid, file, err)
	}
	// A docker tarball has no manifest to check layers against, so they are
	// stored uncompressed under their diff_ids, each checked on arrival.
	p := &plan{ref: file, id: configDigest, configDigest: configDigest,
		config: func() ([]byte, error) { return config, nil }}
	for _, d := range cf.RootFS.DiffIDs {
		d := d
		p.layers = append(p.layers, layerSource{digest: d, size: -1, open: func() (io.ReadCloser, error) {
			l, err := img.LayerByDiffID(d)
			if err != nil {
				return nil, fmt.Errorf("%w: load %s: %w", ErrInvalid, file, err)
			}
			return l.Uncompressed()
		}})
	}
	return s.realize(ctx, p)
}

// tarballKind tells a docker save archive ("docker") from an OCI layout
// archive ("oci").
func tarballKind(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", file, err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var oci bool
	for n := 0; n < maxArchiveEntries; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: load %s: not a tar archive: %w", ErrInvalid, file, err)
		}
		switch path.Clean(hdr.Name) {
		case "manifest.json":
			return "docker", nil
		case "oci-layout":
			oci = true
		}
	}
	if oci {
		return "oci", nil
	}
	return "", fmt.Errorf("%w: load %s: neither manifest.json nor oci-layout in the archive; want a docker save archive or an OCI layout archive", ErrInvalid, file)
}

// loadOCIArchive unpacks an OCI layout archive into the store's tmp/ (only
// oci-layout, index.json and blobs/sha256/<digest> entries, nothing else)
// and loads it from there.
func (s *Store) loadOCIArchive(ctx context.Context, file string) (*Image, error) {
	dir, err := os.MkdirTemp(s.tmpDir, "layout-")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o700); err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	budget := s.cfg.MaxCompressedSize + 2*maxMetadataSize
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: load %s: %w", ErrInvalid, file, err)
		}
		if n >= maxArchiveEntries {
			return nil, fmt.Errorf("%w: load %s: more than %d entries", ErrTooLarge, file, maxArchiveEntries)
		}
		name := path.Clean(hdr.Name)
		ok := name == "oci-layout" || name == "index.json"
		if rest, found := strings.CutPrefix(name, "blobs/sha256/"); found {
			ok = checkDigest(v1.Hash{Algorithm: "sha256", Hex: rest}) == nil
		}
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue // directories and anything else are not needed
		}
		if hdr.Size > budget {
			return nil, fmt.Errorf("%w: load %s: over the image's bound of %d bytes", ErrTooLarge, file, s.cfg.MaxCompressedSize)
		}
		budget -= hdr.Size
		out, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("load %s: entry %q: %w", file, hdr.Name, err)
		}
		_, err = io.CopyN(out, ctxReader{ctx, tr}, hdr.Size)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: entry %q: %w", file, hdr.Name, err)
		}
	}
	img, err := s.LoadLayout(ctx, dir, "")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return img, nil
}
