#!/usr/bin/env bash
# bench/pull.sh - pull + extract throughput and peak memory of `ferryd --once`
# against a local docker-registry, beside `curl | tar` on the same blob.
#
#   bench/pull.sh [BUILD_DIR] [SIZES_MIB...]     (default sizes: 8 512)
#
# The artifact is a gzip'd tar of incompressible data (one file per MiB), so
# the figures are dominated by download + hashing + inflating + writing.
# Peak RSS is the largest resident set among the process and its children
# (GNU time's "Maximum resident set size"), i.e. ferryd's reconcile worker.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/_build/check}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(8 512)
py=/usr/bin/python3
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)"; exit 2; }

work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
trap 'kill $reg 2>/dev/null || true; rm -rf "$work"' EXIT
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/reg.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/data}}
http: {addr: "127.0.0.1:$port", secret: bench}
YAML
docker-registry serve "$work/reg.yml" >/dev/null 2>&1 &
reg=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

measure() { # label, command...
	local label=$1 wall rss
	shift
	/usr/bin/time -o "$work/time.out" -f '%e %M' "$@" >/dev/null 2>&1
	read -r wall rss < "$work/time.out"
	printf '%-26s %8.2f s %10.1f MiB peak RSS\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

printf '%-26s %10s %21s\n' "case" "wall" "memory"
for mib in "${sizes[@]}"; do
	src="$work/src-$mib"
	mkdir -p "$src"
	for i in $(seq "$mib"); do head -c 1048576 /dev/urandom > "$src/f$i.bin"; done
	tar -C "$src" -cf - . | gzip -1 > "$work/layer-$mib.tgz"
	rm -rf "$src"
	digest=$(
	$py -c "
import sys; sys.path.insert(0, '$root/tests/tools')
import ociutil
layer = open('$work/layer-$mib.tgz', 'rb').read()
d, _ = ociutil.Registry('http://127.0.0.1:$port').push_artifact('bench/a$mib', 'v1', layer)
print(d)")
	layer=$($py -c "
import sys, json, urllib.request
r = urllib.request.Request('http://127.0.0.1:$port/v2/bench/a$mib/manifests/v1', headers={'Accept': 'application/vnd.oci.image.manifest.v1+json'})
print(json.load(urllib.request.urlopen(r))['layers'][0]['digest'])")
	mkdir -p "$work/etc-$mib"
	cat > "$work/etc-$mib/a.yaml" <<YAML
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: a$mib}
spec: {interval: 5m, url: "oci://127.0.0.1:$port/bench/a$mib", insecure: true, ref: {tag: v1}}
YAML
	measure "ferryd --once ${mib} MiB" "$build/ferryd" --config-dir "$work/etc-$mib" --state-dir "$work/state-$mib" --once --log-level error
	mkdir -p "$work/tar-$mib"
	measure "curl | tar ${mib} MiB" sh -c "curl -fsS http://127.0.0.1:$port/v2/bench/a$mib/blobs/$layer | tar -xzf - -C $work/tar-$mib"
	rm -rf "$work/state-$mib" "$work/tar-$mib" "$work/layer-$mib.tgz"
done
