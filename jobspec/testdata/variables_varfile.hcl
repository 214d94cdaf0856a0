# test: -var-file testdata/vars/prod.hcl
# test: -var-file testdata/vars/override.json
# test: env NOMADISH_VAR_region=from-env
# Later sources win: the JSON file's count beats the HCL file's. A value
# for an undeclared variable in a file is a warning.
variable "image" {
  type = string
}

variable "count" {
  type = number
}

variable "region" {
  default = "global"
}

job "cache" {
  region = var.region
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
