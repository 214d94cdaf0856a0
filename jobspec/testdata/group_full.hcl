job "shop" {
  datacenters = ["dc1"]

  update {
    max_parallel = 3
    stagger      = "10s"
  }

  group "cache" {
    count          = 2
    shutdown_delay = "5s"

    meta {
      role = "cache"
    }

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    affinity {
      attribute = "${meta.rack}"
      operator  = "set_contains_any"
      value     = "r1,r2"
    }

    spread {
      attribute = "${meta.zone}"
    }

    # Only canary is given: the rest comes from the job's update block.
    update {
      canary = 1
    }

    restart {
      attempts = 5
      mode     = "delay"
    }

    reschedule {
      delay          = "1m"
      delay_function = "fibonacci"
      max_delay      = "2h"
    }

    migrate {
      max_parallel = 2
    }

    ephemeral_disk {
      sticky = true
      size   = "1GB"
    }

    network {
      mode = "bridge"
      port "db" {
        to = 6379
      }
      port "admin" {
        static       = 9090
        to           = 90
        host_network = "private"
      }
      dns {
        servers  = ["10.0.0.53"]
        searches = ["svc.local"]
        options  = ["ndots:2"]
      }
    }

    service {
      name     = "redis"
      port     = "db"
      provider = "nomad"
      tags     = ["cache", "v7"]

      check {
        type     = "tcp"
        interval = "10s"
        timeout  = "2s"
      }

      check {
        name     = "http"
        type     = "http"
        path     = "/health"
        port     = "admin"
        interval = "30s"
        timeout  = "5s"
        header {
          Authorization = ["Basic x"]
        }
      }
    }

    volume "data" {
      type      = "host"
      source    = "redis-data"
      read_only = false
    }

    task "redis" {
      driver = "docker"
      config {
        image = "redis:7"
        ports = ["db"]
      }
      volume_mount {
        volume      = "data"
        destination = "/data"
      }
    }
  }
}
