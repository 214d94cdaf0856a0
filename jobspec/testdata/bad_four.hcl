# Four problems at once: a type error, a missing required attribute, a
# misspelt attribute and an unknown block.
job "web" {
  group "cache" {
    cuont = 3

    task "redis" {
      driver = "docker"
      config {
        image = "redis:7"
      }
      resources {
        memory = "lots"
      }
      logz {
        max_files = 3
      }
    }

    task "sidecar" {
      config {
        run_for = "10s"
      }
    }
  }
}
