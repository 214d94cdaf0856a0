job "web" {
  type        = "service"
  datacenters = ["dc1", "dc2"]
  node_pool   = "prod"
  namespace   = "apps"
  region      = "eu"
  priority    = 70
  all_at_once = true

  meta {
    owner = "team-a"
    tier  = 1
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  affinity {
    attribute = "${node.datacenter}"
    value     = "dc1"
    weight    = -20
  }

  spread {
    attribute = "${node.datacenter}"
    weight    = 80
    target "dc1" {
      percent = 70
    }
    target "dc2" {
      percent = 30
    }
  }

  update {
    max_parallel     = 2
    min_healthy_time = "15s"
    healthy_deadline = "3m"
    auto_revert      = true
    canary           = 1
  }

  group "api" {
    count = 3
    task "server" {
      driver = "mock"
    }
  }
}
