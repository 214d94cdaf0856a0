variable "image" {
  type        = string
  description = "the container image"
}

variable "count" {
  type = number
}

variable "region" {
  default = "global"
}

job "cache" {
  group "cache" {
    count = var.count
    task "redis" {
      driver = "docker"
      config {
        image = var.image
      }
    }
  }
}
