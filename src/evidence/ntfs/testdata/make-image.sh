#!/bin/sh
# Rebuilds nested.img.xz: a small NTFS volume written by mkntfs and the ntfs-3g FUSE driver (never
# by the reader under test) with the structures the reader must handle. Needs root, /dev/fuse,
# ntfs-3g, attr (setfattr), openssl, xz. Usage: sh make-image.sh [output-dir]
set -eu

OUT_DIR=$(cd "${1:-$(dirname "$0")}" && pwd)
WORK=$(mktemp -d)
IMG="$WORK/nested.img"
MNT="$WORK/mnt"
cleanup() {
  if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Deterministic incompressible bytes: AES-CTR keystream over zeros.
noise() { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
  -iv "$1" </dev/zero 2>/dev/null | head -c "$2"; }
# Deterministic text: "line N\n" for N = 1..count.
lines() { seq -f "line %g" 1 "$1"; }

truncate -s 8M "$IMG"
mkntfs -F -Q -T -s 512 -c 4096 -p 0 -H 255 -S 63 -L NESTED "$IMG" >/dev/null
mkdir "$MNT"
ntfs-3g -o compression "$IMG" "$MNT"

# Deep directories, as on a Windows volume.
mkdir -p "$MNT/Windows/System32/config" "$MNT/a/b/c/d/e/f/g/h/i/j/k/l"
lines 3000 >"$MNT/Windows/System32/config/SYSTEM"
printf 'deep\n' >"$MNT/a/b/c/d/e/f/g/h/i/j/k/l/deep.txt"

# Many files in one directory: the $I30 index needs $INDEX_ALLOCATION and more than one level.
mkdir "$MNT/many"
i=1
while [ $i -le 700 ]; do
  name=$(printf 'a-rather-long-file-name-to-fill-index-records-%04d.txt' $i)
  printf '%d\n' $i >"$MNT/many/$name"
  i=$((i + 1))
done

# Short (8.3) names: a Win32 + DOS name pair on a directory and on a file.
mkdir "$MNT/Program Files"
printf 'long name\n' >"$MNT/Program Files/Long File Name.txt"
setfattr -h -n system.ntfs_dos_name -v 'LONGFI~1.TXT' "$MNT/Program Files/Long File Name.txt"
setfattr -h -n system.ntfs_dos_name -v 'PROGRA~1' "$MNT/Program Files"
printf 'unicode\n' >"$MNT/Ünïcödé Ωmega.txt"

# Hard links: one file under three names in two directories.
mkdir "$MNT/links"
printf 'linked content\n' >"$MNT/links/original.txt"
ln "$MNT/links/original.txt" "$MNT/links/second-name.txt"
ln "$MNT/links/original.txt" "$MNT/hardlink-at-root.txt"

# Many hard links with long names: the $FILE_NAMEs overflow one MFT record ($ATTRIBUTE_LIST).
mkdir "$MNT/manylinks"
printf 'many links\n' >"$MNT/manylinks/target.txt"
i=1
while [ $i -le 40 ]; do
  ln "$MNT/manylinks/target.txt" \
    "$MNT/manylinks/$(printf 'another-name-for-the-same-file-to-overflow-the-record-%02d.txt' $i)"
  i=$((i + 1))
done

# Alternate data streams (named $DATA): a small resident one and a large non-resident one.
mkdir "$MNT/streams"
printf 'main stream\n' >"$MNT/streams/ads.txt"
setfattr -n user.Zone.Identifier -v '[ZoneTransfer]
ZoneId=3
' "$MNT/streams/ads.txt"
setfattr -n user.big -v "0s$(lines 2000 | head -c 20000 | base64 -w0)" "$MNT/streams/ads.txt"

# A sparse file: data at 0 and at 1 MiB + 100, a hole in between, apparent size 2 MiB.
mkdir "$MNT/sparse"
lines 100 >"$MNT/sparse/sparse.bin"
lines 100 | dd of="$MNT/sparse/sparse.bin" bs=1 seek=$((1048576 + 100)) conv=notrunc 2>/dev/null
truncate -s 2M "$MNT/sparse/sparse.bin"

# A sparse file of 300 one-cluster pieces, each followed by a hole: its runlist no longer fits in
# one MFT record, so $DATA continues in extension records behind an $ATTRIBUTE_LIST.
k=0
while [ $k -lt 300 ]; do
  printf 'piece %03d\n' $k |
    dd of="$MNT/sparse/many-runs.bin" bs=4096 seek=$((k * 2)) conv=sync,notrunc 2>/dev/null
  k=$((k + 1))
done

# LZNT1 compression: files created in a directory marked compressed (attribute bit 0x800).
mkdir "$MNT/compressed"
setfattr -h -n system.ntfs_attrib_be -v 0x00000800 "$MNT/compressed"
lines 30000 >"$MNT/compressed/text.txt"
{ lines 20000 | head -c 65536; noise 00000000000000000000000000000001 65536;
  head -c 65536 /dev/zero; lines 20000 | head -c 40000; } >"$MNT/compressed/mixed.bin"

# Fragmentation: fill the free space with one-cluster files, free every other one, then write
# a file that must take the holes.
mkdir "$MNT/frag"
i=1
while printf 'filler %04d\n' $i | dd of="$MNT/frag/fill-$i" bs=4096 conv=sync 2>/dev/null; do
  i=$((i + 1))
done
rm -f "$MNT/frag/fill-$i"
j=1
while [ $j -lt $i ]; do rm "$MNT/frag/fill-$j"; j=$((j + 2)); done
lines 100000 | head -c $(( (i / 2 - 8) * 4096 )) >"$MNT/frag/fragmented.txt"

umount "$MNT"
ntfsls -R "$IMG" >/dev/null
xz -9e -T1 -c "$IMG" >"$OUT_DIR/nested.img.xz"
echo "wrote $OUT_DIR/nested.img.xz ($(wc -c <"$OUT_DIR/nested.img.xz") bytes)"
