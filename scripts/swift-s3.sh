#!/usr/bin/env bash
# A throwaway single-replica OpenStack Swift with the s3api middleware: the S3-compatible server
# that tests and benchmarks of MODA_BLOB_STORE=s3://… run against (MinIO is not in Debian; s3rver
# does not verify signatures). Everything lives in DIR on free 127.0.0.1 ports, except
# /etc/swift/swift.conf, which Swift reads whatever swift_dir says (written here when missing).
#
#   scripts/swift-s3.sh start DIR        rings, configs, memcached and the four servers; prints
#                                        KEY=VALUE lines (S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY,
#                                        S3_REGION) and writes them to DIR/env once the proxy answers
#   scripts/swift-s3.sh stop DIR         stops every process started for DIR
#   scripts/swift-s3.sh stop-proxy DIR   stops only the proxy (the S3 endpoint goes down)
#   scripts/swift-s3.sh start-proxy DIR  starts the proxy again on the same port
#
# S3 credentials: access key `test:tester`, secret `testing` (tempauth), region us-east-1,
# path-style addressing.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|stop-proxy|start-proxy DIR" >&2
  exit 2
fi
# Swift's own interpreter (a pyenv shim on PATH costs ~2 s a call on a busy machine).
python=/usr/bin/python3
[ -x "$python" ] || python=python3
for tool in swift-proxy-server swift-object-server swift-container-server swift-account-server memcached; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install swift swift-proxy swift-object swift-container swift-account memcached" >&2; exit 1; }
done

# Five free ports at once, drawn below the kernel's ephemeral range (32768–60999): a port the kernel
# handed out could be taken again by another test's socket before Swift binds it.
free_ports() {
  "$python" - <<'PY'
import random, socket
ports = []
while len(ports) < 5:
    port = random.randint(20000, 32767)
    if port in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        ports.append(port)
    except OSError:
        pass
    finally:
        s.close()
print(*ports)
PY
}

# Waits until something accepts connections on each port (the storage servers start after the proxy
# could already answer its healthcheck) and fails when one of the servers has exited.
wait_for_servers() {
  local name pid port
  for name in account container object memcached; do
    pid=$(cat "$dir/pid/$name")
    port_var="$(echo "$name" | tr a-z A-Z)_PORT"
    port=${!port_var}
    for _ in $(seq 1 1200); do
      kill -0 "$pid" 2>/dev/null || { echo "swift $name server exited; see $dir/log/$name.log" >&2; return 1; }
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue 2
      sleep 0.1
    done
    echo "swift $name server did not listen on port $port; see $dir/log" >&2
    return 1
  done
}

stop_pid() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

# One GET /healthcheck over bash's /dev/tcp (a Python client would cost a second a try on a busy machine).
healthy() {
  local status
  status=$(
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /healthcheck HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    timeout 2 head -n 1 <&3
  ) 2>/dev/null
  [[ $status == *" 200 "* ]]
}

wait_for_proxy() {
  local port=$1
  for _ in $(seq 1 600); do
    if healthy "$port"; then
      return 0
    fi
    sleep 0.1
  done
  echo "swift proxy did not answer on port $port; see $dir/log" >&2
  return 1
}

start_proxy() {
  # shellcheck disable=SC1091
  source "$dir/ports"
  setsid swift-proxy-server "$dir/proxy-server.conf" >>"$dir/log/proxy.log" 2>&1 </dev/null &
  echo $! >"$dir/pid/proxy"
  wait_for_proxy "$PROXY_PORT"
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mkdir -p "$dir/node/d1" "$dir/pid" "$dir/log" "$dir/run"
    if [ ! -f /etc/swift/swift.conf ]; then
      mkdir -p /etc/swift
      printf '[swift-hash]\nswift_hash_path_suffix = moda-test\nswift_hash_path_prefix = moda-test\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' >/etc/swift/swift.conf.$$
      mv /etc/swift/swift.conf.$$ /etc/swift/swift.conf
    fi
    read -r proxy_port account_port container_port object_port memcached_port < <(free_ports)
    printf 'PROXY_PORT=%s\nACCOUNT_PORT=%s\nCONTAINER_PORT=%s\nOBJECT_PORT=%s\nMEMCACHED_PORT=%s\n' \
      "$proxy_port" "$account_port" "$container_port" "$object_port" "$memcached_port" >"$dir/ports"
    # The three one-device rings in one Python process (swift-ring-builder costs a second a call).
    "$python" - "$dir" "$account_port" "$container_port" "$object_port" <<'PY'
import sys
from swift.common.ring import RingBuilder
directory = sys.argv[1]
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(10, 1, 1)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
    builder.rebalance()
    builder.save(f"{directory}/{name}.builder")
    builder.get_ring().save(f"{directory}/{name}.ring.gz")
PY
    common="[DEFAULT]
swift_dir = $dir
devices = $dir/node
mount_check = false
bind_ip = 127.0.0.1
workers = 0
user = $(id -un)
log_name = swift
log_level = WARNING
log_address = /dev/null
"
    for server in account container object; do
      port_var="$(echo "$server" | tr a-z A-Z)_PORT"
      # shellcheck disable=SC1091
      source "$dir/ports"
      printf '%sbind_port = %s\n\n[pipeline:main]\npipeline = %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\n' \
        "$common" "${!port_var}" "$server" "$server" "$server" >"$dir/$server-server.conf"
      if [ "$server" = container ]; then printf '\n[container-sync]\n' >>"$dir/$server-server.conf"; fi
    done
    cat >"$dir/proxy-server.conf" <<EOF
${common}bind_port = $proxy_port

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcached_port

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
dns_compliant_bucket_names = false

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
    setsid memcached -l 127.0.0.1 -p "$memcached_port" -U 0 -m 32 -u root >>"$dir/log/memcached.log" 2>&1 </dev/null &
    echo $! >"$dir/pid/memcached"
    for server in account container object; do
      setsid "swift-$server-server" "$dir/$server-server.conf" >>"$dir/log/$server.log" 2>&1 </dev/null &
      echo $! >"$dir/pid/$server"
    done
    start_proxy
    # shellcheck disable=SC1091
    source "$dir/ports"
    wait_for_servers
    printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_ACCESS_KEY=test:tester\nS3_SECRET_KEY=testing\nS3_REGION=us-east-1\n' "$proxy_port" >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    cat "$dir/env"
    ;;
  stop)
    # Signalled together, then waited for: each server takes a moment to exit.
    for name in proxy object container account memcached; do
      [ -f "$dir/pid/$name" ] && kill "$(cat "$dir/pid/$name")" 2>/dev/null || true
    done
    for name in proxy object container account memcached; do stop_pid "$dir/pid/$name"; done
    ;;
  stop-proxy)
    stop_pid "$dir/pid/proxy"
    ;;
  start-proxy)
    start_proxy
    ;;
  *)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
