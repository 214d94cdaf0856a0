package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/klauspost/compress/zstd"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// unpacker applies the layers of one image, in order, to root.
type unpacker struct {
	root       string
	logger     hclog.Logger
	maxEntries int
	budget     int64 // bytes of file content left within MaxUncompressedSize
	asRoot     bool  // keep owners; otherwise keep directories writable to us
	unpacked   int64 // bytes of file content written

	layer   string              // digest of the layer being applied, for errors
	written map[string]struct{} // paths the current layer made, for opaque whiteouts
}

// decompress returns the tar stream of a stored layer blob, whatever its
// compression: gzip, zstd or none, told by the blob's first bytes.
func decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		return zr, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	default:
		return io.NopCloser(br), nil
	}
}

func (u *unpacker) unsafe(entry, format string, args ...any) error {
	return fmt.Errorf("%w: layer %s: entry %q %s", ErrUnsafeLayer, u.layer, entry, fmt.Sprintf(format, args...))
}

// cleanName turns a tar entry name into a slash path relative to the root,
// refusing names that are absolute or climb with "..". "" is the root.
func (u *unpacker) cleanName(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", u.unsafe(name, "is absolute; layer entries must be relative to the image root")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", u.unsafe(name, "climbs out with \"..\"; layer entries must stay inside the image root")
		}
	}
	if strings.ContainsRune(name, 0) {
		return "", u.unsafe(name, "holds a NUL byte")
	}
	rel := path.Clean(name)
	if rel == "." {
		rel = ""
	}
	return rel, nil
}

func (u *unpacker) host(rel string) string {
	return filepath.Join(u.root, filepath.FromSlash(rel))
}

// parents makes sure every directory above rel exists and is a real
// directory, never a symlink, creating missing ones.
func (u *unpacker) parents(entry, rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	cur := ""
	for _, part := range strings.Split(dir, "/") {
		cur = path.Join(cur, part)
		p := u.host(cur)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("layer %s: entry %q: %w", u.layer, entry, err)
			}
			u.written[cur] = struct{}{}
		case err != nil:
			return fmt.Errorf("layer %s: entry %q: %w", u.layer, entry, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return u.unsafe(entry, "passes through the symlink %q; entries must not be written through symlinks", cur)
		case !fi.IsDir():
			return u.unsafe(entry, "has the non-directory %q as a parent", cur)
		}
	}
	return nil
}

// apply applies one layer's tar stream.
func (u *unpacker) apply(layer string, r io.Reader) error {
	u.layer = layer
	u.written = map[string]struct{}{}
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: layer %s: read tar after %d entries: %w", ErrInvalid, layer, n, err)
		}
		if n >= u.maxEntries {
			return fmt.Errorf("%w: layer %s has more than %d entries", ErrTooLarge, layer, u.maxEntries)
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
	}
}

func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := u.cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if rel == "" {
		return nil // the root itself
	}
	if err := u.parents(hdr.Name, rel); err != nil {
		return err
	}
	dir, base := path.Split(rel)
	if base == whiteoutOpaque {
		return u.opaque(hdr.Name, path.Clean(dir))
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		hidden := strings.TrimPrefix(base, whiteoutPrefix)
		if hidden == "" || hidden == "." || hidden == ".." {
			return u.unsafe(hdr.Name, "is a whiteout of nothing")
		}
		if err := os.RemoveAll(u.host(path.Join(dir, hidden))); err != nil {
			return fmt.Errorf("layer %s: whiteout %q: %w", u.layer, hdr.Name, err)
		}
		return nil
	}

	p := u.host(rel)
	existing, err := os.Lstat(p)
	if err == nil && !(existing.IsDir() && hdr.Typeflag == tar.TypeDir) {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("layer %s: replace %q: %w", u.layer, hdr.Name, err)
		}
	}
	mode := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeDir:
		if existing == nil || !existing.IsDir() {
			if err := os.Mkdir(p, 0o700); err != nil {
				return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
			}
		}
		if !u.asRoot {
			mode |= 0o700
		}
	case tar.TypeReg, tar.TypeRegA:
		if hdr.Size > u.budget {
			return fmt.Errorf("%w: layer %s: entry %q (%d bytes) takes the image over its unpacked bound", ErrTooLarge, u.layer, hdr.Name, hdr.Size)
		}
		if err := u.file(p, hdr, r); err != nil {
			return err
		}
		u.budget -= hdr.Size
		u.unpacked += hdr.Size
	case tar.TypeSymlink:
		if !path.IsAbs(hdr.Linkname) {
			if t := path.Join(path.Dir(rel), hdr.Linkname); t == ".." || strings.HasPrefix(t, "../") {
				return u.unsafe(hdr.Name, "is a symlink to %q, which points outside the image root", hdr.Linkname)
			}
		}
		if err := os.Symlink(hdr.Linkname, p); err != nil {
			return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
		}
	case tar.TypeLink:
		target, err := u.cleanName(hdr.Linkname)
		if err != nil || target == "" {
			return u.unsafe(hdr.Name, "is a hard link to %q, which is outside the image root", hdr.Linkname)
		}
		if err := u.parents(hdr.Name+" -> "+hdr.Linkname, target); err != nil {
			return err
		}
		fi, err := os.Lstat(u.host(target))
		if err != nil {
			return u.unsafe(hdr.Name, "is a hard link to %q, which the image does not hold", hdr.Linkname)
		}
		if fi.IsDir() {
			return u.unsafe(hdr.Name, "is a hard link to the directory %q", hdr.Linkname)
		}
		// link(2) does not follow a symlink it is given, so this links
		// the entry itself, never what a symlink points at.
		if err := os.Link(u.host(target), p); err != nil {
			return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
		}
		u.written[rel] = struct{}{}
		return nil // a hard link shares the target's owner and mode
	case tar.TypeFifo:
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
		}
	case tar.TypeChar, tar.TypeBlock:
		u.logger.Debug("skipped device node in layer", "layer", u.layer, "entry", hdr.Name)
		return nil
	default:
		u.logger.Debug("skipped tar entry of unknown type", "layer", u.layer, "entry", hdr.Name, "type", string(hdr.Typeflag))
		return nil
	}
	u.written[rel] = struct{}{}
	if u.asRoot {
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("layer %s: entry %q: chown: %w", u.layer, hdr.Name, err)
		}
	}
	if hdr.Typeflag == tar.TypeSymlink {
		return nil
	}
	// After chown, which clears setuid and setgid bits.
	if err := syscall.Chmod(p, mode); err != nil {
		return fmt.Errorf("layer %s: entry %q: chmod: %w", u.layer, hdr.Name, err)
	}
	if hdr.Typeflag != tar.TypeDir {
		if err := os.Chtimes(p, hdr.ModTime, hdr.ModTime); err != nil {
			return fmt.Errorf("layer %s: entry %q: times: %w", u.layer, hdr.Name, err)
		}
	}
	return nil
}

func (u *unpacker) file(p string, hdr *tar.Header, r io.Reader) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
	}
	_, err = io.CopyN(f, r, hdr.Size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("layer %s: entry %q: %w", u.layer, hdr.Name, err)
	}
	return nil
}

// opaque hides what lower layers put in dir: everything under it that the
// current layer has not written goes.
func (u *unpacker) opaque(entry, dir string) error {
	if dir == "." {
		dir = ""
	}
	var walk func(rel string) error
	walk = func(rel string) error {
		ents, err := os.ReadDir(u.host(rel))
		if err != nil {
			return fmt.Errorf("layer %s: opaque whiteout %q: %w", u.layer, entry, err)
		}
		for _, e := range ents {
			child := path.Join(rel, e.Name())
			if _, mine := u.written[child]; !mine {
				if err := os.RemoveAll(u.host(child)); err != nil {
					return fmt.Errorf("layer %s: opaque whiteout %q: %w", u.layer, entry, err)
				}
				continue
			}
			if e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
				if err := walk(child); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(dir)
}
