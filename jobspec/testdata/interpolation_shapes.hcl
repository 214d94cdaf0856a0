# A root used both alone and with attributes cannot be both a string and
# an object; the parser says so instead of dropping the value.
job "shapes" {
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/app"
      }
      env {
        WHOLE = "${thing}"
        PART  = "${thing.part}"
      }
    }
  }
}
