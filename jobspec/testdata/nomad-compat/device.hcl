# compat: refused
# device requests of a task's resources, with their constraints and
# affinities. Without device scheduling the task would get no device, so
# registration refuses the job; the corpus test checks how the server
# would store it.
job "compat-device" {
  datacenters = ["dc1"]

  group "gpu" {
    task "train" {
      driver = "docker"
      config {
        image = "example/train:9"
      }

      resources {
        cpu    = 2000
        memory = 1024

        device "nvidia/gpu" {
          count = 2
          constraint {
            attribute = "${device.attr.memory}"
            operator  = ">="
            value     = "16 GiB"
          }
          affinity {
            attribute = "${device.model}"
            value     = "Tesla T4"
            weight    = 75
          }
        }

        device "fpga" {}
      }
    }
  }
}
