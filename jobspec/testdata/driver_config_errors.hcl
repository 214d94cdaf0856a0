job "drivers" {
  group "g" {
    task "docker" {
      driver = "docker"
      config {
        command = "redis-server"
        ports   = "db"
        auth {
          usernme = "bot"
        }
      }
    }
    task "mock" {
      driver = "mock"
      config {
        run_for   = "ten seconds"
        exit_code = "zero"
      }
    }
    task "wasm" {
      driver = "wasm"
    }
    task "oci" {
      driver = "oci"
      config {
        image  = "busybox"
        rootfs = "/srv/rootfs"
      }
    }
  }
}
