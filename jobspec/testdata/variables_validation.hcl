# test: -var count=0
# test: -var image=redis
variable "count" {
  type = number
  validation {
    condition     = var.count > 0 && var.count <= 10
    error_message = "count must be between 1 and 10."
  }
}

variable "image" {
  type = string
  validation {
    condition     = can(regex(":", var.image))
    error_message = "image must name a tag, as in redis:7."
  }
}

variable "ok" {
  default = "fine"
  validation {
    condition     = var.ok != ""
    error_message = "never shown."
  }
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
