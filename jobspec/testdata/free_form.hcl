# test: no-drivers
# Without driver schemas every config is kept as written.
job "free" {
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        args  = ["--port", 6379]
        auth {
          username = "u"
        }
        labels = {
          a = "b"
        }
      }
    }
  }
}
