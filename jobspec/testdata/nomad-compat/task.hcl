# The task block and its small blocks: every argument of a task, env and
# meta in both forms, logs, restart, lifecycle, and placement rules.
job "compat-task" {
  datacenters = ["dc1"]

  group "g" {
    task "main" {
      driver       = "docker"
      user         = "appuser"
      kind         = "connect-proxy:main-svc"
      kill_timeout = "25s"
      kill_signal  = "SIGQUIT"
      leader       = true

      shutdown_delay = "3s"

      config {
        image   = "redis:7.2"
        command = "redis-server"
      }

      env {
        REDIS_MODE = "cluster"
      }
      env = {
        "dotted.key" = "dotted-value"
      }

      meta {
        team = "storage"
      }

      logs {
        max_files     = 4
        max_file_size = 15
      }

      restart {
        attempts = 7
        delay    = "11s"
      }

      constraint {
        attribute = "${attr.cpu.arch}"
        value     = "amd64"
      }
      affinity {
        attribute = "${node.class}"
        value     = "fast"
        weight    = -30
      }
    }

    task "quiet" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      logs {
        disabled = true
      }
      lifecycle {
        hook    = "poststart"
        sidecar = true
      }
    }
  }
}
