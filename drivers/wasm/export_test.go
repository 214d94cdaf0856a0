package wasm

// Exported for the external tests in package wasm_test.
var (
	BuildWasm        = buildWasm
	PluginConfigJSON = pluginConfigJSON
)

// SharedCacheDir is the compile cache the tests share.
func SharedCacheDir() string { return sharedCacheDir }
