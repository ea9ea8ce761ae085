#!/usr/bin/env bash
# Provides libnode (Debian's libnode108: V8 10.2 with its embedding API exported) and its headers for the
# CodeActSdk.V8 backend, unpacked into <repo>/.deps/libnode (ignored by git). Idempotent and quiet on success:
# it does nothing when that folder, or a system-wide libnode.so.108 with matching headers, is already there.
#
# Why not `apt-get install libnode-dev`? That works on an ordinary Debian 12 machine (and the build finds it),
# but it conflicts with a nodejs package from another source; unpacking the two .deb files never does.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="$repo_root/.deps/libnode"
multiarch="usr/lib/x86_64-linux-gnu"
runtime_deps=(libuv1 libicu72 libbrotli1 libc-ares2 libnghttp2-14 libssl3 zlib1g)

fail() {
  echo "provide-libnode.sh: $*" >&2
  exit 1
}

# V8 10.2 headers: the shim is compiled against exactly the V8 that libnode.so.108 carries.
headers_match() {
  local version_header="$1/v8-version.h"
  [[ -f "$1/v8.h" && -f "$1/libplatform/libplatform.h" && -f "$version_header" ]] &&
    grep -q 'define V8_MAJOR_VERSION 10$' "$version_header" &&
    grep -q 'define V8_MINOR_VERSION 2$' "$version_header"
}

runtime_deps_present() {
  local pkg
  for pkg in "${runtime_deps[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  fail "the V8 backend needs Linux on x86-64 (libnode108 for amd64); this is $(uname -s) $(uname -m)."
fi

if [[ -f "$dest/$multiarch/libnode.so.108" ]] && headers_match "$dest/usr/include/node" && runtime_deps_present; then
  exit 0
fi

if [[ -f "/$multiarch/libnode.so.108" ]] && headers_match /usr/include/node; then
  exit 0 # installed system-wide (apt-get install libnode-dev): nothing to provide.
fi

command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
  fail "apt-get and dpkg are needed to fetch libnode108 and libnode-dev (Debian 12 / bookworm packages). On another system, install libnode.so.108 and its headers (V8 10.2) by hand."

log="$(mktemp)"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$log"' EXIT
chmod 755 "$work" # apt's download sandbox user must be able to write here.

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# The runtime libraries libnode links against; ordinary packages that do not conflict with nodejs.
if ! runtime_deps_present; then
  if ! as_root apt-get install -y --no-install-recommends "${runtime_deps[@]}" >>"$log" 2>&1; then
    as_root apt-get update >>"$log" 2>&1 || true
    as_root apt-get install -y --no-install-recommends "${runtime_deps[@]}" >>"$log" 2>&1 || {
      cat "$log" >&2
      fail "could not install libnode's runtime dependencies (${runtime_deps[*]}). Install them with apt-get as root."
    }
  fi
fi

download() { (cd "$work" && apt-get download libnode108 libnode-dev >>"$log" 2>&1); }
if ! download; then
  as_root apt-get update >>"$log" 2>&1 || true
  download || {
    cat "$log" >&2
    fail "could not download libnode108 and libnode-dev with apt-get. They are Debian 12 (bookworm) packages: check the apt sources, or run 'apt-get install libnode-dev' on a machine without a conflicting nodejs."
  }
fi

staging="$work/root"
mkdir -p "$staging"
for deb in "$work"/libnode108_*.deb "$work"/libnode-dev_*.deb; do
  [[ -f "$deb" ]] || fail "apt-get download did not produce $(basename "$deb")."
  dpkg -x "$deb" "$staging" >>"$log" 2>&1 || { cat "$log" >&2; fail "could not unpack $deb."; }
done

[[ -f "$staging/$multiarch/libnode.so.108" ]] || fail "the libnode108 package holds no $multiarch/libnode.so.108."
headers_match "$staging/usr/include/node" ||
  fail "the libnode-dev package does not carry V8 10.2 headers; this backend is built for Debian 12's libnode108."

# Swap the folder in at once so that an interrupted run never leaves a half-filled one behind.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp"
mv "$staging" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
