# The network block of a group, with every argument, dns and cni, and the
# deprecated network block inside a task's resources, which Nomad still
# accepts with a warning.
job "compat-network" {
  datacenters = ["dc1"]

  group "bridge" {
    network {
      mode     = "bridge"
      hostname = "compat-host"
      mbits    = 20

      port "http" {
        static       = 8081
        to           = 8080
        host_network = "public"
      }
      port "metrics" {
        to = 9102
      }
      port "shared" {
        static           = 8443
        ignore_collision = true
      }

      dns {
        servers  = ["10.0.0.53", "10.0.1.53"]
        searches = ["svc.example.internal"]
        options  = ["ndots:3"]
      }
    }

    task "web" {
      driver = "docker"
      config {
        image = "nginx:1.27"
        ports = ["http", "metrics"]
      }
    }
  }

  group "cni" {
    network {
      mode = "cni/overlay"
      cni {
        args = {
          "IgnoreUnknown" = "true"
          "K8S_POD_NAME"  = "compat"
        }
      }
    }

    task "old" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      resources {
        cpu = 150
        network {
          mbits = 5
          port "legacy" {
            static = 7070
          }
        }
      }
    }
  }
}
