job "dynamic" {
  group "g" {
    dynamic "task" {
      for_each = range(1001)
      labels   = ["t${task.value}"]
      content {
        driver = "mock"
      }
    }
  }
}
