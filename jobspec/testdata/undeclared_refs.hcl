variable "image" {
  default = "redis:7"
}

locals {
  tag = "7"
}

job "cache" {
  group "cache" {
    count = var.replicas
    task "redis" {
      driver = "docker"
      config {
        image = "${var.imag}:${local.tga}"
      }
      env {
        HOME = "${HOME}"
      }
    }
  }
}
