package artifact

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// detectArchive tells the archive kind from a file name.
func detectArchive(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return archiveTarGz
	case strings.HasSuffix(lower, ".tar"):
		return archiveTar
	case strings.HasSuffix(lower, ".zip"):
		return archiveZip
	}
	return archiveNone
}

// unpack unpacks the archive in f into dest (a confined, resolved
// directory inside w.root, created if missing).
func unpack(ctx context.Context, kind string, f *os.File, dest string, w *writer) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("create destination: %w", err)
	}
	var err error
	switch kind {
	case archiveTar, archiveTarGz:
		err = untar(ctx, f, kind == archiveTarGz, dest, w)
	case archiveZip:
		err = unzip(ctx, f, dest, w)
	default:
		err = fmt.Errorf("%w: archive kind %q", ErrInvalid, kind)
	}
	if err != nil {
		return fmt.Errorf("unpack %s: %w", kind, err)
	}
	return nil
}
