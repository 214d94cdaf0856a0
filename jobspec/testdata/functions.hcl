locals {
  names = ["b", "a", "c", "a"]
  obj   = { present = "yes" }
}

job "functions" {
  meta {
    upper     = upper("shop")
    joined    = join(",", sort(distinct(local.names)))
    formatted = format("%s-%03d", "web", 7)
    replaced  = replace("a.b.c", ".", "-")
    trimmed   = trimspace("  x  ")
    json      = jsonencode({ a = 1, b = [true] })
    decoded   = jsondecode("{\"k\":\"v\"}").k
    b64       = base64encode("hi")
    unb64     = base64decode("aGk=")
    length    = length(local.names)
    lookup    = lookup({ a = "1" }, "b", "fallback")
    max       = max(3, 9, 4)
    range     = join(" ", [for n in range(3) : tostring(n)])
    regex     = regex("[0-9]+", "web-42")
    split     = element(split("/", "a/b/c"), 1)
    tried     = try(local.obj.absent, "default")
    can       = can(tonumber("x"))
    merged    = jsonencode(merge({ a = 1 }, { b = 2 }))
    substr    = substr("nomadish", 0, 5)
    coalesce  = coalesce(null, "second")
    exists    = fileexists("files/nginx.conf")
    urlencode = urlencode("a b&c")
  }

  group "g" {
    task "t" {
      driver = "mock"
      template {
        data        = file("files/nginx.conf")
        destination = "local/nginx.conf"
      }
    }
  }
}
