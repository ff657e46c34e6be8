# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2154  # top, arch, work: set by the sourcing script
# Shared by qemu/dom0/build.sh and bench/peer/build.sh (sourced): resolves, downloads and extracts a
# set of Debian .debs of one architecture into third_party/<work>/root, recording the versions.
#
# The caller sets: arch (arm64|armhf), work (third_party/<name>), and functions log and die. Then:
#   debs_fetch "<request>" <resolve-function>   resolves (once per request) and downloads
#   debs_extract                                unpacks every recorded package into $work/root
# The resolve function prints one "package=version" a line. $work/.fetched holds "# <request>" and
# those lines, so later builds need no network; a different request resolves again.

dl="$top/third_party/downloads"
stamp="$work/.fetched"

candidate() { apt-cache policy "$1:$arch" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
deb_name() {  # pkg version -> the file name apt-get download writes (the epoch's ':' is %3a)
  echo "${1}_${2/:/%3a}_$arch.deb"
}

# kernel_pin <meta-package> <series>: prints image=version for the versioned image the meta-package
# (whose candidate must be of that series) depends on.
kernel_pin() {
  local meta=$1 series=$2 meta_ver image image_ver
  meta_ver=$(candidate "$meta")
  case "$meta_ver" in "$series".*) ;; *) die "$meta:$arch candidate '$meta_ver' is not of the $series series" ;; esac
  image=$(apt-cache depends "$meta:$arch" | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { sub(/:.*/, "", $2); print $2; exit }')
  [ -n "$image" ] || die "cannot find the kernel image $meta:$arch depends on"
  image_ver=$(candidate "$image")
  [ -n "$image_ver" ] || die "no candidate for $image:$arch"
  echo "$image=$image_ver"
}

# candidate_pins pkg...: pkg=<bookworm candidate> for each.
candidate_pins() {
  local p v
  for p in "$@"; do
    v=$(candidate "$p"); [ -n "$v" ] || die "no candidate for $p:$arch"; echo "$p=$v"
  done
}

download() {  # pkg=version...: downloads what is not in third_party/downloads yet, with retries
  local want=() p
  for p in "$@"; do [ -s "$dl/$(deb_name "${p%%=*}" "${p#*=}")" ] || want+=("${p%%=*}:$arch=${p#*=}"); done
  [ ${#want[@]} -gt 0 ] || return 0
  log "downloading ${#want[@]} package(s)"
  local try
  for try in 1 2 3 4 5; do
    (cd "$dl" && apt-get download -q "${want[@]}" >/dev/null 2>"$work.apt.log") && return 0
    log "apt-get download failed (try $try): $(grep -E '^(E|W):' "$work.apt.log" | head -n 2 | tr '\n' ' ')"
    # A 404 means our indexes are older than the mirror; "unexpected size" is the mirror mid-sync.
    [ "$try" = 2 ] && { apt-get update -q >/dev/null 2>&1 || log "apt-get update reported errors; continuing"; }
    sleep $((try * 2))
    want=()
    for p in "$@"; do [ -s "$dl/$(deb_name "${p%%=*}" "${p#*=}")" ] || want+=("${p%%=*}:$arch=${p#*=}"); done
    [ ${#want[@]} -gt 0 ] || return 0
  done
  die "could not download: ${want[*]} (see $work.apt.log)"
}

debs_fetched() {  # request: true when $work/.fetched records exactly this request
  [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "# $1" ]
}

debs_fetch() {  # request resolve-function
  mkdir -p "$dl" "$work"
  debs_fetched "$1" && return 0
  log "resolving packages ($1)"
  local pins
  pins=$("$2") || die "resolving the packages failed"
  # shellcheck disable=SC2086  # one pin a line, no spaces in pins
  download $pins
  { echo "# $1"; echo "$pins"; } > "$stamp.tmp"
  rm -rf "$work/root"
  mv "$stamp.tmp" "$stamp"
}

debs_extract() {
  # (dpkg-deb -x gives directories the packages' mtimes, hence a stamp file of our own.)
  [ -f "$work/root/.extracted" ] && [ "$work/root/.extracted" -nt "$stamp" ] && return 0
  log "extracting"
  rm -rf "$work/root" "$work/root.tmp" && mkdir -p "$work/root.tmp"
  local line
  while read -r line; do
    case "$line" in '#'*|'') continue ;; esac
    dpkg-deb -x "$dl/$(deb_name "${line%%=*}" "${line#*=}")" "$work/root.tmp"
  done < "$stamp"
  touch "$work/root.tmp/.extracted"
  mv "$work/root.tmp" "$work/root"
}
