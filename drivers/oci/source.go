package oci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/drivers/oci/image"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// Where a task's image comes from, by the prefix of its image option:
//
//	oci-layout:PATH[#REF]  an OCI layout directory in the task directory
//	                       (e.g. fetched by an artifact block); REF picks
//	                       one of its images by tag, name or digest
//	tarball:PATH           a `docker save` or OCI archive tar in the task
//	                       directory
//	anything else          a registry reference, by tag or digest
const (
	prefixLayout  = "oci-layout:"
	prefixTarball = "tarball:"
)

// getImage makes the task's image present in the store and acquires it.
// Registry failures are recoverable (the restart policy retries them);
// a bad path or a malformed image is not.
func (d *Driver) getImage(ctx context.Context, store *image.Store, taskDir string, c *taskConfig) (*image.Image, error) {
	var (
		img *image.Image
		err error
	)
	switch {
	case strings.HasPrefix(c.Image, prefixLayout):
		spec := strings.TrimPrefix(c.Image, prefixLayout)
		p, ref, _ := strings.Cut(spec, "#")
		dir, perr := inTaskDir(taskDir, p, "image")
		if perr != nil {
			return nil, perr
		}
		img, err = store.LoadLayout(ctx, dir, ref)
	case strings.HasPrefix(c.Image, prefixTarball):
		file, perr := inTaskDir(taskDir, strings.TrimPrefix(c.Image, prefixTarball), "image")
		if perr != nil {
			return nil, perr
		}
		img, err = store.LoadTarball(ctx, file)
	default:
		var auth *image.Auth
		if c.Auth != nil {
			auth = &image.Auth{Username: c.Auth.Username, Password: c.Auth.Password}
		}
		pctx, cancel := context.WithTimeout(ctx, c.pullTimeout)
		img, err = store.Pull(pctx, c.Image, auth)
		timedOut := ctx.Err() == nil && errors.Is(pctx.Err(), context.DeadlineExceeded)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, image.ErrStalled):
			return nil, plugin.NewRecoverableError(fmt.Errorf("pull image: %w; the plugin's pull_activity_timeout bounds such a wait", err))
		case timedOut:
			return nil, plugin.NewRecoverableError(fmt.Errorf("pull image: %s did not finish within %s, the task's image_pull_timeout; raise it for a large image or a slow registry: %w", c.Image, c.pullTimeout, err))
		case retryable(err):
			return nil, plugin.NewRecoverableError(fmt.Errorf("pull image: %w", err))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", c.Image, err)
	}
	held, err := store.Acquire(img.ID)
	if err != nil {
		// GC removed it between the pull and now: a retry pulls it again.
		return nil, plugin.NewRecoverableError(err)
	}
	return held, nil
}

// retryable says a pull failure may go away: the registry was unreachable,
// refused the credentials (they may be rotated), or does not have the
// image (yet). A malformed or oversized image stays what it is.
func retryable(err error) bool {
	for _, e := range []error{image.ErrNotFound, image.ErrUnauthorized, image.ErrUnreachable, image.ErrDigestMismatch, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// inTaskDir resolves p, a path relative to the task directory, and
// refuses one that leads outside it, through ".." or a symlink. field
// names the option for errors.
func inTaskDir(taskDir, p, field string) (string, error) {
	if taskDir == "" {
		return "", fmt.Errorf("%s %q: the task has no task directory", field, p)
	}
	if p == "" || filepath.IsAbs(p) {
		return "", fmt.Errorf("%s %q: want a path relative to the task directory, such as \"local/rootfs\"", field, p)
	}
	base, err := filepath.EvalSymlinks(taskDir)
	if err != nil {
		return "", fmt.Errorf("%s %q: task directory: %w", field, p, err)
	}
	full, err := filepath.EvalSymlinks(filepath.Join(base, filepath.Clean(p)))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s %q: no such file in the task directory", field, p)
		}
		return "", fmt.Errorf("%s %q: %w", field, p, err)
	}
	if rel, err := filepath.Rel(base, full); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s %q leads outside the task directory; want a path inside it, such as \"local/rootfs\"", field, p)
	}
	return full, nil
}
