# The job block: every argument and block Nomad's job block takes, with
# job-wide vault, reschedule and migrate blocks that the groups inherit,
# and a task written directly in the job. (Job-wide secret blocks are in
# secret.hcl.)
job "compat-job" {
  type        = "service"
  region      = "global"
  namespace   = "default"
  datacenters = ["dc-east", "dc-west"]
  node_pool   = "default"
  priority    = 72
  all_at_once = true

  meta {
    owner = "team-compat"
  }
  meta = {
    "app.io/tier" = "frontend"
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  affinity {
    attribute = "${node.datacenter}"
    value     = "dc-east"
    weight    = 40
  }
  spread {
    attribute = "${node.datacenter}"
    weight    = 60
    target "dc-east" {
      percent = 70
    }
    target "dc-west" {
      percent = 30
    }
  }

  update {
    max_parallel      = 2
    stagger           = "45s"
    health_check      = "task_states"
    min_healthy_time  = "15s"
    healthy_deadline  = "4m"
    progress_deadline = "12m"
    auto_revert       = true
  }

  reschedule {
    attempts       = 4
    interval       = "2h"
    delay          = "40s"
    delay_function = "fibonacci"
    max_delay      = "90m"
    unlimited      = false
  }

  migrate {
    max_parallel     = 3
    health_check     = "task_states"
    min_healthy_time = "20s"
    healthy_deadline = "6m"
  }

  ui {
    description = "A job that shows **every** job-level block"
    link {
      label = "Runbook"
      url   = "https://runbooks.example.com/compat-job"
    }
    link {
      label = "Dashboard"
      url   = "https://dash.example.com/compat-job"
    }
  }

  multiregion {
    strategy {
      max_parallel = 1
      on_failure   = "fail_all"
    }
    region "east" {
      count       = 2
      datacenters = ["dc-east"]
      node_pool   = "east-pool"
      meta {
        zone = "east-1"
      }
    }
    region "west" {
      count       = 1
      datacenters = ["dc-west"]
    }
  }

  vault {
    role        = "job-wide-role"
    change_mode = "noop"
  }

  group "web" {
    count = 3

    task "server" {
      driver = "docker"
      config {
        image = "nginx:1.27"
      }
    }
  }

  # Nomad runs a task written in the job in a group of the task's name.
  task "standalone" {
    driver = "docker"
    config {
      image = "busybox:1.36"
      args  = ["sleep", "3600"]
    }
  }
}
