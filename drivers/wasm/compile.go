package wasm

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// PluginDirEnv is the environment variable the client sets to the
// plugin's private data directory, where the compile cache lives unless
// the plugin config sets cache_dir.
const PluginDirEnv = "NOMADISH_PLUGIN_DIR"

// compiled is one module compiled (or being compiled) for the driver's
// runtime. ready is closed once mod or err is set.
type compiled struct {
	sum     string
	ready   chan struct{}
	mod     wazero.CompiledModule
	err     error
	took    time.Duration
	minMem  uint64 // bytes of linear memory the module needs to start
	exports map[string]bool

	// users and lastUsed are guarded by Driver.mu: the tasks starting or
	// running the module, and when the last of them ended.
	users    int
	lastUsed time.Time
}

// maxIdleModules is how many compiled modules no task uses the driver keeps
// in memory for the next task; older ones are closed (and come back from
// the disk cache when needed again).
const maxIdleModules = 16

// wasmRuntime is the driver's wazero runtime with its caches. Tasks share it:
// a compiled module can only be instantiated by the runtime that compiled
// it. Modules are closed on termination of their context (the kill path),
// which is why close-on-context-done is on.
type wasmRuntime struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	cacheDir string
}

// cacheDirFor picks the compile cache directory: the plugin config's
// cache_dir, else compile-cache under the plugin's data dir, else a fresh
// private temporary directory (a shared, guessable one would let another
// user plant compiled code).
func cacheDirFor(conf *pluginConfig) (string, error) {
	if conf.CacheDir != "" {
		return conf.CacheDir, nil
	}
	if dir := os.Getenv(PluginDirEnv); dir != "" {
		return filepath.Join(dir, "compile-cache"), nil
	}
	dir, err := os.MkdirTemp("", "nomadish-wasm-cache-")
	if err != nil {
		return "", fmt.Errorf("create a temporary compile cache: %w", err)
	}
	return dir, nil
}

func newRuntime(ctx context.Context, cacheDir string) (*wasmRuntime, error) {
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("compile cache %s: %w", cacheDir, err)
	}
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("compile cache %s: %w", cacheDir, err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithCompilationCache(cache))
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		_ = cache.Close(ctx)
		return nil, fmt.Errorf("instantiate WASI: %w", err)
	}
	return &wasmRuntime{rt: rt, cache: cache, cacheDir: cacheDir}, nil
}

// compile returns the module with the given bytes compiled, from memory if
// any task compiled it before (hit), else from wazero, whose own cache on
// disk spares the work after a plugin restart.
func (d *Driver) compile(ctx context.Context, r *wasmRuntime, bin []byte, sum [32]byte) (c *compiled, hit bool, err error) {
	d.mu.Lock()
	c, hit = d.modules[sum]
	if !hit {
		c = &compiled{sum: hex.EncodeToString(sum[:]), ready: make(chan struct{})}
		d.modules[sum] = c
	}
	c.users++
	d.mu.Unlock()
	if hit {
		select {
		case <-c.ready:
		case <-ctx.Done():
			d.release(c)
			return nil, false, ctx.Err()
		}
		return c, true, c.err
	}

	d.compiles.Add(1)
	start := time.Now()
	c.mod, c.err = r.rt.CompileModule(context.Background(), mergeDataSegments(bin))
	c.took = time.Since(start)
	if c.err == nil {
		c.exports = map[string]bool{}
		for name := range c.mod.ExportedFunctions() {
			c.exports[name] = true
		}
		for _, m := range c.mod.ExportedMemories() {
			c.minMem = uint64(m.Min()) * wasmPage
		}
		for _, m := range c.mod.ImportedMemories() {
			c.minMem = uint64(m.Min()) * wasmPage
		}
	} else {
		c.err = fmt.Errorf("compile module sha256:%s: %w", c.sum, c.err)
		// A failed compile is not cached, so a fixed module can be
		// retried under the same sum (a transient failure, say).
		d.mu.Lock()
		delete(d.modules, sum)
		d.mu.Unlock()
	}
	close(c.ready)
	d.logger.Debug("module compiled", "sha256", c.sum, "took", c.took, "error", c.err)
	return c, false, c.err
}

// release says a task no longer uses c, and closes the least recently used
// idle modules past maxIdle.
func (d *Driver) release(c *compiled) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c.users--
	c.lastUsed = time.Now()
	var idle []*compiled
	for _, m := range d.modules {
		if m.users > 0 {
			continue
		}
		select {
		case <-m.ready: // compiled: m.mod and m.err are set
			if m.err == nil {
				idle = append(idle, m)
			}
		default:
		}
	}
	if len(idle) <= d.maxIdle {
		return
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].lastUsed.Before(idle[j].lastUsed) })
	for _, m := range idle[:len(idle)-d.maxIdle] {
		var sum [32]byte
		if _, err := hex.Decode(sum[:], []byte(m.sum)); err == nil {
			delete(d.modules, sum)
		}
		_ = m.mod.Close(context.Background())
		d.logger.Debug("idle module closed", "sha256", m.sum)
	}
}
