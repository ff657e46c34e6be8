#!/bin/bash
# SPDX-License-Identifier: ISC
# Builds the benchmarks' Linux peer guest from Debian bookworm arm64 .debs: kernel + initramfs.
#
#   bench/peer/build.sh <outdir> <health-body-file>
#
# Produces <outdir>/peer-kernel (the Debian arm64 Image, as Xen boots it), <outdir>/peer-initramfs.cpio.gz
# (busybox, nginx and its libraries, xen-netfront), <outdir>/peer.crt (the P-256 certificate nginx
# serves; its key is made once with the host's openssl and stays in <outdir>) and
# <outdir>/peer-versions.txt. Pins: the `peer` lines of cmake/third-party.lock; resolution, download and
# extraction are the dom0's (qemu/dom0/debs.sh), into third_party/peer-arm64. The initramfs is rebuilt
# every time (a second or two): the body comes from the Hearth build being compared.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/bench/peer"
[ $# -eq 2 ] || { echo "usage: $0 <outdir> <health-body-file>" >&2; exit 2; }
outdir=$1
body=$2
arch=arm64
triplet=aarch64-linux-gnu
log() { printf 'peer-build: %s\n' "$*" >&2; }
die() { printf 'peer-build: error: %s\n' "$*" >&2; exit 1; }

work="$top/third_party/peer-$arch"
# shellcheck source=qemu/dom0/debs.sh
. "$top/qemu/dom0/debs.sh"
lock="$top/cmake/third-party.lock"
pin() { awk -v n="$1" '$1 == "peer" && $2 == n { print $3 }' "$lock"; }
kseries=$(pin linux-image-arm64)
nseries=$(pin nginx)
{ [ -n "$kseries" ] && [ -n "$nseries" ]; } || die "no 'peer linux-image-arm64' / 'peer nginx' lines in $lock"
LIBRARIES=(busybox-static libc6 libcrypt1 libpcre2-8-0 libssl3 zlib1g)
MODULES=xen-netfront
request="kernel=$kseries nginx=$nseries packages=${LIBRARIES[*]}"

resolve() {
  kernel_pin linux-image-arm64 "$kseries"
  local v
  v=$(candidate nginx)
  case "$v" in "$nseries"-*) ;; *) die "nginx:$arch candidate '$v' is not of the $nseries series" ;; esac
  echo "nginx=$v"
  candidate_pins "${LIBRARIES[@]}"
}

mkdir -p "$outdir" "$work"
exec 9>"$work.lock"
flock 9
debs_fetch "$request" resolve
debs_extract

image=$(grep '^linux-image-' "$stamp" | cut -d= -f1)
kver=${image#linux-image-}
[ -f "$work/root/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $image"
if ! cmp -s "$work/root/boot/vmlinuz-$kver" "$outdir/peer-kernel"; then
  cp "$work/root/boot/vmlinuz-$kver" "$outdir/peer-kernel.tmp"
  mv "$outdir/peer-kernel.tmp" "$outdir/peer-kernel"
fi
if [ ! -s "$outdir/peer.key" ] || [ ! -s "$outdir/peer.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$outdir/peer.key" \
    -out "$outdir/peer.crt" -days 3650 -subj /CN=hearth.local -addext subjectAltName=DNS:hearth.local \
    >/dev/null 2>&1 || die "openssl could not make the peer's certificate"
fi
info="Hearth bench peer (arm64): $(grep -E '^(linux-image|nginx|busybox-static)=' "$stamp" | tr '\n' ' ')"
python3 "$here/mkinitramfs.py" --root "$work/root" --overlay "$here/rootfs" --triplet "$triplet" \
  --kver "$kver" --modules "$MODULES" --body "$body" --cert "$outdir/peer.crt" --key "$outdir/peer.key" \
  --info "$info
" --out "$outdir/peer-initramfs.cpio.gz" >&2
grep -v '^#' "$stamp" > "$outdir/peer-versions.txt"
log "done: peer-kernel ($(stat -c %s "$outdir/peer-kernel") bytes)," \
  "peer-initramfs.cpio.gz ($(stat -c %s "$outdir/peer-initramfs.cpio.gz") bytes)"
