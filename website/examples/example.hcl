# An example job that a fresh `nomadish agent -dev` accepts:
#
#   nomadish job run website/examples/example.hcl
#   nomadish job run -var count=3 website/examples/example.hcl
#
# The mock driver pretends to run a task, so nothing needs installing.

variable "count" {
  type        = number
  default     = 1
  description = "How many copies of the cache to run"

  validation {
    condition     = var.count >= 1 && var.count <= 10
    error_message = "count must be between 1 and 10."
  }
}

locals {
  app = "cache"
}

job "example" {
  datacenters = ["*"]
  type        = "service"

  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "3m"
  }

  group "cache" {
    count = var.count

    network {
      port "db" {
        to = 6379
      }
    }

    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "redis" {
      driver = "mock"

      config {
        run_for       = "1h"
        stdout_string = "ready to accept connections on ${NOMAD_PORT_db}"
      }

      env {
        APP = local.app
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
