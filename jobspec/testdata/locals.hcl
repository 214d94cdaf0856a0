variable "env" {
  default = "prod"
}

# Locals may refer to each other in any order, and to variables.
locals {
  full_name = "${local.prefix}-${var.env}"
  prefix    = "shop"
}

locals {
  ports     = ["http", "admin"]
  port_meta = { for i, p in local.ports : p => tostring(i) }
  is_prod   = var.env == "prod"
}

job "shop" {
  meta = local.port_meta
  group "web" {
    count = local.is_prod ? 3 : 1
    task "server" {
      driver = "mock"
      env {
        NAME = local.full_name
      }
    }
  }
}
