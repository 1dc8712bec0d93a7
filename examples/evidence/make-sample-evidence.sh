#!/bin/sh
# Builds examples/evidence/SYSTEM.xz, the sample story's SYSTEM hive, from a real one: a copy of
# ../shared/fixtures/hives/SYSTEM_WIN_10_1709 (Windows 10 1709) changed only by
# `hivexregedit --merge` (Debian's hivex; no byte of the hive is written by hand), then xz.
#
# The changes make the real hive tell the story of examples/collect-output.json: the driver the
# sample dump examples/112926-9218-01.dmp crashes in, cxnetmon.sys, is installed as the kernel
# service cxnetmon (values as that document and its setupapi.dev.log record them), and the
# PendingFileRenameOperations the source machine left behind is removed, since the story has no
# pending servicing; the StartOverride keys that turn the Hyper-V bus and storage drivers off on
# the source machine (not a Hyper-V guest) are removed, since the story's VM booted on Azure before
# the driver came. The SOFTWARE hive (the story's OS) is made the same way from the real BCD store.
# See README.md beside this script.
#
# Usage: sh examples/evidence/make-sample-evidence.sh [FIXTURES_DIR]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fixtures=${1:-$here/../../../shared/fixtures}
source_hive=$fixtures/hives/SYSTEM_WIN_10_1709
expected_md5=f2436ba1986423f000aacd794c0609f0

for tool in hivexregedit hivexget xz md5sum; do
  command -v "$tool" >/dev/null || { echo "make-sample-evidence: $tool is not installed" >&2; exit 1; }
done
[ -f "$source_hive" ] || { echo "make-sample-evidence: $source_hive not found" >&2; exit 1; }
actual_md5=$(md5sum "$source_hive" | cut -d' ' -f1)
if [ "$actual_md5" != "$expected_md5" ]; then
  echo "make-sample-evidence: $source_hive has md5 $actual_md5, expected $expected_md5" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$source_hive" "$work/SYSTEM"
chmod u+w "$work/SYSTEM"

# Select\Default of the source hive is 1: the next boot reads ControlSet001.
cat >"$work/story.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\cxnetmon]
"Type"=dword:00000001
"Start"=dword:00000001
"ErrorControl"=dword:00000001
"Group"="NDIS"
"ImagePath"=str(2):"\\SystemRoot\\System32\\drivers\\cxnetmon.sys"
"DisplayName"="Contoso Network Monitor"
"Owners"=hex(7):6f,00,65,00,6d,00,34,00,32,00,2e,00,69,00,6e,00,66,00,00,00,00,00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]
"PendingFileRenameOperations"=-

[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\vmbus\StartOverride]

[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\storvsc\StartOverride]
REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' --encoding UTF-16LE \
  "$work/SYSTEM" "$work/story.reg"

# The merge took: the service reads back, the pending renames are gone.
hivexget "$work/SYSTEM" 'ControlSet001\Services\cxnetmon' ImagePath |
  grep -qx '\\SystemRoot\\System32\\drivers\\cxnetmon.sys'
for svc in vmbus storvsc; do
  if printf 'cd ControlSet001\\Services\\%s\\StartOverride\n' "$svc" | hivexsh "$work/SYSTEM" >/dev/null 2>&1; then
    echo "make-sample-evidence: $svc still has a StartOverride" >&2
    exit 1
  fi
done
if hivexget "$work/SYSTEM" 'ControlSet001\Control\Session Manager' PendingFileRenameOperations \
  >/dev/null 2>&1; then
  echo "make-sample-evidence: PendingFileRenameOperations is still there" >&2
  exit 1
fi

xz -9e --keep --stdout "$work/SYSTEM" >"$here/SYSTEM.xz"
echo "wrote $here/SYSTEM.xz ($(wc -c <"$here/SYSTEM.xz") bytes; hive $(wc -c <"$work/SYSTEM") bytes)"

# The same story on EC2 (the simulated AWS rescue, m5.large: a Nitro type): the copy above with the
# AWS ENA and NVMe drivers installed as boot-start kernel services, as the AWS driver packages
# install them, so the guest-driver check finds what a Nitro instance needs.
cp "$work/SYSTEM" "$work/SYSTEM-aws"
cat >"$work/aws.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\ena]
"Type"=dword:00000001
"Start"=dword:00000003
"ErrorControl"=dword:00000001
"Group"="NDIS"
"ImagePath"=str(2):"\\SystemRoot\\System32\\drivers\\ena.sys"
"DisplayName"="Amazon Elastic Network Adapter"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\AWSNVMe]
"Type"=dword:00000001
"Start"=dword:00000000
"ErrorControl"=dword:00000001
"Group"="SCSI miniport"
"ImagePath"=str(2):"\\SystemRoot\\System32\\drivers\\AWSNVMe.sys"
"DisplayName"="AWS NVMe Elastic Block Storage Adapter"
REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' --encoding UTF-16LE \
  "$work/SYSTEM-aws" "$work/aws.reg"
hivexget "$work/SYSTEM-aws" 'ControlSet001\Services\AWSNVMe' Start | grep -qx 0
xz -9e --keep --stdout "$work/SYSTEM-aws" >"$here/SYSTEM-aws.xz"
echo "wrote $here/SYSTEM-aws.xz ($(wc -c <"$here/SYSTEM-aws.xz") bytes)"

# The SOFTWARE hive: the story's OS (collect-output.json's "os") in a copy of the real BCD store of
# the fixtures (a small regf Windows wrote), changed only by hivexregedit --merge. Keys are created
# parents first: hivexregedit creates a key only under an existing one.
source_bcd=$fixtures/hives/BCD
expected_bcd_md5=2b50f3d6d6c974ebc3fd0a07b29793ad
[ -f "$source_bcd" ] || { echo "make-sample-evidence: $source_bcd not found" >&2; exit 1; }
actual_md5=$(md5sum "$source_bcd" | cut -d' ' -f1)
if [ "$actual_md5" != "$expected_bcd_md5" ]; then
  echo "make-sample-evidence: $source_bcd has md5 $actual_md5, expected $expected_bcd_md5" >&2
  exit 1
fi
cp "$source_bcd" "$work/SOFTWARE"
chmod u+w "$work/SOFTWARE"
cat >"$work/software.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft]

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT]

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"ProductName"="Windows Server 2019 Datacenter"
"CurrentBuildNumber"="17763"
"UBR"=dword:0000190e
"InstallationType"="Server"
"EditionID"="ServerDatacenter"
REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' --encoding UTF-16LE \
  "$work/SOFTWARE" "$work/software.reg"
hivexget "$work/SOFTWARE" 'Microsoft\Windows NT\CurrentVersion' CurrentBuildNumber | grep -qx 17763
cp "$work/SOFTWARE" "$here/SOFTWARE"
echo "wrote $here/SOFTWARE ($(wc -c <"$here/SOFTWARE") bytes)"
