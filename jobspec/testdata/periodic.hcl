job "report" {
  type = "batch"

  periodic {
    cron             = "*/15 * * * *"
    prohibit_overlap = true
    time_zone        = "Europe/Paris"
  }

  group "run" {
    task "report" {
      driver = "mock"
      config {
        run_for   = "5s"
        exit_code = 0
      }
    }
  }
}
