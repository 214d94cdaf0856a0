job "bad" {
  type     = "services"
  priority = 101
  group "g" {
    count = -1
    spread {
      attribute = "${node.datacenter}"
      weight    = 0
    }
    restart {
      mode     = "restart"
      interval = "5 minutes"
    }
    network {
      mode = "brdige"
      port "http" {
        static = 70000
      }
      port "http" {}
    }
    task "t" {
      driver = "mock"
      kill_timeout = 5
      lifecycle {
        hook = "pre-start"
      }
      template {
        destination = "local/x"
      }
    }
    task "t" {
      driver = "mock"
    }
  }
  group "g" {
    task "u" {
      driver = "mock"
    }
  }
}
