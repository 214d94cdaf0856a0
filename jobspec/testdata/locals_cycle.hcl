locals {
  a = local.b
  b = "${local.c}-x"
  c = local.a
  d = "fine"
}

job "cycle" {
  meta {
    d = local.d
    a = local.a
  }
  group "g" {
    task "t" {
      driver = "mock"
    }
  }
}
