# Host and CSI volumes with every argument, volume_mount with every
# argument, and a task that is a CSI plugin. The CSI volume is not mounted
# here (a mounted one is refused at run: csi.hcl).
job "compat-volume" {
  datacenters = ["dc1"]

  group "db" {
    volume "data" {
      type      = "host"
      source    = "pg-data"
      read_only = false
      sticky    = true
    }

    volume "shared" {
      type            = "csi"
      source          = "shared-fs"
      read_only       = true
      per_alloc       = true
      access_mode     = "multi-node-reader-only"
      attachment_mode = "file-system"
      mount_options {
        fs_type     = "ext4"
        mount_flags = ["noatime", "nodiratime"]
      }
    }

    task "postgres" {
      driver = "docker"
      config {
        image = "postgres:16"
      }

      volume_mount {
        volume           = "data"
        destination      = "/var/lib/postgresql/data"
        read_only        = false
        propagation_mode = "host-to-task"
        selinux_label    = "Z"
      }
    }
  }

  group "plugin" {
    task "csi-node" {
      driver = "docker"
      config {
        image      = "example/csi-driver:1.0"
        privileged = true
      }

      csi_plugin {
        id                     = "compat-csi"
        type                   = "monolith"
        mount_dir              = "/csi-sock"
        stage_publish_base_dir = "/local/csi-stage"
        health_timeout         = "45s"
      }
    }
  }
}
