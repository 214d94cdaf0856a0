# The docker driver's config in the forms Nomad job files use: attribute
# and block forms of labels, ulimit and port_map (sysctl keys hold dots,
# so HCL2 files give it as a map attribute), mount blocks, logging, auth
# and healthchecks.
job "compat-docker" {
  datacenters = ["dc1"]

  group "g" {
    network {
      port "http" {
        to = 80
      }
    }

    task "blocks" {
      driver = "docker"
      config {
        image        = "nginx:1.27"
        ports        = ["http"]
        network_mode = "bridge"
        hostname     = "blocks-host"
        work_dir     = "/srv"
        force_pull   = true
        cap_add      = ["NET_BIND_SERVICE"]
        cap_drop     = ["ALL"]
        extra_hosts  = ["db.internal:10.0.0.9"]

        labels {
          team = "web"
          env  = "prod"
        }
        ulimit {
          nofile = "65536:65536"
        }
        port_map {
          http = 80
        }

        mount {
          type     = "bind"
          source   = "local/conf"
          target   = "/etc/nginx/conf.d"
          readonly = true
        }
        mount {
          type   = "tmpfs"
          target = "/run/cache"
        }

        logging {
          type = "json-file"
          config = {
            max-size = "10m"
          }
        }

        auth {
          username       = "robot"
          password       = "s3cret"
          server_address = "registry.example.com"
        }

        healthchecks {
          disable = true
        }
      }
    }

    task "attrs" {
      driver = "docker"
      config {
        image  = "redis:7.2"
        args   = ["--appendonly", "yes"]
        labels = { "com.example.tier" = "cache" }
        ulimit = { memlock = "-1" }
        sysctl = { "net.ipv4.tcp_keepalive_time" = "300" }
      }
    }
  }
}
