job "placement" {
  constraint {
    attribute = "${attr.kernel.name}"
    operator  = "regex"
    value     = "linux"
  }
  constraint {
    attribute = "${attr.kernel.name}"
    operator  = "=~"
    value     = "linux"
  }
  constraint {
    value = "linux"
  }
  constraint {
    attribute = "${meta.x}"
    regexp    = "y"
    operator  = "="
  }
  affinity {
    attribute = "${meta.x}"
    operator  = "distinct_hosts"
    value     = "true"
  }
  affinity {
    attribute = "${meta.x}"
    value     = "a"
    weight    = 0
  }
  group "g" {
    task "t" {
      driver = "mock"
    }
  }
}
