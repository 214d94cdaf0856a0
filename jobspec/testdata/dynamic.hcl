variable "ports" {
  default = {
    http  = 8080
    admin = 0
  }
}

variable "racks" {
  default = ["r1", "r2"]
}

job "dynamic" {
  dynamic "constraint" {
    for_each = var.racks
    content {
      attribute = "${meta.rack}"
      operator  = "!="
      value     = constraint.value
    }
  }

  group "g" {
    network {
      dynamic "port" {
        for_each = var.ports
        labels   = [port.key]
        content {
          static = port.value > 0 ? port.value : null
        }
      }
    }

    dynamic "task" {
      for_each = ["one", "two"]
      iterator = name
      labels   = [name.value]
      content {
        driver = "docker"
        config {
          image = "app:${name.value}"
          dynamic "mount" {
            for_each = var.racks
            content {
              type   = "bind"
              source = "/srv/${mount.value}"
              target = "/data/${mount.value}"
            }
          }
        }
      }
    }
  }
}
