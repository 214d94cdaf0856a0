# The resources block with every argument, numa, and a task's dynamic
# application sizing (scaling "cpu" and "mem"). (device blocks are in
# device.hcl.)
job "compat-resources" {
  datacenters = ["dc1"]

  group "gpu" {
    task "train" {
      driver = "docker"
      config {
        image = "example/train:9"
      }

      resources {
        cores      = 4
        memory     = 2048
        memory_max = 4096
        secrets    = 64

        numa {
          affinity = "require"
          devices  = ["nvidia/gpu", "fpga"]
        }
      }

      scaling "cpu" {
        enabled = true
        min     = 500
        max     = 4000
        policy {
          cooldown = "5m"
        }
      }

      scaling "mem" {
        enabled = false
        max     = 8192
      }
    }

    task "light" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      resources {
        cpu    = 321
        memory = "1GB"
        disk   = 150
      }
    }
  }
}
