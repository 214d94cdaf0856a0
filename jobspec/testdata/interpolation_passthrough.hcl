# Any ${name} that is not var.* or local.* is kept as text, as Nomad keeps
# it: shell variables and template text in heredocs reach the task.
variable "app" {
  default = "shop"
}

locals {
  greeting = "hello ${NOMAD_ALLOC_ID}"
}

job "passthrough" {
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo ${HOME} ${PATH} ${args[0]} ${var.app} ${local.greeting}"]
      }
      env {
        UNDECLARED = "${not_declared_anywhere}"
        DOTTED     = "${some.thing.deep}"
        NUMBER     = "${1}"
        ESCAPED    = "$${HOME} and $${var.app}"
        FUNC       = "${upper(var.app)}-${HOSTNAME}"
      }
      template {
        destination = "local/run.sh"
        data        = <<-EOT
          #!/bin/sh
          export PATH="${PATH}:/opt/bin"
          cd "${HOME}"
          echo "${var.app} on ${attr.unique.hostname}"
          {{ with nomadVar "nomad/jobs/passthrough" }}TOKEN={{ .token }}{{ end }}
          echo "literal: $${var.app}"
        EOT
      }
    }
  }
}
