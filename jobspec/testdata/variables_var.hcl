# test: -var image=redis:8
# test: -var count=5
# test: -var datacenters=["a", "b"]
# test: -var labels={ team = "x" }
variable "image" {
  type = string
}

variable "count" {
  type    = number
  default = 1
}

variable "datacenters" {
  type    = list(string)
  default = []
}

variable "labels" {
  type    = map(string)
  default = {}
}

job "cache" {
  datacenters = var.datacenters
  group "cache" {
    count = var.count
    task "redis" {
      driver = "docker"
      config {
        image  = var.image
        labels = var.labels
      }
    }
  }
}
