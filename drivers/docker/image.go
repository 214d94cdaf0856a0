package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// imageCache counts the tasks that use each image, for image GC, and
// coalesces pulls of one reference that many tasks ask for at once.
type imageCache struct {
	now func() time.Time

	mu      sync.Mutex           // guards the fields below
	refs    map[string]int       // image ID -> tasks using it
	unused  map[string]time.Time // image ID -> when its last user released it
	pulling map[string]*pull     // reference -> the pull in flight
}

// pull is one pull in flight; done is closed when err is set.
type pull struct {
	done    chan struct{}
	err     error
	waiters int // callers waiting on it besides the one pulling (under mu)
}

func newImageCache(now func() time.Time) *imageCache {
	return &imageCache{now: now, refs: map[string]int{}, unused: map[string]time.Time{}, pulling: map[string]*pull{}}
}

// acquire counts one more task using id.
func (c *imageCache) acquire(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs[id]++
	delete(c.unused, id)
}

// release counts one task fewer using id; an image no task uses becomes a
// candidate for GC from now on.
func (c *imageCache) release(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs[id] <= 1 {
		delete(c.refs, id)
		c.unused[id] = c.now()
		return
	}
	c.refs[id]--
}

// expired returns the images no task has used for delay, and forgets them.
func (c *imageCache) expired(delay time.Duration) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var out []string
	for id, since := range c.unused {
		if now.Sub(since) >= delay {
			out = append(out, id)
			delete(c.unused, id)
		}
	}
	return out
}

// coalesce runs fn for ref, or waits for the run already in flight.
func (c *imageCache) coalesce(ctx context.Context, ref string, fn func() error) error {
	c.mu.Lock()
	p, ok := c.pulling[ref]
	if !ok {
		p = &pull{done: make(chan struct{})}
		c.pulling[ref] = p
	} else {
		p.waiters++
	}
	c.mu.Unlock()
	if !ok {
		p.err = fn()
		c.mu.Lock()
		delete(c.pulling, ref)
		c.mu.Unlock()
		close(p.done)
		return p.err
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// removeUnusedImages removes the images no task has used for delay. An
// image a container still uses (of another tool, say) is refused by the
// engine, which is logged and left alone.
func (d *Driver) removeUnusedImages(ctx context.Context, c *client.Client, delay time.Duration) {
	for _, id := range d.images.expired(delay) {
		if _, err := c.ImageRemove(ctx, id, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			d.logger.Debug("unused image kept", "image_id", id, "error", err)
			continue
		}
		d.logger.Info("unused image removed", "image_id", id)
	}
}

// maxLoadSize bounds an image tarball given by load.
const maxLoadSize = 16 << 30

// ensureImage makes the task's image present in the engine and returns its
// ID: loaded from the task dir's tarball when load is set, else pulled
// when missing or force_pull is set.
func (d *Driver) ensureImage(ctx context.Context, c *client.Client, cfg *plugin.TaskConfig, conf *taskConfig) (string, error) {
	if conf.Load != "" {
		if err := d.loadImage(ctx, c, cfg, conf.Load); err != nil {
			return "", err
		}
	} else if !conf.ForcePull {
		if id, err := imageID(ctx, c, conf.Image); err == nil {
			return id, nil
		} else if !cerrdefs.IsNotFound(err) {
			return "", plugin.NewRecoverableError(fmt.Errorf("inspect image %q: %w", conf.Image, err))
		}
	}
	if conf.Load == "" {
		timeout := conf.pullTimeout
		if timeout == 0 {
			timeout = defaultPullTimeout
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := d.images.coalesce(pctx, conf.Image, func() error { return d.pullImage(pctx, c, cfg, conf) })
		if err != nil {
			return "", plugin.NewRecoverableError(fmt.Errorf("pull image %q: %w", conf.Image, err))
		}
	}
	id, err := imageID(ctx, c, conf.Image)
	if err != nil {
		if conf.Load != "" {
			return "", fmt.Errorf("docker task config: load %q: the tarball does not hold image %q: %w", conf.Load, conf.Image, err)
		}
		return "", plugin.NewRecoverableError(fmt.Errorf("inspect image %q after the pull: %w", conf.Image, err))
	}
	return id, nil
}

func imageID(ctx context.Context, c *client.Client, ref string) (string, error) {
	res, err := c.ImageInspect(ctx, ref)
	if err != nil {
		return "", err
	}
	return res.ID, nil
}

// pullImage pulls with the task's auth block, reporting progress as task
// events (one per layer state change at most) and failing with the
// engine's own message.
func (d *Driver) pullImage(ctx context.Context, c *client.Client, cfg *plugin.TaskConfig, conf *taskConfig) error {
	auth, warning, err := registryAuth(conf, d.cfg.Keychain)
	if err != nil {
		return err
	}
	if warning != "" {
		d.emit(cfg, warning, map[string]string{"image": conf.Image})
	}
	opts := client.ImagePullOptions{RegistryAuth: auth}
	d.emit(cfg, fmt.Sprintf("Downloading image %s", conf.Image), map[string]string{"image": conf.Image})
	// A pull that reports nothing for pull_activity_timeout is given up:
	// a registry can stall a layer without closing the connection.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := d.pullActivityTimeout()
	stall := time.AfterFunc(idle, func() {
		cancel(fmt.Errorf("no progress for %s (the plugin's pull_activity_timeout)", idle))
	})
	defer stall.Stop()
	resp, err := c.ImagePull(ctx, conf.Image, opts)
	if err != nil {
		return pullErr(ctx, err)
	}
	last := map[string]string{}
	for m, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return pullErr(ctx, err)
		}
		stall.Reset(idle)
		if m.Error != nil {
			return fmt.Errorf("%s", m.Error.Message)
		}
		if m.ID != "" && m.Status != "" && last[m.ID] != m.Status && !strings.HasPrefix(m.Status, "Downloading") && !strings.HasPrefix(m.Status, "Extracting") {
			last[m.ID] = m.Status
			d.emit(cfg, fmt.Sprintf("Image %s: layer %s: %s", conf.Image, m.ID, m.Status),
				map[string]string{"image": conf.Image, "layer": m.ID})
		}
	}
	d.emit(cfg, fmt.Sprintf("Image %s pulled", conf.Image), map[string]string{"image": conf.Image})
	return nil
}

// loadImage loads an image tarball from the task dir (put there by an
// artifact block) with the engine's load.
func (d *Driver) loadImage(ctx context.Context, c *client.Client, cfg *plugin.TaskConfig, p string) error {
	if filepath.IsAbs(p) || cfg.TaskDir.Dir == "" {
		return fmt.Errorf("docker task config: load %q: want a path relative to the task directory such as \"local/image.tar\"", p)
	}
	full := filepath.Join(cfg.TaskDir.Dir, p)
	if rel, err := filepath.Rel(cfg.TaskDir.Dir, full); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("docker task config: load %q: the path leaves the task directory", p)
	}
	f, err := os.Open(full)
	if err != nil {
		return fmt.Errorf("docker task config: load %q: %w", p, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxLoadSize {
		return fmt.Errorf("docker task config: load %q: want a regular image tarball of at most %d GiB", p, maxLoadSize>>30)
	}
	res, err := c.ImageLoad(ctx, f, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("docker task config: load %q: the engine refused the tarball: %w", p, err)
	}
	defer res.Close()
	dec := json.NewDecoder(res)
	for {
		var m struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Error != "" {
			return fmt.Errorf("docker task config: load %q: the engine refused the tarball: %s", p, m.Error)
		}
	}
	d.emit(cfg, fmt.Sprintf("Image loaded from %s", p), map[string]string{"image": cfg.Name})
	return nil
}

// pullErr is err, or why the pull was cancelled when it was.
func pullErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled && ctx.Err() != nil {
		return cause
	}
	return err
}
