#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# (Debian packages when missing and running as root, staticcheck through the
# Go module proxy), checks formatting and static analysis, then runs every
# test with the race detector. The tests start their own services (embedded
# FerretDB, redis-server and nginx on free ports, and a private dockerd for
# the deployment test in e2e/swarm, which needs root); set MONGODB_URI to run
# the store tests against a MongoDB of your own, SKIP_DOCKER_TESTS=1 to leave
# the Docker deployment test out.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v docker-compose >/dev/null || need+=(docker-compose)
# e2e/swarm: the engine (the test starts a dockerd of its own and never uses
# a system one the package may start), and static busybox for the stand-in
# images' health checks.
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "== installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	else
		echo "missing ${need[*]}: install them (sudo apt-get install ${need[*]}) and run again" >&2
		exit 1
	fi
fi
# Debian's nginx package starts a system nginx on port 80; the tests run
# their own on free ports and need nothing from it.

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
STATICCHECK_VERSION=v0.8.2
if ! command -v staticcheck >/dev/null; then
	PATH="$(go env GOPATH)/bin:$PATH"
	command -v staticcheck >/dev/null || go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
fi
staticcheck ./...

echo "== go test -race"
go test -race -count=1 -timeout 15m "$@" ./...

# Each fuzz target runs for a bounded time (FUZZTIME, 15 s by default) on
# top of its committed seed corpus (testdata/fuzz/); a crash fails the run
# and leaves the input under testdata/fuzz/ to commit as a regression seed.
echo "== fuzz"
FUZZTIME=${FUZZTIME:-15s}
while read -r pkg target; do
	echo "-- $target ($pkg, $FUZZTIME)"
	go test -count=1 -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -parallel 2 "$pkg"
done <<'TARGETS'
./media FuzzProcess
./handlers/jsonbody FuzzDecode
./store FuzzPageDecode
./hub FuzzClientMessage
./handlers FuzzAppendJSONString
./store/sqlitestore FuzzScanPreviews
TARGETS
