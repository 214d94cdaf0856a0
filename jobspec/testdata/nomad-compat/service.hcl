# The service block with every argument, its checks of each type with every
# argument, check_restart, identity, weights, and connect (sidecar service
# with its proxy, expose and transparent proxy, sidecar task, native).
# Upstreams and gateways are in mesh.hcl.
job "compat-service" {
  datacenters = ["dc1"]

  group "web" {
    network {
      mode = "bridge"
      port "http" {
        to = 8080
      }
      port "grpc" {
        to = 9090
      }
    }

    service {
      name                = "web-frontend"
      port                = "http"
      provider            = "consul"
      tags                = ["frontend", "v2"]
      canary_tags         = ["canary"]
      enable_tag_override = true
      address_mode        = "alloc"
      address             = "10.9.8.7"
      on_update           = "ignore_warnings"
      cluster             = "consul-main"
      kind                = "web-kind"
      task                = "app"

      tagged_addresses {
        lan = "10.9.8.7"
      }
      meta {
        version = "2.4.1"
      }
      canary_meta {
        version = "2.5.0-rc1"
      }

      weights {
        passing = 12
        warning = 3
      }

      identity {
        aud = ["consul.io"]
        ttl = "45m"
      }

      check_restart {
        limit           = 3
        grace           = "30s"
        ignore_warnings = true
      }

      check {
        name                     = "http-alive"
        type                     = "http"
        path                     = "/healthz"
        protocol                 = "https"
        method                   = "POST"
        body                     = "{\"probe\":true}"
        port                     = "http"
        interval                 = "12s"
        timeout                  = "3s"
        initial_status           = "warning"
        address_mode             = "alloc"
        expose                   = true
        tls_server_name          = "web.example.internal"
        tls_skip_verify          = true
        success_before_passing   = 2
        failures_before_critical = 4
        failures_before_warning  = 1
        on_update                = "require_healthy"
        notes                    = "liveness of the frontend"
        task                     = "app"

        header {
          Authorization = ["Bearer probe-token"]
          X-Probe       = ["a", "b"]
        }

        check_restart {
          limit = 2
          grace = "50s"
        }
      }

      check {
        name            = "grpc-ready"
        type            = "grpc"
        port            = "grpc"
        grpc_service    = "compat.Health"
        grpc_use_tls    = true
        interval        = "8s"
        timeout         = "2s"
      }

      check {
        name     = "script-ok"
        type     = "script"
        command  = "/bin/check.sh"
        args     = ["--deep"]
        interval = "33s"
        timeout  = "6s"
      }

      check {
        name     = "tcp-open"
        type     = "tcp"
        port     = 8080
        interval = "7s"
        timeout  = "1s"
      }

      connect {
        sidecar_service {
          tags                      = ["mesh"]
          port                      = "19001"
          disable_default_tcp_check = true
          meta {
            mesh = "yes"
          }

          proxy {
            local_service_address = "127.0.0.2"
            local_service_port    = 8088
            config {
              protocol = "http"
            }

            expose {
              path {
                path            = "/metrics"
                protocol        = "http"
                local_path_port = 9102
                listener_port   = "grpc"
              }
            }

            transparent_proxy {
              uid                    = "101"
              outbound_port          = 15001
              exclude_inbound_ports  = ["9000", "grpc"]
              exclude_outbound_ports = ["4443"]
              exclude_outbound_cidrs = ["10.10.0.0/16"]
              exclude_uids           = ["202"]
              no_dns                 = true
            }
          }
        }

        sidecar_task {
          name           = "custom-proxy"
          driver         = "docker"
          user           = "envoy"
          kill_timeout   = "9s"
          shutdown_delay = "4s"
          kill_signal    = "SIGTERM"
          config {
            image = "envoyproxy/envoy:v1.29"
          }
          env {
            ENVOY_LOG = "debug"
          }
          meta {
            proxy = "custom"
          }
          resources {
            cpu    = 250
            memory = 96
          }
          logs {
            max_files     = 3
            max_file_size = 6
          }
        }
      }
    }

    service {
      name     = "native-app"
      port     = "grpc"
      provider = "consul"
      connect {
        native = true
      }
    }

    task "app" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo:1.0"
      }

      service {
        name     = "task-level"
        provider = "nomad"
        port     = "http"
        check {
          type     = "http"
          path     = "/ready"
          interval = "9s"
          timeout  = "2s"
        }
      }
    }
  }
}
