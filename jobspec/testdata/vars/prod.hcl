image = "redis:7-prod"
count = 4
