#!/bin/sh
# Write the Docker secrets compose.yaml reads, under deploy/secrets/, once: an existing
# file is kept (replacing the keys would make stored bank tokens unreadable).
#
# The folder is private to you (0700). The files are world-readable (0644) because
# Compose mounts them as they are and the containers run as uid 10001; nobody else
# on this host can reach them through the folder.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
chmod 0700 secrets

random() {
    # 32 random bytes, url-safe base64 without padding
    head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

write() {
    if [ -s "secrets/$1" ]; then
        echo "kept secrets/$1"
    else
        printf '%s\n' "$2" > "secrets/$1"
        echo "wrote secrets/$1"
    fi
    chmod 0644 "secrets/$1"
}

write postgres_password "$(random)"
password=$(cat secrets/postgres_password)
write database_url "postgresql+psycopg://potwise:${password}@db:5432/potwise"
write secret_key "$(random)$(random)"
# A Fernet key: 32 random bytes, url-safe base64 with its padding.
write encryption_keys "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n')"
