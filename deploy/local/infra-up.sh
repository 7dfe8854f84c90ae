#!/usr/bin/env bash
# Starts PostgreSQL, RabbitMQ and Redis on this machine when they are not already answering,
# and waits until each one does. For machines without Docker (docker-compose.yml does the same
# with containers). The services' database roles are not made here: `npm start`, `npm run migrate`,
# the tests and each service at start create them as postgres (README.md, "Configuration").
set -euo pipefail

wait_for() { # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then echo "$1 is up"; return 0; fi
    sleep 1
  done
  echo "$1 did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
wait_for PostgreSQL "pg_isready -h 127.0.0.1 -p 5432"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping"

if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
  rabbitmq-server -detached || true
  wait_for RabbitMQ "rabbitmqctl await_startup"
fi
rabbitmqctl await_startup >/dev/null 2>&1 || true
wait_for RabbitMQ "rabbitmq-diagnostics -q check_port_connectivity"
