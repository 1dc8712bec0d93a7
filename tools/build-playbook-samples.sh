#!/bin/sh
# Rebuilds the playbook samples under examples/playbooks/ from a real SYSTEM hive.
#
# Step 1 (this script): copy ../shared/fixtures/hives/SYSTEM_WIN_10_1709 (Windows 10 1709, from
# mkorman90/regipy's test data; checked by its md5) and change the copy only with Debian's
# `hivexregedit --merge` (package libhivex-bin): no byte of a hive is written by hand. The .reg
# text of each sample is below.
# Step 2 (tests/playbookSamples.test.ts): the TypeScript readers turn each hive (with the sample's
# dump and file facts) into the collect document `plan-repair` takes, and write it when
# VM_RESCUE_UPDATE_SAMPLES=1; otherwise the test checks the committed document equals it.
#
# Usage: sh tools/build-playbook-samples.sh            (both steps)
#        sh tools/build-playbook-samples.sh --hives DIR (step 1 only: write the hives to DIR)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
fixtures=${VM_RESCUE_FIXTURES:-$root/../shared/fixtures}
source_hive=$fixtures/hives/SYSTEM_WIN_10_1709
expected_md5=f2436ba1986423f000aacd794c0609f0

if [ "${1:-}" != "--hives" ]; then
  cd "$root" && VM_RESCUE_UPDATE_SAMPLES=1 npx jest tests/playbookSamples.test.ts
  exit $?
fi
out=${2:?usage: build-playbook-samples.sh --hives DIR}

for tool in hivexregedit hivexget md5sum; do
  command -v "$tool" >/dev/null || { echo "build-playbook-samples: $tool is not installed" >&2; exit 1; }
done
[ -f "$source_hive" ] || { echo "build-playbook-samples: $source_hive not found" >&2; exit 1; }
[ "$(md5sum "$source_hive" | cut -d' ' -f1)" = "$expected_md5" ] ||
  { echo "build-playbook-samples: $source_hive is not the expected hive" >&2; exit 1; }

merge() { # name, .reg text on stdin
  mkdir -p "$out/$1"
  cp "$source_hive" "$out/$1/SYSTEM"
  chmod u+w "$out/$1/SYSTEM"
  cat >"$out/$1/story.reg"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' --encoding UTF-16LE \
    "$out/$1/SYSTEM" "$out/$1/story.reg"
}

# CrowdStrike Falcon 2024-07-19 (guest-drivers-and-incidents.md §4): the sensor's kernel service
# CSAgent, as Falcon installs it; the source machine's pending renames removed (no servicing). The
# machine is an Azure VM: vmbus, storvsc and netvsc boot-start with StartOverride 0 (§2.5), and the
# Azure Windows VM Agent's services RdAgent and WindowsAzureGuestAgent (§1.2: Start 2, ImagePath in
# the versioned folder), so `plan-repair` tells the cloud from the disk.
merge crowdstrike <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\vmbus\StartOverride]
"0"=dword:00000000

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\storvsc\StartOverride]
"0"=dword:00000000

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\netvsc]
"Start"=dword:00000000

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\RdAgent]
"Type"=dword:00000010
"Start"=dword:00000002
"ErrorControl"=dword:00000001
"ImagePath"=str(2):"C:\\WindowsAzure\\Packages_20261120_101236\\WaAppAgent.exe"
"DisplayName"="RdAgent"
"ObjectName"="LocalSystem"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\WindowsAzureGuestAgent]
"Type"=dword:00000010
"Start"=dword:00000002
"ErrorControl"=dword:00000001
"ImagePath"=str(2):"C:\\WindowsAzure\\GuestAgent_2.7.41491.1255_2026-11-20_101236\\WindowsAzureGuestAgent.exe"
"DisplayName"="Windows Azure Guest Agent"
"ObjectName"="LocalSystem"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\CSAgent]
"Type"=dword:00000001
"Start"=dword:00000001
"ErrorControl"=dword:00000001
"Group"="FSFilter Activity Monitor"
"ImagePath"=str(2):"\\SystemRoot\\System32\\drivers\\CrowdStrike\\csagent.sys"
"DisplayName"="CrowdStrike Falcon"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]
"PendingFileRenameOperations"=-
REG
hivexget "$out/crowdstrike/SYSTEM" 'ControlSet001\Services\storvsc\StartOverride' 0 | grep -qx 0
hivexget "$out/crowdstrike/SYSTEM" 'ControlSet001\Services\WindowsAzureGuestAgent' Start | grep -qx 2
hivexget "$out/crowdstrike/SYSTEM" 'ControlSet001\Services\CSAgent' ImagePath |
  grep -qx '\\SystemRoot\\System32\\drivers\\CrowdStrike\\csagent.sys'
# stornvme after a SCSI->NVMe move (guest-drivers-and-incidents.md §2.6): the real hive already
# holds what Windows keeps after SCSI boots, Services\stornvme\StartOverride "0"=3; only the
# source machine's pending renames are removed.
merge stornvme <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]
"PendingFileRenameOperations"=-
REG
hivexget "$out/stornvme/SYSTEM" 'ControlSet001\Services\stornvme\StartOverride' 0 | grep -qx 3

# ACPI\MSFT1000 on Windows Server 2012 R2 (guest-drivers-and-incidents.md §5.1): the device keys
# the VM's Hyper-V host gave it before the host update renamed them (VMBus,
# Hyper_V_Gen_Counter_V1), and no MSFT1000 / MSFT1002.
merge acpi-msft1000 <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\ACPI\VMBus]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\ACPI\VMBus\0]
"HardwareID"=hex(7):41,00,43,00,50,00,49,00,5c,00,56,00,4d,00,42,00,75,00,73,00,00,00,2a,00,56,00,4d,00,42,00,75,00,73,00,00,00,00,00
"Service"="vmbus"
"DeviceDesc"="@machine.inf,%acpi\\vmbus.devicedesc%;Virtual Machine Bus"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\ACPI\Hyper_V_Gen_Counter_V1]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\ACPI\Hyper_V_Gen_Counter_V1\0]
"HardwareID"=hex(7):41,00,43,00,50,00,49,00,5c,00,48,00,79,00,70,00,65,00,72,00,5f,00,56,00,5f,00,47,00,65,00,6e,00,5f,00,43,00,6f,00,75,00,6e,00,74,00,65,00,72,00,5f,00,56,00,31,00,00,00,00,00
"Service"="gencounter"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]
"PendingFileRenameOperations"=-
REG
hivexget "$out/acpi-msft1000/SYSTEM" 'ControlSet001\Enum\ACPI\VMBus\0' Service | grep -qx vmbus
echo "wrote the sample hives under $out"
