package image

import "errors"

var (
	// ErrNotFound means the registry, layout or store has no such image.
	ErrNotFound = errors.New("image not found")

	// ErrUnauthorized means the registry refused the credentials, or asked
	// for credentials that were not given.
	ErrUnauthorized = errors.New("registry refused the credentials")

	// ErrUnreachable means the registry could not be reached in time.
	ErrUnreachable = errors.New("registry unreachable")

	// ErrStalled means a registry sent nothing for Config.ActivityTimeout
	// while a pull waited on it.
	ErrStalled = errors.New("registry stalled")

	// ErrNoPlatform means a multi-arch index has no image for the client's
	// platform.
	ErrNoPlatform = errors.New("no image for this platform")

	// ErrUnsafeLayer means a layer holds an entry that would write outside
	// the image's root.
	ErrUnsafeLayer = errors.New("unsafe layer")

	// ErrTooLarge means an image exceeds a bound of Config.
	ErrTooLarge = errors.New("image too large")

	// ErrDigestMismatch means content did not match the digest that named it.
	ErrDigestMismatch = errors.New("digest mismatch")

	// ErrInvalid means an image reference, manifest or config is malformed.
	ErrInvalid = errors.New("invalid image")

	// ErrInUse means an image is held by a task.
	ErrInUse = errors.New("image in use")
)
