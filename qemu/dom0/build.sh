#!/bin/bash
# SPDX-License-Identifier: ISC
# Builds the QEMU boards' dom0 driver domain from Debian bookworm .debs: kernel + initramfs.
#
#   qemu/dom0/build.sh <arm64|armhf> <outdir> [kernel-flavour [extra-modules]]
#
# extra-modules (comma-separated) are loaded after the QEMU boards' list: a real board's MMC and NIC
# drivers (HEARTH_DOM0_MODULES in boards/<board>/board.cmake), so one board's dom0 per outdir.
# Produces <outdir>/dom0-kernel (arm64: the Image; armhf: the zImage), <outdir>/dom0-initramfs.cpio.gz
# and <outdir>/dom0-versions.txt (every package and version used). The kernel is pinned in
# cmake/third-party.lock (`dom0 linux-image-<flavour> <series>`): the flavour's meta-package must be of
# that series and the versioned image it depends on is what we take. The Xen tools are taken at exactly
# the version of the hypervisor `./hearth setup` fetched (xl must match Xen); the rest at the bookworm
# candidate. Resolved versions are recorded in third_party/dom0-<flavour>/.fetched and reused, so later
# builds need no network. Idempotent: does nothing when the outputs are newer than every input.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/qemu/dom0"
[ $# -ge 2 ] || { echo "usage: $0 <arm64|armhf> <outdir> [kernel-flavour [extra-modules]]" >&2; exit 2; }
arch=$1
outdir=$2
case "$arch" in
  arm64) triplet=aarch64-linux-gnu; flavour=${3:-arm64} ;;
  armhf) triplet=arm-linux-gnueabihf; flavour=${3:-armmp-lpae} ;;   # LPAE: the only armhf flavour Xen runs
  *) echo "dom0: unknown arch '$arch' (arm64 or armhf)" >&2; exit 2 ;;
esac
log() { printf 'dom0-build(%s): %s\n' "$arch" "$*" >&2; }
die() { printf 'dom0-build(%s): error: %s\n' "$arch" "$*" >&2; exit 1; }

tp="$top/third_party"
work="$tp/dom0-$flavour"
# shellcheck source=qemu/dom0/debs.sh
. "$here/debs.sh"
lock="$top/cmake/third-party.lock"
meta="linux-image-$flavour"
series=$(awk -v m="$meta" '$1 == "dom0" && $2 == m { print $3 }' "$lock")
[ -n "$series" ] || die "no 'dom0 $meta <series>' line in cmake/third-party.lock"
xen_stamp="$tp/xen-hypervisor-4.17-$arch/.fetched"
[ -f "$xen_stamp" ] || die "Xen for $arch is not fetched: run ./hearth setup"
xen_ver=$(cat "$xen_stamp")

# The dom0 userland: busybox, the Xen 4.17 tools and exactly the libraries their ELF files need
# (mkinitramfs.py fails the build naming any soname none of these provides).
XEN_PACKAGES=(xen-utils-4.17 xen-utils-common xenstore-utils libxenmisc4.17 libxenstore4 libxencall1
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxentoollog1 libxendevicemodel1 libxenhypfs1
  libxentoolcore1)
OTHER_PACKAGES=(busybox-static libc6 libgcc-s1 libyajl2 libfdt1 libuuid1 zlib1g libext2fs2 libcom-err2 libtinfo6
  libncurses6)
# Modules to load, in this order (their dependencies are inserted ahead of them; built-ins skipped).
MODULES=xen-evtchn,xen-privcmd,xen-gntdev,xen-gntalloc,xenfs,xen-netback,xen-blkback,virtio_mmio,virtio_net,virtio_blk,failover,net_failover,llc,stp,bridge
extra_modules=${4:-}
[ -n "$extra_modules" ] && MODULES="$MODULES,$extra_modules"

# What the resolution depends on: if any of it changes, resolve and download again.
request="series=$series xen=$xen_ver packages=${XEN_PACKAGES[*]} ${OTHER_PACKAGES[*]}"

resolve() {
  kernel_pin "$meta" "$series"
  local p
  for p in "${XEN_PACKAGES[@]}"; do echo "$p=$xen_ver"; done
  candidate_pins "${OTHER_PACKAGES[@]}"
}

up_to_date() {
  local o
  for o in "$outdir/dom0-kernel" "$outdir/dom0-initramfs.cpio.gz" "$outdir/dom0-versions.txt"; do
    [ -f "$o" ] || return 1
  done
  [ "$(cat "$outdir/dom0-modules.txt" 2>/dev/null)" = "$MODULES" ] || return 1
  # Any input newer than the oldest output means a rebuild.
  [ -z "$(find "$here/build.sh" "$here/debs.sh" "$here/mkinitramfs.py" "$here/rootfs" "$lock" "$stamp" \
          -newer "$outdir/dom0-initramfs.cpio.gz" -print -quit 2>/dev/null)" ] &&
    [ -z "$(find "$stamp" -newer "$outdir/dom0-kernel" -print -quit)" ]
}

mkdir -p "$outdir" "$work"
# One build per flavour at a time (tests may start several boots at once).
exec 9>"$work.lock"
flock 9
if debs_fetched "$request" && up_to_date; then
  exit 0
fi
debs_fetch "$request" resolve
debs_extract

image=$(grep '^linux-image-' "$stamp" | cut -d= -f1)
kver=${image#linux-image-}
[ -f "$work/root/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $image"
log "kernel $kver, Xen tools $xen_ver"
cp "$work/root/boot/vmlinuz-$kver" "$outdir/dom0-kernel.tmp"
mv "$outdir/dom0-kernel.tmp" "$outdir/dom0-kernel"
info=$(printf 'Hearth dom0 (%s): %s\n' "$arch" "$(grep -v '^#' "$stamp" | grep -E '^(linux-image|xen-utils-4.17|busybox-static)=' | tr '\n' ' ')")
python3 "$here/mkinitramfs.py" --root "$work/root" --overlay "$here/rootfs" --triplet "$triplet" \
  --kver "$kver" --xen-bin /usr/lib/xen-4.17/bin --modules "$MODULES" --info "$info
" --out "$outdir/dom0-initramfs.cpio.gz" >&2
grep -v '^#' "$stamp" > "$outdir/dom0-versions.txt"
echo "$MODULES" > "$outdir/dom0-modules.txt"
log "done: $outdir/dom0-kernel ($(stat -c %s "$outdir/dom0-kernel") bytes), dom0-initramfs.cpio.gz ($(stat -c %s "$outdir/dom0-initramfs.cpio.gz") bytes)"
