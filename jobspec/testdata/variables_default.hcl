variable "image" {
  type        = string
  default     = "redis:7"
  description = "The image to run"
}

variable "count" {
  type    = number
  default = 2
}

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variables {
  region = "eu"
}

job "cache" {
  datacenters = var.datacenters
  region      = var.region
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
