# compat: refused
# secret blocks at each level Nomad accepts them (job, group, task), of
# each provider, with config and env. A task cannot start without its
# secrets, so registration refuses the job; the corpus test checks how the
# server would store it.
job "compat-secret" {
  datacenters = ["dc1"]

  secret "job_db" {
    provider = "nomad"
    path     = "secrets/job-db"
  }

  group "app" {
    secret "group_token" {
      provider = "vault"
      path     = "kv/data/group"
    }

    task "api" {
      driver = "docker"
      config {
        image = "example/api:3"
      }

      secret "db_creds" {
        provider = "vault"
        path     = "database/creds/api"
        config {
          engine = "kv_v2"
        }
      }

      secret "app_flags" {
        provider = "custom-plugin"
        path     = "flags/api"
        env {
          PLUGIN_REGION = "eu"
        }
      }
    }
  }
}
