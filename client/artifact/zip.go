package artifact

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
)

// unzip unpacks the zip file f into dest.
func unzip(ctx context.Context, f *os.File, dest string, w *writer) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return err
	}
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.entry(); err != nil {
			return err
		}
		if err := unzipEntry(zf, dest, w); err != nil {
			return err
		}
	}
	return nil
}

func unzipEntry(zf *zip.File, dest string, w *writer) error {
	mode := zf.Mode()
	switch {
	case mode.IsDir():
		return w.mkdir(dest, zf.Name, mode)
	case mode&os.ModeSymlink != 0:
		target, err := readZip(zf, maxSymlinkTarget)
		if err != nil {
			return err
		}
		return w.symlink(dest, zf.Name, string(target))
	case mode.IsRegular():
		if zf.UncompressedSize64 > uint64(w.remaining) {
			return fmt.Errorf("%w: unpacked files exceed the limit (at %q)", ErrTooLarge, zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("open %q: %w", zf.Name, err)
		}
		defer rc.Close()
		return w.file(dest, zf.Name, rc, mode)
	default:
		return fmt.Errorf("%w: %q is a device, FIFO or socket", ErrUnsafeEntry, zf.Name)
	}
}

// readZip reads a small entry whole.
func readZip(zf *zip.File, max int64) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", zf.Name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: symlink %q target longer than %d bytes", ErrInvalid, zf.Name, max)
	}
	return b, nil
}
