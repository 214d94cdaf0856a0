package image

import (
	"net/http"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/go-hclog"
)

// Defaults for the bounds of Config.
const (
	DefaultMaxCompressedSize   int64 = 10 << 30
	DefaultMaxUncompressedSize int64 = 10 << 30
	DefaultMaxLayers                 = 128
	DefaultMaxLayerEntries           = 1 << 20
	DefaultGCDelay                   = time.Hour

	// maxMetadataSize bounds a manifest, index or config blob.
	maxMetadataSize = 4 << 20
)

// Config configures a Store.
type Config struct {
	// Dir holds the store; it is created if missing.
	Dir string

	Logger hclog.Logger

	// Now is the clock GC decides by; time.Now if nil.
	Now func() time.Time

	// InsecureRegistries lists registries ("host" or "host:port") reached
	// over plain HTTP. Loopback registries (127.0.0.0/8, ::1, localhost)
	// always are; every other registry is reached over HTTPS.
	InsecureRegistries []string

	// Keychain finds credentials when a pull carries no Auth;
	// authn.DefaultKeychain (DOCKER_CONFIG or ~/.docker/config.json, with
	// its credential helpers) if nil.
	Keychain authn.Keychain

	// Transport carries registry requests; remote.DefaultTransport if nil.
	Transport http.RoundTripper

	// Platform picks an image from a multi-arch index; the client's own
	// (runtime.GOOS, runtime.GOARCH) if nil.
	Platform *v1.Platform

	// Bounds; the defaults above when zero.
	MaxCompressedSize   int64
	MaxUncompressedSize int64
	MaxLayers           int
	MaxLayerEntries     int

	// GCDelay is how long an image nobody holds is kept.
	GCDelay time.Duration

	// ActivityTimeout ends a pull when the registry sends nothing for
	// this long while the pull waits on it; DefaultActivityTimeout when
	// zero.
	ActivityTimeout time.Duration
}

// Auth is a task's `auth` block.
type Auth struct {
	Username string
	Password string
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Keychain == nil {
		c.Keychain = authn.DefaultKeychain
	}
	if c.Transport == nil {
		c.Transport = remote.DefaultTransport
	}
	if c.Platform == nil {
		c.Platform = hostPlatform()
	}
	if c.MaxCompressedSize <= 0 {
		c.MaxCompressedSize = DefaultMaxCompressedSize
	}
	if c.MaxUncompressedSize <= 0 {
		c.MaxUncompressedSize = DefaultMaxUncompressedSize
	}
	if c.MaxLayers <= 0 {
		c.MaxLayers = DefaultMaxLayers
	}
	if c.MaxLayerEntries <= 0 {
		c.MaxLayerEntries = DefaultMaxLayerEntries
	}
	if c.GCDelay <= 0 {
		c.GCDelay = DefaultGCDelay
	}
	if c.ActivityTimeout <= 0 {
		c.ActivityTimeout = DefaultActivityTimeout
	}
	return c
}

func hostPlatform() *v1.Platform {
	p := &v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	switch runtime.GOARCH {
	case "arm64":
		p.Variant = "v8"
	case "arm":
		p.Variant = "v7"
	}
	return p
}
