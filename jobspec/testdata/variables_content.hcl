# test: var-content "image = \"redis:content\"\nreplicas = 3"
variable "image" {
  type = string
}

variable "replicas" {
  type = number
}

job "cache" {
  group "cache" {
    count = var.replicas
    task "redis" {
      driver = "docker"
      config {
        image = var.image
      }
    }
  }
}
