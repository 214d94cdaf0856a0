job "app" {
  group "g" {
    restart {
      attempts = 4
    }

    task "web" {
      driver       = "docker"
      user         = "nobody"
      kill_timeout = "20s"
      kill_signal  = "SIGTERM"
      leader       = true

      config {
        image      = "nginx:1.27"
        command    = "nginx"
        args       = ["-g", "daemon off;"]
        ports      = ["http"]
        labels     = { team = "web" }
        privileged = false
        auth {
          username = "bot"
          password = "secret"
        }
        mount {
          type   = "bind"
          source = "local/conf"
          target = "/etc/nginx/conf.d"
        }
      }

      env {
        LOG_LEVEL = "info"
        WORKERS   = 4
      }

      # The attribute form takes keys that are not identifiers.
      meta = {
        "app.kubernetes/name" = "web"
      }

      resources {
        cpu        = 500
        memory     = 256
        memory_max = "1GiB"
        disk       = 150
      }

      artifact {
        source      = "https://example.com/site.tar.gz"
        destination = "local/site"
        options {
          checksum = "sha256:abc"
        }
      }

      template {
        data          = "upstream { server {{ env \"NOMAD_ADDR_http\" }}; }"
        destination   = "local/conf/up.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
      }

      template {
        source      = "local/env.tpl"
        destination = "secrets/app.env"
        env         = true
        perms       = "600"
        splay       = "10s"
      }

      logs {
        max_files     = 3
        max_file_size = 20
      }

      restart {
        delay = "30s"
      }

      service {
        name = "web"
        port = "http"
      }

      constraint {
        attribute = "${attr.driver.docker}"
        value     = "1"
      }

      affinity {
        attribute = "${attr.cpu.arch}"
        value     = "amd64"
      }
    }

    task "init" {
      driver = "mock"
      lifecycle {
        hook    = "prestart"
        sidecar = false
      }
      logs {
        disabled = true
      }
      resources {
        cores  = 2
        memory = "512MB"
      }
    }
  }
}
