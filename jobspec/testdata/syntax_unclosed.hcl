job "web" {
  group "cache" {
    task "redis" {
      driver = "docker"
      config {
        image = "redis:7
      }
    }
  }
}
