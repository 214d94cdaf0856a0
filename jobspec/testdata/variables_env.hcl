# test: env NOMADISH_VAR_image=redis:env
# test: env NOMAD_VAR_image=ignored-because-nomadish-wins
# test: env NOMAD_VAR_tier=gold
# test: env NOMADISH_VAR_ports=["db", "admin"]
# test: env PATH=/usr/bin
# test: -var tier=silver
variable "image" {
  type = string
}

variable "tier" {
  type = string
}

variable "ports" {
  type = list(string)
}

job "cache" {
  meta {
    tier = var.tier
  }
  group "cache" {
    task "redis" {
      driver = "docker"
      config {
        image = var.image
        ports = var.ports
      }
    }
  }
}
