# Lifecycle hooks of each kind, a task schedule, and task actions.
job "compat-lifecycle" {
  datacenters = ["dc1"]

  group "g" {
    task "init" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      lifecycle {
        hook = "prestart"
      }
    }

    task "tail" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      lifecycle {
        hook    = "prestart"
        sidecar = true
      }
    }

    task "cleanup" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      lifecycle {
        hook = "poststop"
      }
    }

    task "office-hours" {
      driver = "docker"
      config {
        image = "example/app:2"
      }

      schedule {
        cron {
          start    = "30 8 * * MON-FRI *"
          end      = "0 18"
          timezone = "Europe/Paris"
        }
      }

      action "show-config" {
        command = "/bin/cat"
        args    = ["/local/app.conf"]
      }
      action "flush-cache" {
        command = "/usr/local/bin/flush"
      }
    }
  }
}
