#!/usr/bin/env bash
# Local ClickHouse for `make demo` and `make test`: install from Debian packages
# when missing (and permitted), start with a config of our own whose data lives
# under the work tree, wait until it answers, stop it. Idempotent.
#
#   deploy/local/clickhouse.sh install|start|stop|status|wait
#
# Environment: VEILLE_DATA (default ./.data), CH_PORT (native, default 9000),
# CH_HTTP_PORT (default 8123), VEILLE_NO_INSTALL=1 to never call apt-get.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${VEILLE_DATA:-$root/.data}
dir="$data/clickhouse"
port=${CH_PORT:-9000}
http_port=${CH_HTTP_PORT:-8123}
pidfile="$dir/clickhouse.pid"

log() { echo "clickhouse.sh: $*" >&2; }

answers() {
  clickhouse-client --port "$port" --query "SELECT 1" >/dev/null 2>&1
}

install() {
  if command -v clickhouse-server >/dev/null 2>&1 && command -v clickhouse-client >/dev/null 2>&1; then
    return 0
  fi
  if [ "${VEILLE_NO_INSTALL:-}" = 1 ]; then
    log "clickhouse-server is not installed and VEILLE_NO_INSTALL=1"; exit 1
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      log "clickhouse-server is missing; install it with: apt-get install -y clickhouse-server clickhouse-client"; exit 1
    fi
  fi
  log "installing clickhouse-server and clickhouse-client from the distribution's packages"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
}

write_config() {
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <http_port>$http_port</http_port>
    <tcp_port>$port</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
  # Users: default (local admin, no password, loopback only), plus the
  # veille_writer / veille_analyst pair documented in deploy/clickhouse/users.xml.
  cp "$root/deploy/clickhouse/users.xml" "$dir/users.xml"
}

start() {
  if answers; then log "already answering on 127.0.0.1:$port"; return 0; fi
  install
  write_config
  log "starting on 127.0.0.1:$port (data in $dir)"
  nohup clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  wait_ready
}

wait_ready() {
  for _ in $(seq 1 120); do
    if answers; then log "ready on 127.0.0.1:$port"; return 0; fi
    sleep 0.5
  done
  log "did not answer within 60 s; last log lines:"
  tail -n 20 "$dir/log/clickhouse-server.err.log" "$dir/log/stdout.log" 2>/dev/null >&2 || true
  exit 1
}

stop() {
  if [ -f "$pidfile" ]; then
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "stopped"
  else
    log "not started by this script (no $pidfile)"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  wait) wait_ready ;;
  status) if answers; then echo "up on 127.0.0.1:$port"; else echo "down"; exit 1; fi ;;
  *) echo "usage: $0 install|start|stop|status|wait" >&2; exit 2 ;;
esac
