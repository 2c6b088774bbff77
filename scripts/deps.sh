# deps.sh - the Debian packages ferry's scripts need, and a function that
# installs the missing ones. Sourced by scripts/check and scripts/demo.

FERRY_BUILD_DEPS="build-essential autoconf automake pkg-config
 libcurl4-openssl-dev libwolfssl-dev libyaml-dev libarchive-dev libsystemd-dev
 libjansson-dev libcbor-dev libcmocka-dev"
FERRY_TEST_DEPS="docker-registry python3 python3-pytest python3-cryptography python3-cbor2
 valgrind apache2-utils openssl zstd strace systemd curl ca-certificates
 groff-base man-db time bc"
FERRY_PACKAGE_DEPS="debhelper dpkg-dev fakeroot lintian rpm"

ferry_install_missing() {
	local missing=() pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$pkg")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "==> installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configure (once) and build an out-of-tree build directory.
ferry_build() {
	local root="$1" dir="$2"; shift 2
	if [ ! -x "$root/configure" ] || [ "$root/configure.ac" -nt "$root/configure" ]; then
		(cd "$root" && autoreconf -fi >/dev/null 2>&1) || (cd "$root" && autoreconf -fi)
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$dir/config.status" -ot "$root/configure" ]; then
		(cd "$dir" && "$root/configure" -q "$@")
	fi
	make -C "$dir" -j"$(nproc)" >/dev/null
}
