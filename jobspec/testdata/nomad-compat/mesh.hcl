# compat: refused
# Consul service mesh blocks that a job cannot run without: a sidecar's
# upstreams and a gateway. Registration refuses the job; the corpus test
# checks how the server would store it.
job "compat-mesh" {
  datacenters = ["dc1"]

  group "web" {
    network {
      mode = "bridge"
      port "http" {
        to = 8080
      }
    }

    service {
      name     = "web-mesh"
      port     = "http"
      provider = "consul"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name       = "db"
              destination_namespace  = "data"
              destination_peer       = "peer-b"
              destination_type       = "service"
              local_bind_port        = 5432
              local_bind_address     = "127.0.0.3"
              datacenter             = "dc-b"
              mesh_gateway {
                mode = "local"
              }
              config {
                connect_timeout_ms = 2500
              }
            }
            upstreams {
              destination_name       = "cache"
              local_bind_socket_path = "/alloc/cache.sock"
              local_bind_socket_mode = "0700"
            }

          }
        }
      }
    }

    service {
      name     = "ingress-gw"
      port     = "19002"
      provider = "consul"
      connect {
        gateway {
          proxy {
            connect_timeout = "5s"
          }
          ingress {
            listener {
              port     = 8181
              protocol = "tcp"
              service {
                name = "web-frontend"
              }
            }
          }
        }
      }
    }

    task "app" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo:1.0"
      }
    }
  }
}
