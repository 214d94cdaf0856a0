# The template and artifact blocks with every argument: change_script and
# wait on templates, headers, options, insecure and chown on artifacts.
job "compat-template" {
  datacenters = ["dc1"]

  group "g" {
    task "render" {
      driver = "docker"
      user   = "www"
      config {
        image = "nginx:1.27"
      }

      artifact {
        source      = "https://downloads.example.com/site.tar.gz"
        destination = "local/site"
        mode        = "dir"
        insecure    = true
        chown       = true
        options {
          checksum = "sha256:0f3a7bbd2c9c8d3b47b4e0f6d3d4b5a6c7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2"
        }
        headers {
          User-Agent = "compat-fetcher/1.0"
        }
      }

      artifact {
        source      = "https://downloads.example.com/tool"
        destination = "local/bin/tool"
        mode        = "file"
        headers = {
          "X-Token" = "t-123"
        }
      }

      template {
        data                 = "port={{ env \"NOMAD_PORT_http\" }}\n"
        destination          = "local/app.conf"
        change_mode          = "script"
        perms                = "0640"
        uid                  = 1001
        gid                  = 1002
        left_delimiter       = "[["
        right_delimiter      = "]]"
        splay                = "9s"
        error_on_missing_key = true
        once                 = true

        change_script {
          command       = "/local/reload.sh"
          args          = ["--graceful"]
          timeout       = "12s"
          fail_on_error = true
        }

        wait {
          min = "2s"
          max = "20s"
        }
      }

      template {
        source        = "local/site/env.tpl"
        destination   = "secrets/app.env"
        env           = true
        change_mode   = "signal"
        change_signal = "SIGHUP"
      }
    }
  }
}
