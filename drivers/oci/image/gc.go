package image

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// GC removes the images no task has held for GCDelay, then the blobs no
// remaining image refers to, and returns the IDs of the images removed.
// Blobs are left alone while a pull is in progress.
func (s *Store) GC() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	var removed []string
	for id, e := range s.images {
		if e.refs > 0 || now.Sub(e.lastUsed) < s.cfg.GCDelay {
			continue
		}
		h, err := v1.NewHash(id)
		if err != nil {
			return removed, fmt.Errorf("gc image %s: %w", id, err)
		}
		// Out of images/ in one rename, so a crash never leaves part of it.
		doomed := filepath.Join(s.tmpDir, "gc-"+h.Hex)
		if err := os.Rename(filepath.Join(s.imagesDir, h.Hex), doomed); err != nil {
			return removed, fmt.Errorf("gc image %s: %w", id, err)
		}
		delete(s.images, id)
		removed = append(removed, id)
		if err := os.RemoveAll(doomed); err != nil {
			return removed, fmt.Errorf("gc image %s: %w", id, err)
		}
		s.logger.Info("image removed", "image", e.img.Ref, "id", id, "unused_since", e.lastUsed)
	}
	sort.Strings(removed)
	if len(s.inflight) > 0 {
		return removed, nil
	}
	live := map[string]bool{}
	for _, e := range s.images {
		for _, b := range e.img.Blobs {
			if h, err := v1.NewHash(b); err == nil {
				live[h.Hex] = true
			}
		}
	}
	ents, err := os.ReadDir(s.blobs.dir)
	if err != nil {
		return removed, fmt.Errorf("gc blobs: %w", err)
	}
	for _, b := range ents {
		if live[b.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(s.blobs.dir, b.Name())); err != nil {
			return removed, fmt.Errorf("gc blob %s: %w", b.Name(), err)
		}
	}
	return removed, nil
}
