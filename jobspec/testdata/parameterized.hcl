job "encode" {
  type = "batch"

  parameterized {
    payload       = "required"
    meta_required = ["input"]
    meta_optional = ["profile"]
  }

  group "encode" {
    task "ffmpeg" {
      driver = "raw_exec"
      config {
        command = "/usr/bin/ffmpeg"
        args    = ["-i", "${NOMAD_META_input}"]
      }
    }
  }
}
