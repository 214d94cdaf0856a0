# A driver nomadish does not build in is a warning: a client may have it as
# a plugin. Its config is kept as written.
job "custom" {
  group "g" {
    task "t" {
      driver = "dokcer"
      config {
        image = "redis:7"
        ports = ["db"]
        nested {
          depth = 2
          flag  = true
        }
        nested {
          depth = 3
        }
      }
    }
    task "plugin" {
      driver = "firecracker"
      config {
        kernel = "vmlinux"
        vcpus  = 2
      }
    }
  }
}
