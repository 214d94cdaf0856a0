# A periodic batch job with several schedules (crons), and a parameterized
# job with its dispatch payload and a nomadish max_run_duration.
job "compat-periodic" {
  type        = "batch"
  datacenters = ["dc1"]

  periodic {
    crons            = ["*/20 * * * *", "5 3 * * SUN"]
    prohibit_overlap = true
    time_zone        = "America/Chicago"
    enabled          = true
  }

  group "report" {
    task "report" {
      driver           = "docker"
      max_run_duration = "25m"
      config {
        image = "example/report:1"
      }
    }
  }
}
