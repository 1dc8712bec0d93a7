#!/bin/sh
# Builds examples/snapshot/disk.img.gz, the bytes of the simulated backup snapshot that
# `rescue --simulate` diagnoses directly: one NTFS volume (a whole-disk volume, no partition table)
# made by mkntfs and filled through the ntfs-3g FUSE driver (ntfscp cannot create folders), never
# by the reader that diagnoses it. It holds the sample story's evidence, so that the diagnosis from
# the snapshot and the simulated collect speak of the same crash:
#
#   \Windows\System32\config\SYSTEM      examples/evidence/SYSTEM.xz decompressed (the real
#                                        Windows 10 1709 hive changed by hivexregedit)
#   \Windows\System32\config\SOFTWARE    examples/evidence/SOFTWARE (the story's OS)
#   \Windows\Minidump\112926-9218-01.dmp examples/112926-9218-01.dmp (the sample minidump)
#   \Windows\INF\setupapi.dev.log        the log text examples/collect-output.json carries
#   \Boot\BCD                            the real BCD of the shared fixtures (hives/BCD)
#
# The dump's write time is the story's crash time, as Windows leaves it.
#
# The volume is compressed with gzip -9 -n, which Node reads without any package. Needs root,
# /dev/fuse, mkntfs, ntfs-3g, ntfsls, xz, gzip.
# Usage: sh tools/make-sample-snapshot.sh [FIXTURES_DIR]
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${1:-$repo/../shared/fixtures}
out=$repo/examples/snapshot/disk.img.gz
for tool in mkntfs ntfs-3g ntfsls xz gzip truncate node; do
  command -v "$tool" >/dev/null || { echo "make-sample-snapshot: $tool is not installed" >&2; exit 1; }
done
[ -f "$fixtures/hives/BCD" ] || { echo "make-sample-snapshot: $fixtures/hives/BCD not found" >&2; exit 1; }

work=$(mktemp -d)
img=$work/disk.img
mnt=$work/mnt
cleanup() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt"; fi
  rm -rf "$work"
}
trap cleanup EXIT

truncate -s 24M "$img"
mkntfs -F -Q -s 512 -c 4096 -p 0 -H 255 -S 63 -L Windows "$img" >/dev/null 2>&1
mkdir "$mnt"
ntfs-3g "$img" "$mnt"
mkdir -p "$mnt/Windows/System32/config" "$mnt/Windows/Minidump" "$mnt/Windows/INF" "$mnt/Boot"
xz -dc "$repo/examples/evidence/SYSTEM.xz" >"$mnt/Windows/System32/config/SYSTEM"
cp "$repo/examples/evidence/SOFTWARE" "$mnt/Windows/System32/config/SOFTWARE"
cp "$repo/examples/112926-9218-01.dmp" "$mnt/Windows/Minidump/112926-9218-01.dmp"
touch -d 2026-11-29T06:12:44Z "$mnt/Windows/Minidump/112926-9218-01.dmp"
node -e 'process.stdout.write(require(process.argv[1]).setupApiLog.text)' \
  "$repo/examples/collect-output.json" >"$mnt/Windows/INF/setupapi.dev.log"
cp "$fixtures/hives/BCD" "$mnt/Boot/BCD"
umount "$mnt"
ntfsls -R "$img" >/dev/null
mkdir -p "$(dirname "$out")"
gzip -9 -n -c "$img" >"$out"
echo "wrote $out ($(wc -c <"$out") bytes)"
