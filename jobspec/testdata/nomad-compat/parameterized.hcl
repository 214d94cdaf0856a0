# A parameterized batch job: payload, required and optional metadata, and
# the task's dispatch_payload.
job "compat-dispatch" {
  type        = "batch"
  datacenters = ["dc1"]

  parameterized {
    payload       = "required"
    meta_required = ["customer"]
    meta_optional = ["priority_hint"]
  }

  group "work" {
    task "work" {
      driver = "docker"
      config {
        image = "example/worker:5"
      }
      dispatch_payload {
        file = "input.json"
      }
    }
  }
}
