#!/bin/bash
# SPDX-License-Identifier: ISC
# Fetches the pinned Debian inputs listed in cmake/third-party.lock into third_party/ (idempotent).
#
# Source packages: apt verifies every downloaded file against the signed Sources index; we unpack the
# upstream tarball (orig) because the mirror may lack a Debian revision's .dsc while still serving it.
# Binary packages (ARM Xen, the boards' U-Boot): `apt-get download pkg:arch`, unpacked with dpkg-deb -x; nothing ARM is
# installed on the host.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tp="$top/third_party"
mkdir -p "$tp/downloads"

fetch_source() {   # name upstream-version
  local name=$1 ver=$2 dest="$tp/$1-$2"
  [ -f "$dest/.fetched" ] && return 0
  echo "third_party: fetching source $name $ver"
  local full
  full=$(apt-cache showsrc "$name" | awk -v v="$ver" '/^Version:/ { s = $2; sub(/^[0-9]+:/, "", s);
         if (index(s, v "-") == 1 || s == v) print $2 }' | head -n 1)
  [ -n "$full" ] || { echo "third_party: no source package $name $ver in the apt indexes" >&2; return 1; }
  (cd "$tp/downloads" && for try in 1 2 3; do
     apt-get source -q --download-only "$name=$full" >/dev/null 2>&1 && break
     ls ./"${name}_${ver}".orig.tar.* >/dev/null 2>&1 && break
     sleep 2
   done)
  local orig
  orig=$(ls "$tp/downloads/${name}_${ver}".orig.tar.* 2>/dev/null | head -n 1)
  [ -n "$orig" ] || { echo "third_party: could not download $name $full" >&2; return 1; }
  rm -rf "$dest" "$dest.tmp" && mkdir -p "$dest.tmp"
  tar -xf "$orig" -C "$dest.tmp" --strip-components=1
  echo "$full" > "$dest.tmp/.fetched"
  mv "$dest.tmp" "$dest"
}

fetch_binary() {   # package arch series
  local pkg=$1 arch=$2 series=$3 dest="$tp/$1"
  [ -f "$dest/.fetched" ] && return 0
  echo "third_party: fetching $pkg:$arch ($series series)"
  local ver
  ver=$(apt-cache policy "$pkg:$arch" | awk '/Candidate:/ { print $2 }')
  case "$ver" in "$series"*) ;; *) echo "third_party: $pkg:$arch candidate '$ver' is not $series" >&2; return 1;; esac
  (cd "$tp/downloads" && for try in 1 2 3; do apt-get download -q "$pkg:$arch=$ver" >/dev/null 2>&1 && break; sleep 2; done)
  local deb
  deb=$(ls "$tp/downloads/${pkg}_"*"_$arch.deb" 2>/dev/null | head -n 1)
  [ -n "$deb" ] || { echo "third_party: could not download $pkg:$arch" >&2; return 1; }
  rm -rf "$dest" && mkdir -p "$dest"
  dpkg-deb -x "$deb" "$dest"
  echo "$ver" > "$dest/.fetched"
}

grep -v '^#' "$top/cmake/third-party.lock" | while read -r kind name ver _; do
  [ -n "$kind" ] || continue
  case "$kind" in
    source) fetch_source "$name" "$ver" ;;
    binary)   # name:arch, or a name ending in its arch (xen-hypervisor-4.17-arm64)
      case "$name" in
        *:*) fetch_binary "${name%%:*}" "${name#*:}" "$ver" ;;
        *) fetch_binary "$name" "${name##*-}" "$ver" ;;
      esac ;;
  esac
done
