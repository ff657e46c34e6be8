#!/bin/sh
# SPDX-License-Identifier: ISC
# Derives deb-src entries (bookworm + trixie sources) from the machine's own Debian apt sources.
#
# Only *source* indexes are added: trixie binary indexes would let trixie's arch:all packages win over
# bookworm's (see shared/notes/xen-on-qemu.md). Prints the path it wrote, or nothing if already there.
set -eu
out=/etc/apt/sources.list.d/hearth-src.sources
[ -f "$out" ] && exit 0

# Collect "URI<TAB>Signed-By" of every Debian main archive (one whose suites include bookworm).
uris=$(
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS="";FS="\n"}
      { types=""; uris=""; suites=""; key="";
        for (i = 1; i <= NF; i++) {
          split($i, kv, ":[ \t]*");
          k = kv[1]; v = substr($i, length(k) + 2); sub(/^[ \t]+/, "", v);
          if (k == "Types") types = v; else if (k == "URIs") uris = v;
          else if (k == "Suites") suites = v; else if (k == "Signed-By") key = v;
        }
        if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/) {
          n = split(uris, u, " "); for (j = 1; j <= n; j++) print u[j] "\t" key;
        }
      }' "$f"
  done
  if [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" && $0 ~ / bookworm / {
           uri = ""; for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { uri = $i; break }
           if (uri != "") print uri "\t" }' /etc/apt/sources.list
  fi
)
[ -n "$uris" ] || { echo "apt-sources: no Debian bookworm entry found in the apt configuration" >&2; exit 1; }

echo "$uris" | sort -u | while IFS="$(printf '\t')" read -r uri key; do
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm trixie\nComponents: main\n' "$uri"
  [ -n "$key" ] && printf 'Signed-By: %s\n' "$key"
  printf '\n'
done > "$out"
echo "$out"
