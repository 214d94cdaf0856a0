package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/hashicorp/go-hclog"
)

// Store is the client's image store. Its methods are safe for concurrent
// use.
type Store struct {
	cfg       Config
	logger    hclog.Logger
	blobs     *blobs
	imagesDir string
	tmpDir    string
	asRoot    bool

	mu       sync.Mutex        // guards the fields below
	images   map[string]*entry // by Image.ID
	inflight map[string]*call  // pulls and loads in progress, by Image.ID
}

// entry is an image the store holds, with who holds it.
type entry struct {
	img      *Image
	refs     int
	lastUsed time.Time // when refs last dropped to 0, or the image was last pulled
}

// call is a pull or load in progress that others can wait for.
type call struct {
	done chan struct{}
	img  *Image
	err  error
}

// Open opens the store in cfg.Dir, creating it if needed. It removes what
// an earlier process left half-done and counts every image it finds as
// used now, so that tasks a restarted driver recovers have GCDelay to
// Acquire them again.
func Open(cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if cfg.Dir == "" {
		return nil, fmt.Errorf("open image store: no directory given")
	}
	s := &Store{
		cfg:       cfg,
		logger:    cfg.Logger.Named("image"),
		imagesDir: filepath.Join(cfg.Dir, "images"),
		tmpDir:    filepath.Join(cfg.Dir, "tmp"),
		asRoot:    os.Geteuid() == 0,
		images:    map[string]*entry{},
		inflight:  map[string]*call{},
	}
	s.blobs = &blobs{dir: filepath.Join(cfg.Dir, "blobs", "sha256"), tmp: s.tmpDir}
	if err := os.RemoveAll(s.tmpDir); err != nil {
		return nil, fmt.Errorf("open image store %s: clear tmp: %w", cfg.Dir, err)
	}
	for _, d := range []string{s.blobs.dir, s.imagesDir, s.tmpDir} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, fmt.Errorf("open image store %s: %w", cfg.Dir, err)
		}
	}
	ents, err := os.ReadDir(s.imagesDir)
	if err != nil {
		return nil, fmt.Errorf("open image store %s: %w", cfg.Dir, err)
	}
	now := cfg.Now()
	for _, e := range ents {
		img, err := s.readRecord(e.Name())
		if err != nil {
			s.logger.Warn("removing unreadable image", "dir", e.Name(), "error", err)
			if err := os.RemoveAll(filepath.Join(s.imagesDir, e.Name())); err != nil {
				return nil, fmt.Errorf("open image store %s: %w", cfg.Dir, err)
			}
			continue
		}
		s.images[img.ID] = &entry{img: img, lastUsed: now}
	}
	return s, nil
}

func (s *Store) readRecord(name string) (*Image, error) {
	dir := filepath.Join(s.imagesDir, name)
	data, err := os.ReadFile(filepath.Join(dir, "image.json"))
	if err != nil {
		return nil, err
	}
	var img Image
	if err := json.Unmarshal(data, &img); err != nil {
		return nil, err
	}
	h, err := v1.NewHash(img.ID)
	if err != nil || h.Hex != name {
		return nil, fmt.Errorf("record names image %q, not %q", img.ID, name)
	}
	img.RootFS = filepath.Join(dir, "rootfs")
	if fi, err := os.Stat(img.RootFS); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("no rootfs")
	}
	return &img, nil
}

// Get returns the image ID if the store holds it, or ErrNotFound.
func (s *Store) Get(id string) (*Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.images[id]
	if !ok {
		return nil, fmt.Errorf("image %s: %w in the store", id, ErrNotFound)
	}
	c := *e.img
	return &c, nil
}

// Acquire marks the image ID used by one more task, so GC keeps it.
func (s *Store) Acquire(id string) (*Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.images[id]
	if !ok {
		return nil, fmt.Errorf("acquire image %s: %w in the store; pull it again", id, ErrNotFound)
	}
	e.refs++
	c := *e.img
	return &c, nil
}

// Release undoes one Acquire. GCDelay runs from the last Release.
func (s *Store) Release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.images[id]
	if !ok || e.refs == 0 {
		s.logger.Warn("release of an image not acquired", "image", id)
		return
	}
	e.refs--
	if e.refs == 0 {
		e.lastUsed = s.cfg.Now()
	}
}

// realize makes the image p describes present in the store, once however
// many callers ask for it at the same time.
func (s *Store) realize(ctx context.Context, p *plan) (*Image, error) {
	id := p.id.String()
	s.mu.Lock()
	if e, ok := s.images[id]; ok {
		if e.refs == 0 {
			e.lastUsed = s.cfg.Now()
		}
		c := *e.img
		s.mu.Unlock()
		return &c, nil
	}
	if c, ok := s.inflight[id]; ok {
		s.mu.Unlock()
		select {
		case <-c.done:
			if c.err != nil {
				return nil, c.err
			}
			img := *c.img
			return &img, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the pull of %s: %w", p.ref, ctx.Err())
		}
	}
	c := &call{done: make(chan struct{})}
	s.inflight[id] = c
	s.mu.Unlock()

	img, err := s.build(ctx, p)

	s.mu.Lock()
	delete(s.inflight, id)
	if err == nil {
		s.images[id] = &entry{img: img, lastUsed: s.cfg.Now()}
	}
	s.mu.Unlock()
	c.img, c.err = img, err
	close(c.done)
	if err != nil {
		return nil, err
	}
	cp := *img
	return &cp, nil
}
