<#
.SYNOPSIS
    vm-rescue repair: executes a validated repair plan against the offline Windows installation on
    the attached disk and prints one RepairResult JSON document (src/collect/contract.ts).
.NOTES
    The plan is decided in TypeScript (planner/); this script only executes it, in the given order,
    and stops at the first failed action (the rest are reported as skipped). Every registry or BCD
    change first records what it replaces in the action's "undo" list. Running it twice is safe.
    List parameters accept an array or one comma-separated string (Run Command passes strings).
#>
[CmdletBinding()]
param(
    # Actions in plan order.
    [Parameter(Mandatory = $true)]
    [ValidateCount(1, 32)]
    [ValidatePattern('^(?:DisableDriver|QuarantineDriverFile|RemoveDriverPackage|SetSafeBoot|ClearSafeBoot|CleanBoot|UndoCleanBoot|SfcOffline|DismRestoreHealth|Chkdsk|RevertPendingActions|RestoreLastKnownGood|EnableEms|EnableCrashDump)(?:,(?:DisableDriver|QuarantineDriverFile|RemoveDriverPackage|SetSafeBoot|ClearSafeBoot|CleanBoot|UndoCleanBoot|SfcOffline|DismRestoreHealth|Chkdsk|RevertPendingActions|RestoreLastKnownGood|EnableEms|EnableCrashDump)){0,31}\z')]
    [string[]]$Actions,
    # Service key name for DisableDriver.
    [ValidatePattern('^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}\z')]
    [string]$DriverService,
    # File for QuarantineDriverFile, relative to the offline Windows folder, e.g. System32\drivers\contoso.sys.
    [ValidateLength(1, 240)]
    [ValidatePattern('^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\\){0,8}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\z')]
    [string]$DriverFilePath,
    # Published name of the third-party driver package for RemoveDriverPackage.
    [ValidatePattern('^oem[0-9]{1,4}\.inf\z')]
    [string]$PublishedInf,
    [ValidateSet('minimal', 'network')]
    [string]$SafeBootMode = 'minimal',
    [ValidateSet('small', 'kernel', 'automatic')]
    [string]$CrashDumpKind = 'automatic',
    # Services CleanBoot disables (chosen by the planner).
    [ValidateCount(0, 512)]
    [ValidatePattern('^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}(?:,[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}){0,511}\z')]
    [string[]]$CleanBootServices = @(),
    # Boot-critical services (planner-supplied list) that are never disabled unless -ForceBootCritical.
    [ValidateCount(0, 512)]
    [ValidatePattern('^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}(?:,[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}){0,511}\z')]
    [string[]]$ProtectedServices = @(),
    # Disk number of the attached copy (Get-Disk); -1 = find it (never the helper's own system disk).
    [ValidateRange(-1, 1023)]
    [int]$DiskNumber = -1,
    # A partition without a drive letter gets a temporary one to look for Windows only when larger than this.
    [ValidateRange(0, 2147483647)]
    [int]$MinWindowsPartitionBytes = 1073741824,
    # Where the full result is written on the helper (not on the attached disk).
    [ValidateLength(8, 200)]
    [ValidatePattern('^[A-Za-z]:\\(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\\){0,8}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\.json\z')]
    [string]$OutputPath = 'C:\vm-rescue\repair-result.json',
    # Where to PUT the SYSTEM hive and the BCD store after the repair, for the check before the
    # swap: a JSON object of name (SYSTEM, BCD) -> https URL. Not given: nothing is shipped back.
    [ValidateLength(16, 65536)]
    [ValidatePattern('^\{"[A-Za-z0-9._-]{1,32}":"https://[A-Za-z0-9/?&=%._~+:@!-]+"(?:,"[A-Za-z0-9._-]{1,32}":"https://[A-Za-z0-9/?&=%._~+:@!-]+")*\}\z')]
    [string]$UploadUrls = '',
    # How the PUT is made: AzureBlob adds the x-ms-blob-type header a block blob needs.
    [ValidateSet('None', 'AzureBlob', 'S3')][string]$UploadKind = 'None',
    [switch]$ForceBootCritical,
    [switch]$DryRun
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'common.ps1')

$ScriptVersion = '1.2.0'
$QuarantineFolder = 'VmRescue\Quarantine'
$CleanBootStateFile = 'VmRescue\cleanboot-state.json'
$ActionList = @($Actions | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$CleanBootList = @($CleanBootServices | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$ProtectedList = @($ProtectedServices | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$ScratchDir = Join-Path $env:TEMP 'vm-rescue-scratch'

# Filled once the target is open.
$Ctx = [pscustomobject]@{ Root = ''; Drive = ''; SystemKey = ''; ControlSet = 0; ControlSetKey = ''; Store = $null; StoreLabel = ''; Entry = $null }

function New-ActionResult {
    param([string]$Name)
    return [pscustomobject]@{ action = $Name; status = 'succeeded'; message = ''; startedAtUtc = Get-UtcNow; endedAtUtc = ''; exitCode = $null; undo = New-Object System.Collections.ArrayList; changes = New-Object System.Collections.ArrayList }
}

function Get-HiveRelativeKey {
    param([string]$Key)
    return ($Key -replace '^HKLM\\VMR_SYSTEM_[0-9]+_[0-9a-f]+', 'SYSTEM')
}

function Set-OfflineRegValue {
    # Sets one value unless it already holds the data; records the previous value first.
    param(
        [Parameter(Mandatory = $true)][string]$Key,
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)][ValidateSet('DWord', 'String', 'ExpandString')][string]$Type,
        [Parameter(Mandatory = $true)]$Data,
        [Parameter(Mandatory = $true)]$Result
    )
    $previous = Get-RegValueRecord -Key $Key -Name $Name
    if ($null -ne $previous -and $previous.type -eq $Type -and [string]$previous.data -eq [string]$Data) { return }
    $label = '{0}\{1}={2}' -f (Get-HiveRelativeKey $Key), $Name, $Data
    [void]$Result.changes.Add($label)
    if ($DryRun) { return }
    if (-not (Test-Path -LiteralPath ('Registry::' + $Key))) { throw ('Registry key not found: {0}' -f (Get-HiveRelativeKey $Key)) }
    [void]$Result.undo.Add([ordered]@{ kind = 'registry'; key = (Get-HiveRelativeKey $Key); valueName = $Name; previous = $previous })
    New-ItemProperty -LiteralPath ('Registry::' + $Key) -Name $Name -PropertyType $Type -Value $Data -Force | Out-Null
}

function Set-BcdValue {
    # bcdedit /set (or /deletevalue when Value is empty) on one entry, previous value recorded first.
    param(
        [Parameter(Mandatory = $true)][string]$Entry,
        [Parameter(Mandatory = $true)][string]$Element,
        [AllowEmptyString()][string]$Value,
        [Parameter(Mandatory = $true)]$Result
    )
    if (-not $Ctx.Store) { throw 'No BCD store was found on the attached disk.' }
    $elements = Get-BcdEntryElements -Store $Ctx.Store -Entry $Entry
    $previous = $(if ($elements.ContainsKey($Element)) { [string]$elements[$Element] } else { $null })
    if ($Value -eq '' -and $null -eq $previous) { return }
    if ($Value -ne '' -and $null -ne $previous -and $previous -eq $Value) { return }
    if ($Value -ne '' -and $null -ne $previous -and ($previous -match '^(?i:yes)$') -and ($Value -match '^(?i:on|yes)$')) { return }
    [void]$Result.changes.Add(('{0} {1} {2}' -f $Entry, $Element, $(if ($Value -eq '') { '(deleted)' } else { $Value })))
    if ($DryRun) { return }
    [void]$Result.undo.Add([ordered]@{ kind = 'bcd'; store = $Ctx.StoreLabel; entry = $Entry; element = $Element; previous = $previous })
    if ($Value -eq '') {
        $out = & bcdedit.exe /store $Ctx.Store /deletevalue $Entry $Element
        Assert-ExitCode -Tool 'bcdedit.exe /deletevalue' -ExitCode $LASTEXITCODE -Output $out
    } else {
        $out = & bcdedit.exe /store $Ctx.Store /set $Entry $Element $Value
        Assert-ExitCode -Tool 'bcdedit.exe /set' -ExitCode $LASTEXITCODE -Output $out
    }
}

function Test-Protected {
    param([string]$Service)
    return (-not $ForceBootCritical) -and ($ProtectedList -contains $Service)
}

function Invoke-DisableDriver {
    param($Result)
    if (-not $DriverService) { throw 'DisableDriver needs -DriverService.' }
    if (Test-Protected $DriverService) { throw ('{0} is boot-critical (protected list); not disabled without -ForceBootCritical.' -f $DriverService) }
    $key = '{0}\Services\{1}' -f $Ctx.ControlSetKey, $DriverService
    if (-not (Test-Path -LiteralPath ('Registry::' + $key))) { throw ('Service {0} not found in ControlSet{1:000}.' -f $DriverService, $Ctx.ControlSet) }
    Set-OfflineRegValue -Key $key -Name 'Start' -Type 'DWord' -Data 4 -Result $Result
    $Result.message = 'Start=4 for {0} in ControlSet{1:000} (Select\Current)' -f $DriverService, $Ctx.ControlSet
}

function Invoke-QuarantineDriverFile {
    param($Result)
    if (-not $DriverFilePath) { throw 'QuarantineDriverFile needs -DriverFilePath.' }
    $relative = 'Windows\' + $DriverFilePath
    $source = Join-Path $Ctx.Root $relative
    $destRelative = Join-Path $QuarantineFolder $relative
    $dest = Join-Path $Ctx.Root $destRelative
    if (-not (Test-Path -LiteralPath $source -PathType Leaf)) {
        $Result.status = 'skipped'
        $Result.message = $(if (Test-Path -LiteralPath $dest) { 'Already quarantined: {0}' -f $destRelative } else { 'Not present: {0}' -f $relative })
        return
    }
    if (Test-Path -LiteralPath $dest) {
        $destRelative = '{0}.{1}' -f $destRelative, ([datetime]::UtcNow.ToString('yyyyMMddHHmmss'))
        $dest = Join-Path $Ctx.Root $destRelative
    }
    [void]$Result.changes.Add(('move {0} -> {1}' -f $relative, $destRelative))
    $Result.message = 'Moved {0} to {1} (same volume)' -f $relative, $destRelative
    if ($DryRun) { return }
    New-Item -ItemType Directory -Path (Split-Path -Parent $dest) -Force | Out-Null
    [void]$Result.undo.Add([ordered]@{ kind = 'file'; from = $relative; to = $destRelative })
    Move-Item -LiteralPath $source -Destination $dest
}

function Invoke-RemoveDriverPackage {
    param($Result)
    if (-not $PublishedInf) { throw 'RemoveDriverPackage needs -PublishedInf.' }
    $inf = Join-Path $Ctx.Root ('Windows\INF\' + $PublishedInf)
    if (-not (Test-Path -LiteralPath $inf)) { $Result.status = 'skipped'; $Result.message = ('{0} is not installed in the offline image.' -f $PublishedInf); return }
    [void]$Result.changes.Add(('dism /Remove-Driver /Driver:{0}' -f $PublishedInf))
    $Result.message = 'Removed driver package {0} from the offline image' -f $PublishedInf
    if ($DryRun) { return }
    [void]$Result.undo.Add([ordered]@{ kind = 'note'; text = ('Driver package {0} was removed from the driver store; reinstall it from its original INF to undo.' -f $PublishedInf) })
    $out = & dism.exe ('/Image:' + $Ctx.Root) ('/ScratchDir:' + $ScratchDir) /Remove-Driver ('/Driver:' + $PublishedInf)
    $Result.exitCode = $LASTEXITCODE
    Assert-ExitCode -Tool 'dism.exe /Remove-Driver' -ExitCode $Result.exitCode -Allowed @(0, 3010) -Output $out
}

function Invoke-CleanBoot {
    param($Result)
    $refused = @($CleanBootList | Where-Object { Test-Protected $_ })
    if ($refused.Count -gt 0) { throw ('CleanBoot refused for boot-critical services: {0}' -f ($refused -join ', ')) }
    $statePath = Join-Path $Ctx.Root $CleanBootStateFile
    $state = [ordered]@{}
    if (Test-Path -LiteralPath $statePath) {
        $saved = Get-Content -LiteralPath $statePath -Raw | ConvertFrom-Json
        foreach ($p in $saved.PSObject.Properties) { $state[$p.Name] = $p.Value }
    }
    $missing = @()
    foreach ($service in $CleanBootList) {
        $key = '{0}\Services\{1}' -f $Ctx.ControlSetKey, $service
        if (-not (Test-Path -LiteralPath ('Registry::' + $key))) { $missing += $service; continue }
        # A second run must not record the 4 it wrote itself as the previous value.
        if (-not $state.Contains($service)) { $state[$service] = Get-RegValue -Key $key -Name 'Start' }
        Set-OfflineRegValue -Key $key -Name 'Start' -Type 'DWord' -Data 4 -Result $Result
    }
    $Result.message = 'Start=4 for {0} services in ControlSet{1:000}; previous values in {2}' -f ($CleanBootList.Count - $missing.Count), $Ctx.ControlSet, $CleanBootStateFile
    if ($missing.Count -gt 0) { $Result.message += ('; not present: ' + ($missing -join ', ')) }
    if ($DryRun) { return }
    New-Item -ItemType Directory -Path (Split-Path -Parent $statePath) -Force | Out-Null
    [System.IO.File]::WriteAllText($statePath, (ConvertTo-Json -InputObject $state -Compress), (New-Object System.Text.UTF8Encoding($false)))
}

function Invoke-UndoCleanBoot {
    param($Result)
    $statePath = Join-Path $Ctx.Root $CleanBootStateFile
    if (-not (Test-Path -LiteralPath $statePath)) { $Result.status = 'skipped'; $Result.message = 'No clean boot state on the disk.'; return }
    $saved = Get-Content -LiteralPath $statePath -Raw | ConvertFrom-Json
    $count = 0
    foreach ($p in $saved.PSObject.Properties) {
        if ($null -eq $p.Value) { continue }
        $key = '{0}\Services\{1}' -f $Ctx.ControlSetKey, $p.Name
        if (-not (Test-Path -LiteralPath ('Registry::' + $key))) { continue }
        Set-OfflineRegValue -Key $key -Name 'Start' -Type 'DWord' -Data ([int]$p.Value) -Result $Result
        $count++
    }
    $Result.message = 'Restored Start of {0} services in ControlSet{1:000}' -f $count, $Ctx.ControlSet
    if ($DryRun) { return }
    Move-Item -LiteralPath $statePath -Destination ('{0}.undone-{1}' -f $statePath, [datetime]::UtcNow.ToString('yyyyMMddHHmmss'))
}

function Invoke-SfcOffline {
    param($Result)
    $Result.message = 'sfc /scannow offline on {0}' -f $Ctx.Drive
    if ($DryRun) { [void]$Result.changes.Add($Result.message); return }
    [void]$Result.undo.Add([ordered]@{ kind = 'note'; text = 'System file repairs by sfc cannot be undone individually.' })
    $out = & sfc.exe /scannow ('/offbootdir=' + $Ctx.Root) ('/offwindir=' + (Join-Path $Ctx.Root 'Windows'))
    $Result.exitCode = $LASTEXITCODE
    Assert-ExitCode -Tool 'sfc.exe /scannow' -ExitCode $Result.exitCode -Output $out
}

function Invoke-DismRestoreHealth {
    param($Result)
    $Result.message = 'dism /Cleanup-Image /RestoreHealth on the offline image {0}' -f $Ctx.Root
    if ($DryRun) { [void]$Result.changes.Add($Result.message); return }
    New-Item -ItemType Directory -Path $ScratchDir -Force | Out-Null
    [void]$Result.undo.Add([ordered]@{ kind = 'note'; text = 'Component store repairs by DISM cannot be undone.' })
    $out = & dism.exe ('/Image:' + $Ctx.Root) ('/ScratchDir:' + $ScratchDir) /Cleanup-Image /RestoreHealth ('/Source:' + (Join-Path $Ctx.Root 'Windows\WinSxS')) /LimitAccess
    $Result.exitCode = $LASTEXITCODE
    Assert-ExitCode -Tool 'dism.exe /RestoreHealth' -ExitCode $Result.exitCode -Allowed @(0, 3010) -Output $out
}

function Invoke-Chkdsk {
    param($Result)
    $Result.message = 'chkdsk {0} /f (attached volume only)' -f $Ctx.Drive
    if ($DryRun) { [void]$Result.changes.Add($Result.message); return }
    [void]$Result.undo.Add([ordered]@{ kind = 'note'; text = 'File system repairs by chkdsk cannot be undone.' })
    $out = & chkdsk.exe $Ctx.Drive /f /x
    $Result.exitCode = $LASTEXITCODE
    Assert-ExitCode -Tool 'chkdsk.exe' -ExitCode $Result.exitCode -Allowed @(0, 1, 2) -Output $out
}

function Invoke-RevertPendingActions {
    param($Result)
    if (-not (Test-Path -LiteralPath (Join-Path $Ctx.Root 'Windows\WinSxS\pending.xml'))) { $Result.status = 'skipped'; $Result.message = 'No pending.xml: nothing to revert.'; return }
    $Result.message = 'dism /Cleanup-Image /RevertPendingActions on {0}' -f $Ctx.Root
    if ($DryRun) { [void]$Result.changes.Add($Result.message); return }
    New-Item -ItemType Directory -Path $ScratchDir -Force | Out-Null
    [void]$Result.undo.Add([ordered]@{ kind = 'note'; text = 'Reverted pending servicing actions cannot be re-applied; install the updates again.' })
    $out = & dism.exe ('/Image:' + $Ctx.Root) ('/ScratchDir:' + $ScratchDir) /Cleanup-Image /RevertPendingActions
    $Result.exitCode = $LASTEXITCODE
    Assert-ExitCode -Tool 'dism.exe /RevertPendingActions' -ExitCode $Result.exitCode -Allowed @(0, 3010) -Output $out
}

function Invoke-RestoreLastKnownGood {
    param($Result)
    $select = $Ctx.SystemKey + '\Select'
    $lkg = Get-RegValue -Key $select -Name 'LastKnownGood'
    if ($null -eq $lkg) { throw 'SYSTEM\Select has no LastKnownGood value.' }
    if ([int]$lkg -eq $Ctx.ControlSet) { $Result.status = 'skipped'; $Result.message = ('Current already equals LastKnownGood (ControlSet{0:000}).' -f [int]$lkg); return }
    if (-not (Test-Path -LiteralPath ('Registry::{0}\ControlSet{1:000}' -f $Ctx.SystemKey, [int]$lkg))) { throw ('ControlSet{0:000} (LastKnownGood) does not exist.' -f [int]$lkg) }
    Set-OfflineRegValue -Key $select -Name 'Failed' -Type 'DWord' -Data $Ctx.ControlSet -Result $Result
    Set-OfflineRegValue -Key $select -Name 'Current' -Type 'DWord' -Data ([int]$lkg) -Result $Result
    Set-OfflineRegValue -Key $select -Name 'Default' -Type 'DWord' -Data ([int]$lkg) -Result $Result
    $Result.message = 'Select\Current and Default = {0} (LastKnownGood), Failed = {1}' -f [int]$lkg, $Ctx.ControlSet
}

function Invoke-EnableEms {
    param($Result)
    if (-not $Ctx.Entry) { throw 'No default boot entry in the BCD store.' }
    Set-BcdValue -Entry $Ctx.Entry -Element 'ems' -Value 'on' -Result $Result
    Set-BcdValue -Entry '{bootmgr}' -Element 'bootems' -Value 'on' -Result $Result
    $settings = @{}
    try { $settings = Get-BcdEntryElements -Store $Ctx.Store -Entry '{emssettings}' } catch { $settings = @{} }
    $port = $(if ($settings.ContainsKey('emsport')) { [string]$settings['emsport'] } else { $null })
    $baud = $(if ($settings.ContainsKey('emsbaudrate')) { [string]$settings['emsbaudrate'] } else { $null })
    if ($port -ne '1' -or $baud -ne '115200') {
        [void]$Result.changes.Add('{emssettings} EMSPORT:1 EMSBAUDRATE:115200')
        if (-not $DryRun) {
            [void]$Result.undo.Add([ordered]@{ kind = 'bcd'; store = $Ctx.StoreLabel; entry = '{emssettings}'; element = 'emsport'; previous = $port })
            [void]$Result.undo.Add([ordered]@{ kind = 'bcd'; store = $Ctx.StoreLabel; entry = '{emssettings}'; element = 'emsbaudrate'; previous = $baud })
            $out = & bcdedit.exe /store $Ctx.Store /emssettings EMSPORT:1 EMSBAUDRATE:115200
            Assert-ExitCode -Tool 'bcdedit.exe /emssettings' -ExitCode $LASTEXITCODE -Output $out
        }
    }
    $Result.message = 'EMS on for {0} (COM1, 115200 baud), boot manager EMS on' -f $Ctx.Entry
}

function Invoke-EnableCrashDump {
    param($Result)
    $key = $Ctx.ControlSetKey + '\Control\CrashControl'
    $enabled = @{ small = 3; kernel = 2; automatic = 7 }[$CrashDumpKind]
    Set-OfflineRegValue -Key $key -Name 'CrashDumpEnabled' -Type 'DWord' -Data $enabled -Result $Result
    Set-OfflineRegValue -Key $key -Name 'MinidumpDir' -Type 'ExpandString' -Data '%SystemRoot%\Minidump' -Result $Result
    Set-OfflineRegValue -Key $key -Name 'DumpFile' -Type 'ExpandString' -Data '%SystemRoot%\MEMORY.DMP' -Result $Result
    Set-OfflineRegValue -Key $key -Name 'NMICrashDump' -Type 'DWord' -Data 1 -Result $Result
    $Result.message = 'CrashDumpEnabled={0} ({1}), NMICrashDump=1 in ControlSet{2:000}' -f $enabled, $CrashDumpKind, $Ctx.ControlSet
}

function Invoke-RepairAction {
    param([string]$Name, $Result)
    switch ($Name) {
        'DisableDriver' { Invoke-DisableDriver -Result $Result }
        'QuarantineDriverFile' { Invoke-QuarantineDriverFile -Result $Result }
        'RemoveDriverPackage' { Invoke-RemoveDriverPackage -Result $Result }
        'SetSafeBoot' { if (-not $Ctx.Entry) { throw 'No default boot entry in the BCD store.' }; Set-BcdValue -Entry $Ctx.Entry -Element 'safeboot' -Value $SafeBootMode -Result $Result; $Result.message = 'safeboot {0} on {1}' -f $SafeBootMode, $Ctx.Entry }
        'ClearSafeBoot' { if (-not $Ctx.Entry) { throw 'No default boot entry in the BCD store.' }; Set-BcdValue -Entry $Ctx.Entry -Element 'safeboot' -Value '' -Result $Result; $Result.message = 'safeboot removed from {0}' -f $Ctx.Entry }
        'CleanBoot' { Invoke-CleanBoot -Result $Result }
        'UndoCleanBoot' { Invoke-UndoCleanBoot -Result $Result }
        'SfcOffline' { Invoke-SfcOffline -Result $Result }
        'DismRestoreHealth' { Invoke-DismRestoreHealth -Result $Result }
        'Chkdsk' { Invoke-Chkdsk -Result $Result }
        'RevertPendingActions' { Invoke-RevertPendingActions -Result $Result }
        'RestoreLastKnownGood' { Invoke-RestoreLastKnownGood -Result $Result }
        'EnableEms' { Invoke-EnableEms -Result $Result }
        'EnableCrashDump' { Invoke-EnableCrashDump -Result $Result }
        default { throw ('Unknown action {0}' -f $Name) }
    }
}

function ConvertTo-ResultRecord {
    param($Result)
    if ($Result.status -eq 'succeeded') {
        if ($DryRun) {
            $Result.status = 'skipped'
            $Result.message = 'dry run, would change: ' + $(if ($Result.changes.Count -gt 0) { $Result.changes -join '; ' } else { 'nothing (already in the wanted state)' })
        } elseif ($Result.changes.Count -eq 0 -and $Result.undo.Count -eq 0) {
            $Result.message = 'Already done: ' + $Result.message
        }
    }
    return [ordered]@{
        action = $Result.action; status = $Result.status; message = $Result.message
        startedAtUtc = $Result.startedAtUtc; endedAtUtc = $Result.endedAtUtc; exitCode = $Result.exitCode; undo = @($Result.undo)
    }
}

function Send-RepairedHives {
    # Ships back the SYSTEM hive (unloaded, so flushed) and the BCD store as they are after the
    # repair: the TypeScript side re-reads them and compares them with the plan before any swap.
    param([Parameter(Mandatory = $true)]$Target, [Parameter(Mandatory = $true)][hashtable]$Urls, [string]$Token = '')
    $staging = Join-Path (Split-Path -Parent $OutputPath) 'repaired'
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    New-Item -ItemType Directory -Path $staging -Force | Out-Null
    $sources = @{ SYSTEM = Join-Path $Target.WindowsVolume 'Windows\System32\config\SYSTEM' }
    if ($Target.BcdStore) { $sources['BCD'] = $Target.BcdStore }
    foreach ($name in @('SYSTEM', 'BCD')) {
        if (-not $sources.ContainsKey($name)) { continue }
        $entry = [ordered]@{ name = $name; sizeBytes = $null; sha256 = $null; uploaded = $false; message = $null }
        try {
            $copy = Join-Path $staging $name
            Copy-Item -LiteralPath $sources[$name] -Destination $copy -Force
            $entry.sizeBytes = [long](Get-Item -LiteralPath $copy).Length
            $entry.sha256 = (Get-FileHash -LiteralPath $copy -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($Urls.ContainsKey($name)) { Send-EvidenceFile -Path $copy -Url $Urls[$name] -Kind $UploadKind -Token $Token; $entry.uploaded = $true }
            else { $entry.message = 'no upload URL for this name' }
        } catch { $entry.message = [string]$_.Exception.Message }
        $entry
    }
}

function Invoke-Repair {
    # Runs the plan; prints the result document and a summary line; sets $script:RepairExitCode.
    $records = New-Object System.Collections.ArrayList
    $returned = @()
    $fatal = $null
    $target = $null
    try {
        $urls = ConvertFrom-UploadUrls -Json $UploadUrls
        $token = ''
        if ($UploadKind -eq 'AzureBlob' -and @($urls.Values | Where-Object { $_ -notmatch '[?&]sig=' }).Count -gt 0) { $token = Get-StorageToken }
        $target = Find-RescueTarget -DiskNumber $DiskNumber -MinWindowsPartitionBytes $MinWindowsPartitionBytes
        if ($OutputPath.Substring(0, 2) -eq $target.WindowsDrive) { throw 'OutputPath must be on the helper, not on the attached disk.' }
        $Ctx.Root = $target.WindowsVolume
        $Ctx.Drive = $target.WindowsDrive
        $Ctx.Store = $target.BcdStore
        $Ctx.StoreLabel = $(if ($target.Generation -eq 2) { 'ESP:\EFI\Microsoft\Boot\BCD' } elseif ($target.Generation -eq 1) { 'SystemPartition:\boot\BCD' } else { '' })
        if ($Ctx.Store) { $Ctx.Entry = Get-BcdDefaultEntry -Store $Ctx.Store }
        $Ctx.SystemKey = Mount-OfflineHive -HivePath (Join-Path $Ctx.Root 'Windows\System32\config\SYSTEM') -Label 'SYSTEM'
        try {
            $Ctx.ControlSet = Get-CurrentControlSetNumber -SystemKey $Ctx.SystemKey
            $Ctx.ControlSetKey = '{0}\ControlSet{1:000}' -f $Ctx.SystemKey, $Ctx.ControlSet
            $failed = $false
            foreach ($name in $ActionList) {
                $r = New-ActionResult -Name $name
                if ($failed) {
                    $r.status = 'skipped'; $r.message = 'Not run: an earlier action failed.'
                } else {
                    try { Invoke-RepairAction -Name $name -Result $r }
                    catch { $r.status = 'failed'; $r.message = [string]$_.Exception.Message; $failed = $true }
                }
                $r.endedAtUtc = Get-UtcNow
                [void]$records.Add((ConvertTo-ResultRecord -Result $r))
            }
        } finally {
            Dismount-OfflineHive -Key $Ctx.SystemKey
        }
        if ($UploadKind -ne 'None') { $returned = @(Send-RepairedHives -Target $target -Urls $urls -Token $token) }
    } catch {
        $fatal = [string]$_.Exception.Message
    } finally {
        if ($null -ne $target) {
            try { Close-RescueTarget -Target $target } catch { if (-not $fatal) { $fatal = [string]$_.Exception.Message } }
        }
    }
    if ($null -ne $fatal) {
        foreach ($name in @($ActionList | Select-Object -Skip $records.Count)) {
            $now = Get-UtcNow
            [void]$records.Add([ordered]@{ action = $name; status = 'skipped'; message = 'Not run: ' + $fatal; startedAtUtc = $now; endedAtUtc = $now; exitCode = $null; undo = @() })
        }
    }
    $doc = [ordered]@{ schemaVersion = 1; kind = 'repairResult'; dryRun = [bool]$DryRun; results = $records; scriptVersion = $ScriptVersion; error = $fatal; returned = $returned }
    $json = Write-JsonDocument -Document $doc -Path $OutputPath
    Write-Output $json
    $failedCount = @($records | Where-Object { $_.status -eq 'failed' }).Count
    Write-Output ('vm-rescue repair {0}: {1} actions, {2} failed{3}; full document in {4}' -f $ScriptVersion, $records.Count, $failedCount, $(if ($fatal) { '; error: ' + $fatal } else { '' }), $OutputPath)
    if ($fatal -or $failedCount -gt 0) { $script:RepairExitCode = 1 } else { $script:RepairExitCode = 0 }
}

# Dot-sourced (the tests): define the functions only.
if ($MyInvocation.InvocationName -eq '.') { return }
$script:RepairExitCode = 1
Invoke-Repair
exit $script:RepairExitCode
