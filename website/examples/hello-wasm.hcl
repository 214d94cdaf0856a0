# Runs the WASI program in hello-wasm/ with the wasm driver. Build it first
# and pass the absolute path of the module:
#
#   make examples
#   nomadish job run -var module=$PWD/website/examples/hello-wasm/hello.wasm \
#     website/examples/hello-wasm.hcl
#   nomadish job status hello-wasm        # the allocation's ID
#   nomadish alloc logs <alloc-id> hello
#
# The artifact block copies the module into the task's local/ directory,
# where `module` finds it. A file source must lie in a directory the client
# allows (client { artifact { file_roots = [...] } }); `agent -dev` allows
# the directory it was started in. Instead of the artifact block, `module`
# may also be an https:// URL.

variable "module" {
  type        = string
  description = "Absolute path of hello.wasm, as built by make examples"
}

job "hello-wasm" {
  datacenters = ["*"]
  type        = "batch"

  group "hello" {
    task "hello" {
      driver = "wasm"

      artifact {
        source = var.module
      }

      config {
        module = "local/hello.wasm"
        args   = ["-name", "nomadish"]
      }

      resources {
        cpu    = 100
        memory = 64 # also the ceiling of the module's linear memory
      }
    }
  }
}
