package artifact

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// untar unpacks a tar (gzipped when gz) into dest.
func untar(ctx context.Context, r io.Reader, gz bool, dest string, w *writer) error {
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.entry(); err != nil {
			return err
		}
		if err := untarEntry(tr, h, dest, w); err != nil {
			return err
		}
	}
}

func untarEntry(tr *tar.Reader, h *tar.Header, dest string, w *writer) error {
	name := h.Name
	switch h.Typeflag {
	case tar.TypeDir:
		return w.mkdir(dest, name, fs.FileMode(h.Mode))
	case tar.TypeReg, tar.TypeRegA:
		return w.file(dest, name, tr, fs.FileMode(h.Mode))
	case tar.TypeSymlink:
		return w.symlink(dest, name, h.Linkname)
	case tar.TypeLink:
		return w.hardlink(dest, name, h.Linkname)
	case tar.TypeXGlobalHeader:
		return nil
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return fmt.Errorf("%w: %q is a device or FIFO", ErrUnsafeEntry, name)
	default:
		return fmt.Errorf("%w: %q has unsupported tar type %q", ErrUnsafeEntry, name, h.Typeflag)
	}
}
