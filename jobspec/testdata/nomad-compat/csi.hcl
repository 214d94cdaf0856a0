# compat: refused
# A CSI volume that a task mounts. Without CSI the task would start without
# its data, so registration refuses the job; the corpus test checks how the
# server would store it. (An unmounted CSI volume is in volume.hcl.)
job "compat-csi" {
  datacenters = ["dc1"]

  group "db" {
    volume "pgdata" {
      type            = "csi"
      source          = "pg-volume"
      per_alloc       = true
      access_mode     = "single-node-writer"
      attachment_mode = "block-device"
    }

    task "postgres" {
      driver = "docker"
      config {
        image = "postgres:16"
      }
      volume_mount {
        volume      = "pgdata"
        destination = "/dev/xvdf"
      }
    }
  }
}
