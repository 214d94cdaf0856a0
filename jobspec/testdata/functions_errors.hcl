job "functions" {
  meta {
    unknown  = uppr("x")
    escape   = file("../golden_test.go")
    absolute = file("/etc/passwd")
    width    = format("%99999d", 1)
    indent   = indent(100000, "x")
    args     = upper(1, 2)
  }
  group "g" {
    task "t" {
      driver = "mock"
    }
  }
}
