package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// blobs is the content-addressed part of the store. Every blob is written
// to a temporary file, hashed on the way, and renamed into place only when
// its digest is the one that named it.
type blobs struct {
	dir string // blobs/sha256
	tmp string // the store's tmp/
}

// checkDigest accepts only sha256 digests with 64 lowercase hex digits, so
// that a digest from an untrusted manifest is always a safe file name.
func checkDigest(h v1.Hash) error {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 || strings.Trim(h.Hex, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: digest %q: want sha256:<64 lowercase hex digits>", ErrInvalid, h.String())
	}
	return nil
}

func (b *blobs) path(h v1.Hash) string { return filepath.Join(b.dir, h.Hex) }

func (b *blobs) has(h v1.Hash) bool {
	fi, err := os.Stat(b.path(h))
	return err == nil && fi.Mode().IsRegular()
}

func (b *blobs) open(h v1.Hash) (*os.File, error) {
	if err := checkDigest(h); err != nil {
		return nil, err
	}
	return os.Open(b.path(h))
}

// put stores what r yields as the blob h. size is the size the manifest
// declares (-1 if none); limit bounds what is read either way. It returns
// the number of bytes stored.
func (b *blobs) put(ctx context.Context, h v1.Hash, size, limit int64, r io.Reader) (int64, error) {
	if err := checkDigest(h); err != nil {
		return 0, err
	}
	if size >= 0 && size > limit {
		return 0, fmt.Errorf("%w: blob %s is %d bytes, over the %d bytes left of the image's bound", ErrTooLarge, h, size, limit)
	}
	f, err := os.CreateTemp(b.tmp, "blob-")
	if err != nil {
		return 0, fmt.Errorf("store blob %s: %w", h, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	hash := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, hash), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return n, fmt.Errorf("fetch blob %s: %w", h, err)
	}
	if n > limit {
		return n, fmt.Errorf("%w: blob %s is over the %d bytes left of the image's bound", ErrTooLarge, h, limit)
	}
	if size >= 0 && n != size {
		return n, fmt.Errorf("%w: blob %s is %d bytes, its descriptor says %d", ErrDigestMismatch, h, n, size)
	}
	if got := hex.EncodeToString(hash.Sum(nil)); got != h.Hex {
		return n, fmt.Errorf("%w: blob %s arrived with digest sha256:%s", ErrDigestMismatch, h, got)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("store blob %s: %w", h, err)
	}
	if err := os.Rename(f.Name(), b.path(h)); err != nil {
		return n, fmt.Errorf("store blob %s: %w", h, err)
	}
	return n, nil
}

// putBytes stores a blob already in memory.
func (b *blobs) putBytes(ctx context.Context, h v1.Hash, data []byte) error {
	if b.has(h) {
		return nil
	}
	_, err := b.put(ctx, h, int64(len(data)), int64(len(data)), bytes.NewReader(data))
	return err
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
