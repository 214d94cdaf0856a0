job "web" {
  group "cache" {
    count = 
    task "redis" {
      driver = "docker"
    }
  }
}
