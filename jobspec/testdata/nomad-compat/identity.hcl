# The blocks that name Vault, Consul and workload identities: vault and
# consul on a task, the task's own identity and named ones, and a group
# vault block its tasks inherit. (secret blocks are in secret.hcl.)
job "compat-identity" {
  datacenters = ["dc1"]

  group "app" {
    vault {
      role        = "group-role"
      change_mode = "signal"
      change_signal = "SIGUSR2"
    }

    task "api" {
      driver = "docker"
      config {
        image = "example/api:3"
      }

      vault {
        policies               = ["api-read", "api-write"]
        namespace              = "team-api"
        role                   = "api-role"
        cluster                = "vault-east"
        env                    = false
        disable_file           = true
        change_mode            = "signal"
        change_signal          = "SIGHUP"
        allow_token_expiration = true
      }

      consul {
        cluster   = "consul-west"
        namespace = "api-ns"
        partition = "part-b"
      }

      identity {
        env           = true
        file          = true
        change_mode   = "restart"
      }

      identity {
        name          = "vault_default"
        aud           = ["vault.io"]
        ttl           = "1h30m"
        file          = true
        filepath      = "secrets/vault.jwt"
        change_mode   = "signal"
        change_signal = "SIGUSR1"
      }

      identity {
        name         = "external"
        aud          = ["sts.example.com", "other.example.com"]
        env          = true
        service_name = "api-svc"
      }
    }

    task "worker" {
      driver = "docker"
      config {
        image = "example/worker:3"
      }
    }
  }
}
