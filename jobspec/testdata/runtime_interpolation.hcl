# References only a client can fill in are kept as literal text.
variable "app" {
  default = "shop"
}

job "runtime" {
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  group "g" {
    network {
      port "http" {}
    }
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/app"
        args    = ["--port", "${NOMAD_PORT_http}", "--dc", "${node.datacenter}", "--name", "${var.app}-${NOMAD_ALLOC_INDEX}"]
      }
      env {
        RACK      = "${meta.rack}"
        NODE      = "${node.unique.name}"
        HOME_DIR  = "${env["HOME"]}"
        GPU       = "${device.nvidia.model}"
        ADDR      = "${NOMAD_IP_http}:${NOMAD_PORT_http}"
        LITERAL   = "$${not_interpolated}"
        MIXED     = "${upper(var.app)}@${attr.unique.hostname}"
      }
      template {
        destination = "local/app.env"
        data        = <<-EOT
          PORT=${NOMAD_PORT_http}
          APP=${var.app}
          ADDR={{ env "NOMAD_ADDR_http" }}
        EOT
      }
    }
  }
}
