# Defaults Nomad documents, applied where the block is present but an
# argument is left out. A group without count runs once.
job "batch" {
  type = "batch"

  group "partial" {
    restart {
      attempts = 1
    }
    reschedule {
      attempts = 2
    }
    ephemeral_disk {
      sticky = true
    }
    migrate {}
    task "t" {
      driver = "mock"
      template {
        data        = "x"
        destination = "local/x"
      }
      artifact {
        source = "https://example.com/a.zip"
      }
      logs {}
    }
  }

  group "zero" {
    count = 0
    update {}
    task "t" {
      driver = "mock"
    }
  }

  group "absent" {
    task "t" {
      driver = "mock"
    }
  }
}
