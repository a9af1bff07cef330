#!/bin/sh
# Starts the three targets of `fanbench compare` on free loopback ports, each
# as two instances sharing one fresh redis-server, runs the comparison and
# stops what it started (by PID):
#   - the product: two mypinterest instances (scaled mode) on one FerretDB;
#   - the minimal anchor: two `fanbench anchor` processes;
#   - Centrifugo v6, when CENTRIFUGO names its binary (build it outside the
#     repository as docs/FANOUT.md says).
# Arguments go to `fanbench compare` (e.g. -subs 2000,5000 -rounds 2).
# Run from the repository root:
#   CENTRIFUGO=/tmp/centrifugo-bin/centrifugo sh cmd/fanbench/compare.sh -subs 2000
set -eu

W=$(mktemp -d /tmp/fanbench.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

go build -o "$W/mypinterest" ./cmd/mypinterest
go build -o "$W/fanbench" ./cmd/fanbench
go build -o "$W/ferretdb" ./internal/ferretdb

freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# waitfor URL: until it answers at all (any status), for up to 60 s.
waitfor() {
	i=0
	until curl -s -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "compare.sh: $1 did not come up" >&2; exit 1; }
		sleep 0.1
	done
}

# 5,000 subscribers need 5,000 descriptors here and 2,500 in each server.
ulimit -n 20000

RP=$(freeport)
/usr/bin/redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$W/redis.log" 2>&1 &
PIDS="$PIDS $!"
until redis-cli -p "$RP" ping >/dev/null 2>&1; do sleep 0.1; done

MP=$(freeport)
"$W/ferretdb" -dir "$W/db" -addr "127.0.0.1:$MP" >"$W/ferretdb.log" 2>&1 &
PIDS="$PIDS $!"

PRODUCT="" PRODUCT_PIDS=""
for i in 1 2; do
	P=$(freeport)
	ADDR=127.0.0.1:$P MONGODB_URI=mongodb://127.0.0.1:$MP/ REDIS_URL=redis://127.0.0.1:$RP/0 \
		JWT_SECRET=benchmark-secret-0123456789abcdef0123456789 AUTH_RATE_LIMIT=0 WS_CONNS_PER_IP=-1 \
		LOG_LEVEL=warn DATA_DIR="$W/data$i" "$W/mypinterest" >"$W/product$i.log" 2>&1 &
	PIDS="$PIDS $!"
	PRODUCT="$PRODUCT,http://127.0.0.1:$P" PRODUCT_PIDS="$PRODUCT_PIDS,$!"
	waitfor "http://127.0.0.1:$P/readyz"
done

ANCHOR="" ANCHOR_PIDS=""
for i in 1 2; do
	P=$(freeport)
	"$W/fanbench" anchor -addr "127.0.0.1:$P" -redis "127.0.0.1:$RP" >"$W/anchor$i.log" 2>&1 &
	PIDS="$PIDS $!"
	ANCHOR="$ANCHOR,http://127.0.0.1:$P" ANCHOR_PIDS="$ANCHOR_PIDS,$!"
	waitfor "http://127.0.0.1:$P/"
done

set -- -product "${PRODUCT#,}" -product-pids "${PRODUCT_PIDS#,}" -anchor "${ANCHOR#,}" -anchor-pids "${ANCHOR_PIDS#,}" "$@"

if [ -n "${CENTRIFUGO:-}" ]; then
	"$CENTRIFUGO" version
	CENT="" CENT_PIDS=""
	for i in 1 2; do
		P=$(freeport)
		# The same configuration as centrifugoConfig in anchor_test.go.
		cat >"$W/centrifugo$i.json" <<EOF
{
  "http_server": {"address": "127.0.0.1", "port": $P},
  "log": {"level": "error"},
  "health": {"enabled": true},
  "usage_stats": {"disabled": true},
  "engine": {"type": "redis", "redis": {"address": ["redis://127.0.0.1:$RP"]}},
  "http_api": {"key": "fanbench-key"},
  "client": {"allow_anonymous_connect_without_token": true},
  "channel": {"without_namespace": {"allow_subscribe_for_anonymous": true, "allow_subscribe_for_client": true}}
}
EOF
		"$CENTRIFUGO" --config "$W/centrifugo$i.json" >"$W/centrifugo$i.log" 2>&1 &
		PIDS="$PIDS $!"
		CENT="$CENT,http://127.0.0.1:$P" CENT_PIDS="$CENT_PIDS,$!"
		waitfor "http://127.0.0.1:$P/health"
	done
	set -- -centrifugo "${CENT#,}" -centrifugo-pids "${CENT_PIDS#,}" -centrifugo-key fanbench-key "$@"
fi

echo "compare.sh: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$W/fanbench" compare "$@" || status=$?
echo "compare.sh: load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# Events the product could not hand to Redis are logged, not answered with an error: the comment
# is still created (LIVE.md, "While Redis is down"). Count them, since they explain a delivered
# figure under 100 %.
for i in 1 2; do
	echo "compare.sh: product instance $i logged $(grep -c 'publish failed' "$W/product$i.log" || true) failed publishes"
done
exit $status
