# test: -var imag=redis
# test: -var count=three
# test: -var noequals
variable "image" {
  type    = string
  default = "redis:7"
}

variable "count" {
  type    = number
  default = 1
}

job "cache" {
  group "cache" {
    task "redis" {
      driver = "docker"
      config {
        image = var.image
      }
    }
  }
}
