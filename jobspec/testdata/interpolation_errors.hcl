# Mistakes inside the job file's own names stay errors: only names that
# are not var.* or local.* pass through as text.
variable "app" {
  default = "shop"
}

job "mistakes" {
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/app"
      }
      env {
        TYPO     = "${var.ap}"
        NO_LOCAL = "${local.missing}"
        NO_FUNC  = "${uppr(var.app)}"
        BARE     = "${var}"
      }
    }
  }
}
