# The group block: its arguments, disconnect, scaling and consul, and the
# older max_client_disconnect that Nomad still accepts with a warning.
job "compat-group" {
  datacenters = ["dc1"]

  group "api" {
    shutdown_delay             = "7s"
    prevent_reschedule_on_lost = true

    meta {
      shard = "api-7"
    }

    constraint {
      attribute = "${meta.rack}"
      operator  = "!="
      value     = "r13"
    }

    disconnect {
      lost_after = "3m"
      replace    = false
      reconcile  = "keep_replacement"
    }

    scaling {
      enabled = true
      min     = 2
      max     = 9
      policy {
        cooldown            = "2m"
        evaluation_interval = "30s"
        check "avg_cpu" {
          source = "prometheus"
          query  = "avg(cpu_usage)"
          strategy "target-value" {
            target = 70
          }
        }
      }
    }

    consul {
      cluster   = "consul-east"
      namespace = "team-api"
      partition = "part-a"
    }

    restart {
      attempts         = 5
      interval         = "40m"
      delay            = "20s"
      mode             = "delay"
      render_templates = true
    }

    reschedule {
      attempts       = 6
      interval       = "3h"
      delay          = "50s"
      delay_function = "constant"
      max_delay      = "2h"
      unlimited      = false
    }

    migrate {
      max_parallel     = 4
      health_check     = "task_states"
      min_healthy_time = "25s"
      healthy_deadline = "7m"
    }

    ephemeral_disk {
      sticky  = true
      migrate = true
      size    = 512
    }

    update {
      canary       = 1
      max_parallel = 3
      auto_promote = true
    }

    task "api" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo:1.0"
      }
    }
  }

  group "legacy" {
    stop_after_client_disconnect = "90s"

    task "legacy" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
    }
  }

  group "older" {
    max_client_disconnect = "4h"

    task "older" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
    }
  }
}
