package network

import "errors"

var (
	// ErrInvalidID means a container id cannot name a network: ids are 1 to
	// 128 letters, digits, '_', '.' or '-', starting with a letter or digit.
	ErrInvalidID = errors.New("invalid network id")

	// ErrInvalidPort means a port mapping is out of range, has an unknown
	// protocol or host IP, or repeats another mapping's host port.
	ErrInvalidPort = errors.New("invalid port mapping")

	// ErrInvalidConfig means a field of Config is malformed.
	ErrInvalidConfig = errors.New("invalid network config")

	// ErrExists means Setup was called for an id that already has a
	// network; Teardown it first.
	ErrExists = errors.New("network already set up")

	// ErrNotFound means no network is recorded for an id.
	ErrNotFound = errors.New("network not found")

	// ErrUnavailable means bridge networking cannot work on this host:
	// plugins or tools are missing or the process lacks privileges.
	ErrUnavailable = errors.New("bridge networking unavailable")

	// ErrCNI means a CNI plugin failed; the error carries its message.
	ErrCNI = errors.New("cni plugin failed")
)
