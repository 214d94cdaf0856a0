# The smallest useful job: one group, one task. count is left out, so the
# group runs once.
job "hello" {
  group "app" {
    task "main" {
      driver = "mock"
      config {
        run_for = "30s"
      }
    }
  }
}
