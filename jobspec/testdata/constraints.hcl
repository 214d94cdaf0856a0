# Every constraint operator, in its long and its shorthand form.
job "placement" {
  constraint {
    attribute = "${attr.kernel.name}"
    operator  = "="
    value     = "linux"
  }
  constraint {
    attribute = "${attr.os.name}"
    operator  = "!="
    value     = "windows"
  }
  constraint {
    attribute = "${attr.cpu.numcores}"
    operator  = ">="
    value     = "4"
  }
  constraint {
    attribute = "${attr.memory.totalbytes}"
    operator  = ">"
    value     = "1000"
  }
  constraint {
    attribute = "${meta.load}"
    operator  = "<"
    value     = "5"
  }
  constraint {
    attribute = "${meta.load}"
    operator  = "<="
    value     = "4"
  }
  constraint {
    attribute = "${attr.unique.hostname}"
    operator  = "regexp"
    value     = "^web-[0-9]+$"
  }
  constraint {
    attribute = "${meta.tags}"
    operator  = "set_contains"
    value     = "ssd,fast"
  }
  constraint {
    attribute = "${meta.tags}"
    operator  = "set_contains_any"
    value     = "gpu,tpu"
  }
  constraint {
    attribute = "${attr.nomad.version}"
    operator  = "version"
    value     = ">= 1.6, < 2.0"
  }
  constraint {
    attribute = "${attr.kernel.version}"
    operator  = "semver"
    value     = ">= 5.10.0"
  }
  constraint {
    attribute = "${meta.gpu}"
    operator  = "is_set"
  }
  constraint {
    attribute = "${meta.draining}"
    operator  = "is_not_set"
  }
  constraint {
    operator = "distinct_hosts"
    value    = "true"
  }
  constraint {
    operator  = "distinct_property"
    attribute = "${meta.rack}"
    value     = "2"
  }

  # Shorthands.
  constraint {
    attribute = "${attr.unique.hostname}"
    regexp    = "^db-"
  }
  constraint {
    attribute = "${attr.nomad.version}"
    version   = ">= 1.5"
  }
  constraint {
    attribute = "${attr.kernel.version}"
    semver    = "^6"
  }
  constraint {
    attribute    = "${meta.tags}"
    set_contains = "ssd"
  }
  constraint {
    distinct_hosts = true
  }
  constraint {
    distinct_property = "${meta.zone}"
  }
  constraint {
    # distinct_hosts = false asks for nothing and adds no constraint.
    distinct_hosts = false
  }

  group "g" {
    task "t" {
      driver = "mock"
    }
  }
}
