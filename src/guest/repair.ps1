<#
.SYNOPSIS
    vm-rescue repair 2.0: executes a compiled repair (-Operations: schemas/repair-operations.schema.json,
    made by src/repair/operations/compile.ts) against the offline Windows installation on the attached
    disk and prints one RepairResult JSON document (src/collect/contract.ts).
.NOTES
    It decides nothing. The operations come in the phases Windows needs (volume, image, registry,
    BCD, file) and run in the given order. Registry and BCD writes are compare-and-set: an operation
    is applied only when the disk still holds its `expected` value, reported "already applied" when it
    holds `value`, and refused otherwise, which stops the run with the disk in a known state. For each
    operation the result records what was observed before and after and the undo. Every run first
    cleans up after a killed one (stale VMR_* hives, temporary access paths, the disk identity saved
    before a Set-Disk). A second run of a finished plan changes nothing.
    -Actions is the plan's action list as the operator reads it: it must name exactly the actions of
    the operations. The other per-action parameters are kept for the command line the planner prints
    and are not read: the operations carry every value.
#>
[CmdletBinding()]
param(
    # Actions in plan order.
    [Parameter(Mandatory = $true)]
    [ValidateCount(1, 32)]
    [ValidatePattern('^(?:DisableDriver|QuarantineDriverFile|RemoveDriverPackage|SetSafeBoot|ClearSafeBoot|CleanBoot|UndoCleanBoot|SfcOffline|DismRestoreHealth|Chkdsk|RevertPendingActions|RestoreLastKnownGood|EnableEms|EnableCrashDump)(?:,(?:DisableDriver|QuarantineDriverFile|RemoveDriverPackage|SetSafeBoot|ClearSafeBoot|CleanBoot|UndoCleanBoot|SfcOffline|DismRestoreHealth|Chkdsk|RevertPendingActions|RestoreLastKnownGood|EnableEms|EnableCrashDump)){0,31}\z')]
    [string[]]$Actions,
    # The compiled repair: base64 of its UTF-8 JSON (schemas/repair-operations.schema.json).
    [ValidateLength(16, 60000)]
    [ValidatePattern('^eyJzY2hlbWFWZXJzaW9uIjox[A-Za-z0-9+/]{16,60000}={0,2}\z')]
    [string]$Operations = '',
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
# Windows PowerShell 5.1 (.NET Framework) may offer only TLS 1.0/1.1; the uploads need TLS 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
. (Join-Path $PSScriptRoot 'common.ps1')

$ScriptVersion = '2.0.0'
$ActionList = @($Actions | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$script:Phases = @('volume', 'image', 'registry', 'bcd', 'file')
$script:Ops = @{
    volume = @('chkdsk'); image = @('dismRevertPendingActions', 'dismRestoreHealth', 'sfcScan', 'dismRemoveDriver')
    registry = @('createKey', 'setValue'); bcd = @('setElement'); file = @('quarantine')
}
$script:BcdElementNames = @{ '25000080' = 'safeboot'; '260000b0' = 'ems'; '16000020' = 'bootems' }

# ---- the plan document ----

function ConvertFrom-OperationsText {
    # base64 -> the document; every field the executor uses is checked against the schema's rules.
    param([Parameter(Mandatory = $true)][string]$Text)
    $json = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($Text))
    $doc = ConvertFrom-Json -InputObject $json
    $problems = @(Test-OperationPlan -Plan $doc)
    if ($problems.Count -gt 0) { throw ('The operations document is not valid: ' + (($problems | Select-Object -First 3) -join '; ')) }
    return $doc
}

function Test-Member {
    param($Object, [string]$Name)
    return ($null -ne $Object) -and ($Object.PSObject.Properties.Name -contains $Name)
}

function Test-RegData {
    param($Data)
    if ($null -eq $Data) { return $true }
    if (-not ((Test-Member $Data 'type') -and (Test-Member $Data 'data'))) { return $false }
    switch ([string]$Data.type) {
        'REG_DWORD' { return ($Data.data -is [int] -or $Data.data -is [long]) -and [long]$Data.data -ge -2147483648 -and [long]$Data.data -le 4294967295 }
        'REG_SZ' { return $Data.data -is [string] }
        'REG_EXPAND_SZ' { return $Data.data -is [string] }
        'REG_MULTI_SZ' { return @($Data.data | Where-Object { $_ -isnot [string] }).Count -eq 0 }
    }
    return $false
}

function Test-OperationPlan {
    # The schema's rules the executor relies on (Windows PowerShell 5.1 has no Test-Json); returns problems.
    param([Parameter(Mandatory = $true)]$Plan)
    $p = @()
    if (-not ((Test-Member $Plan 'schemaVersion') -and $Plan.schemaVersion -eq 1)) { $p += 'schemaVersion must be 1' }
    if (-not ((Test-Member $Plan 'kind') -and $Plan.kind -eq 'operationPlan')) { $p += 'kind must be operationPlan' }
    if (-not ((Test-Member $Plan 'id') -and [string]$Plan.id -match '^[0-9a-f]{16}\z')) { $p += 'id must be 16 hex digits' }
    if (-not ((Test-Member $Plan 'dryRun') -and $Plan.dryRun -is [bool])) { $p += 'dryRun must be a boolean' }
    if (-not (Test-Member $Plan 'operations')) { return $p + 'operations is missing' }
    $last = 0
    $i = 0
    $keyPattern = '^[^\\\x00-\x1f]{1,255}(?:\\[^\\\x00-\x1f]{1,255}){0,31}\z'
    $pathPattern = '^(?:[A-Za-z0-9_$ .()~-]{1,128}\\){0,16}[A-Za-z0-9_$ .()~-]{1,128}\z'
    foreach ($op in @($Plan.operations)) {
        $at = '/operations/{0}' -f $i
        $i++
        if (-not ((Test-Member $op 'phase') -and (Test-Member $op 'op') -and (Test-Member $op 'action') -and (Test-Member $op 'undo'))) { $p += ($at + ': phase, op, action and undo are required'); continue }
        $phase = [string]$op.phase
        $index = [array]::IndexOf($script:Phases, $phase)
        if ($index -lt 0) { $p += ('{0}: unknown phase {1}' -f $at, $phase); continue }
        if ($script:Ops[$phase] -notcontains [string]$op.op) { $p += ('{0}: {1} is not an operation of the {2} phase' -f $at, $op.op, $phase); continue }
        if ($index -lt $last) { $p += ('{0}: phase {1} after {2}' -f $at, $phase, $script:Phases[$last]) }
        $last = [Math]::Max($last, $index)
        switch ([string]$op.op) {
            'createKey' { if ([string]$op.key -notmatch $keyPattern) { $p += ($at + ': bad key') } }
            'setValue' {
                if ([string]$op.key -notmatch $keyPattern) { $p += ($at + ': bad key') }
                if (-not (Test-Member $op 'expected') -or -not (Test-RegData $op.expected)) { $p += ($at + ': bad expected value') }
                if ($null -eq $op.value -or -not (Test-RegData $op.value)) { $p += ($at + ': bad value') }
            }
            'setElement' {
                if ([string]$op.entry -notmatch '^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}\z') { $p += ($at + ': bad entry') }
                if (-not $script:BcdElementNames.ContainsKey(([string]$op.elementId).ToLowerInvariant())) { $p += ($at + ': element not written by the repair') }
                if (-not (Test-Member $op 'expected')) { $p += ($at + ': expected is required') }
            }
            'quarantine' {
                foreach ($f in @('path', 'to')) {
                    $v = [string]$op.$f
                    if ($v -notmatch $pathPattern -or $v -match '(?:^|\\)\.\.?(?:\\|\z)') { $p += ('{0}: bad {1}' -f $at, $f) }
                }
            }
            'dismRemoveDriver' { if ([string]$op.publishedInf -notmatch '^oem[0-9]{1,4}\.inf\z') { $p += ($at + ': bad publishedInf') } }
            'dismRestoreHealth' { if ([string]$op.source -notmatch '^(?:(?:wim|esd):[A-Za-z]:\\[^:*?"<>|]{1,200}:[0-9]{1,3}|[A-Za-z]:\\[^:*?"<>|]{1,200})\z') { $p += ($at + ': bad source') } }
        }
    }
    return $p
}

# ---- registry access (the offline hive loaded under a unique HKLM key) ----

function Get-LoadedHiveNames {
    # HKLM\VMR_* keys: hives a run of this project loaded (a killed run leaves them loaded).
    return @([Microsoft.Win32.Registry]::LocalMachine.GetSubKeyNames() | Where-Object { $_ -like 'VMR_*' } | ForEach-Object { 'HKLM\' + $_ })
}

function Get-OfflineValue {
    # One value as { type, data }, or $null when the key or the value is absent (REG_BINARY as hex).
    param([Parameter(Mandatory = $true)][string]$Mount, [Parameter(Mandatory = $true)][string]$Key, [Parameter(Mandatory = $true)][string]$Name)
    $k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey(($Mount -replace '^HKLM\\', '') + '\' + $Key, $false)
    if ($null -eq $k) { return $null }
    try {
        if ($k.GetValueNames() -notcontains $Name) { return $null }
        $kind = $k.GetValueKind($Name)
        $data = $k.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
        switch ([string]$kind) {
            'DWord' { return [ordered]@{ type = 'REG_DWORD'; data = [long][BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$data), 0) } }
            'String' { return [ordered]@{ type = 'REG_SZ'; data = [string]$data } }
            'ExpandString' { return [ordered]@{ type = 'REG_EXPAND_SZ'; data = [string]$data } }
            'MultiString' { return [ordered]@{ type = 'REG_MULTI_SZ'; data = @($data) } }
            'Binary' { return [ordered]@{ type = 'REG_BINARY'; data = ([BitConverter]::ToString([byte[]]$data) -replace '-', '').ToLowerInvariant() } }
        }
        return [ordered]@{ type = [string]$kind; data = [string]$data }
    } finally { $k.Close() }
}

function Test-OfflineKey {
    param([Parameter(Mandatory = $true)][string]$Mount, [Parameter(Mandatory = $true)][string]$Key)
    $k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey(($Mount -replace '^HKLM\\', '') + '\' + $Key, $false)
    if ($null -eq $k) { return $false }
    $k.Close()
    return $true
}

function New-OfflineKey {
    param([Parameter(Mandatory = $true)][string]$Mount, [Parameter(Mandatory = $true)][string]$Key)
    $k = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey(($Mount -replace '^HKLM\\', '') + '\' + $Key)
    $k.Close()
}

function Set-OfflineValue {
    param([Parameter(Mandatory = $true)][string]$Mount, [Parameter(Mandatory = $true)][string]$Key, [Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)]$Value)
    $k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey(($Mount -replace '^HKLM\\', '') + '\' + $Key, $true)
    if ($null -eq $k) { throw ('Key not found: {0}' -f $Key) }
    try {
        switch ([string]$Value.type) {
            'REG_DWORD' { $k.SetValue($Name, [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32][long]$Value.data), 0), [Microsoft.Win32.RegistryValueKind]::DWord) }
            'REG_SZ' { $k.SetValue($Name, [string]$Value.data, [Microsoft.Win32.RegistryValueKind]::String) }
            'REG_EXPAND_SZ' { $k.SetValue($Name, [string]$Value.data, [Microsoft.Win32.RegistryValueKind]::ExpandString) }
            'REG_MULTI_SZ' { $k.SetValue($Name, [string[]]@($Value.data), [Microsoft.Win32.RegistryValueKind]::MultiString) }
            default { throw ('Value type {0} is not written by the repair.' -f $Value.type) }
        }
    } finally { $k.Close() }
}

function Format-RegData {
    # One canonical text of a value for comparing (DWORDs as unsigned numbers).
    param($Data)
    if ($null -eq $Data) { return '(absent)' }
    $t = [string]$Data.type
    if ($t -eq 'REG_DWORD') { return ('REG_DWORD {0}' -f ([long]$Data.data -band [long]4294967295)) }
    if ($t -eq 'REG_MULTI_SZ') { return ('REG_MULTI_SZ ' + (@($Data.data) -join [char]0)) }
    return ('{0} {1}' -f $t, [string]$Data.data)
}

function ConvertFrom-BcdElement {
    # An element's raw bytes (the store's Objects\{guid}\Elements\<id>\Element) -> integer or boolean by the id's format.
    param([Parameter(Mandatory = $true)][string]$ElementId, $Raw)
    if ($null -eq $Raw) { return $null }
    $hex = [string]$Raw.data
    $bytes = New-Object byte[] ($hex.Length / 2)
    for ($i = 0; $i -lt $bytes.Length; $i++) { $bytes[$i] = [System.Convert]::ToByte($hex.Substring(2 * $i, 2), 16) }
    $format = [System.Convert]::ToInt32($ElementId.Substring(1, 1), 16)
    if ($format -eq 6) { return ($bytes.Length -gt 0 -and $bytes[0] -ne 0) }
    if ($format -eq 5) {
        $padded = New-Object byte[] 8
        [Array]::Copy($bytes, $padded, [Math]::Min(8, $bytes.Length))
        return [long][BitConverter]::ToUInt64($padded, 0)
    }
    throw ('BCD element {0} is neither an integer nor a boolean.' -f $ElementId)
}

function Format-BcdData {
    param($Data)
    if ($null -eq $Data) { return '(absent)' }
    if ($Data -is [bool]) { return ([string]$Data).ToLowerInvariant() }
    return [string][long]$Data
}

# ---- helper facts and file security (APIs; wrapped so the tests can stand in for Windows) ----

function Get-HelperBuild {
    return [int][System.Environment]::OSVersion.Version.Build
}

function Get-FileSecurityRecord {
    # Owner and ACL of a file as SDDL, recorded before ownership is taken.
    param([Parameter(Mandatory = $true)][string]$Path)
    return (Get-Acl -LiteralPath $Path).Sddl
}

function Grant-FileForMove {
    # Ownership to the Administrators group, then full control for SYSTEM, so a TrustedInstaller-owned
    # driver can be moved by the helper's SYSTEM account. takeown enables the privilege it needs
    # itself (one Set-Acl setting owner and ACL fails where SeTakeOwnershipPrivilege is not enabled);
    # their exit codes decide, never their localized text.
    param([Parameter(Mandatory = $true)][string]$Path)
    $out = & takeown.exe /F $Path /A
    if ($LASTEXITCODE -ne 0) { throw ('takeown /F {0} /A failed (exit {1}): {2}' -f $Path, $LASTEXITCODE, (@($out) -join ' ')) }
    $out = & icacls.exe $Path /grant '*S-1-5-18:F'
    if ($LASTEXITCODE -ne 0) { throw ('icacls {0} /grant *S-1-5-18:F failed (exit {1}): {2}' -f $Path, $LASTEXITCODE, (@($out) -join ' ')) }
}

function Save-FileAcl {
    # The file's owner and ACL saved to a file on the helper (icacls /save) before anything changes.
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$AclFile)
    $folder = Split-Path -Parent $AclFile
    if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
    $out = & icacls.exe $Path /save $AclFile
    if ($LASTEXITCODE -ne 0) { throw ('icacls {0} /save failed (exit {1}): {2}' -f $Path, $LASTEXITCODE, (@($out) -join ' ')) }
}

function Restore-FileAcl {
    # The saved owner and ACL put back (icacls <folder> /restore); returns what happened, never throws.
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$AclFile)
    $out = & icacls.exe (Split-Path -Parent $Path) /restore $AclFile
    if ($LASTEXITCODE -ne 0) { return ('not restored: icacls /restore exit {0}: {1}' -f $LASTEXITCODE, (@($out) -join ' ')) }
    return 'restored'
}

# ---- the run ----

function Get-PlanStateName {
    # What a plan did is kept per disk: its id and the disk's own identity (the GPT GUID or MBR
    # signature, the original one when a collision changed it), so the same plan on another disk
    # (a fleet helper, a disk given the same number later) is never taken as already applied.
    param([Parameter(Mandatory = $true)]$Target, [Parameter(Mandatory = $true)][string]$PlanId)
    $disk = Get-Disk -Number $Target.DiskNumber
    $identity = [string]$disk.Guid
    if ([string]$Target.PartitionStyle -ne 'GPT') { $identity = ('{0:x8}' -f [uint32]$disk.Signature) }
    if ($null -ne $Target.OriginalIdentity) {
        # one spelling whether or not a collision was seen: the signature as 8 hex digits
        $identity = [string]$Target.OriginalIdentity.Value
        if ($Target.OriginalIdentity.Kind -eq 'Signature') { $identity = ('{0:x8}' -f [uint32]$Target.OriginalIdentity.Value) }
    }
    return ('plan-{0}-{1}.json' -f $PlanId, ($identity -replace '[^0-9A-Za-z-]', ''))
}

function New-OpRecord {
    param([Parameter(Mandatory = $true)]$Op, [int]$Index)
    return [ordered]@{
        index = $Index; phase = [string]$Op.phase; op = [string]$Op.op; action = [string]$Op.action; target = [string]$Op.target
        status = 'notRun'; before = $null; after = $null; undo = $null; message = ''; exitCode = $null
    }
}

function Invoke-StaleCleanup {
    # A killed run leaves hives loaded, access paths and a changed disk identity: undone first.
    param([Parameter(Mandatory = $true)][string]$StateFolder)
    $done = @()
    foreach ($name in @(Get-LoadedHiveNames)) {
        Dismount-OfflineHive -Key $name
        $done += ('unloaded ' + $name)
    }
    $saved = Read-RescueState -Folder $StateFolder -Name 'access-paths.json'
    if ($null -ne $saved) {
        foreach ($e in @($saved.paths)) {
            try {
                Remove-TemporaryAccessPath -DiskNumber ([int]$e.disk) -PartitionNumber ([int]$e.partition) -Letter ([string]$e.letter) -Esp ([bool]$e.esp)
                $done += ('removed access path {0}:' -f $e.letter)
            } catch { $done += ('access path {0}: {1}' -f $e.letter, $_.Exception.Message) }
        }
    }
    Remove-RescueState -Folder $StateFolder -Name 'access-paths.json'
    if (Restore-SavedDiskIdentity -StateFolder $StateFolder) { $done += 'restored the saved disk identity' }
    return $done
}

function Invoke-Tool {
    # A servicing tool with its exit code checked against the documented successes.
    param([Parameter(Mandatory = $true)]$Record, [Parameter(Mandatory = $true)][string]$Tool, [Parameter(Mandatory = $true)][string[]]$Arguments, [int[]]$Allowed = @(0))
    $out = $null
    $code = $null
    if ($Tool -eq 'chkdsk') {
        $out = & chkdsk.exe @Arguments
        $code = $LASTEXITCODE
    } elseif ($Tool -eq 'dism') {
        $out = & dism.exe @Arguments
        $code = $LASTEXITCODE
    } elseif ($Tool -eq 'sfc') {
        $out = & sfc.exe @Arguments
        $code = $LASTEXITCODE
    } elseif ($Tool -eq 'bcdedit') {
        $out = & bcdedit.exe @Arguments
        $code = $LASTEXITCODE
    }
    $Record.exitCode = $code
    Assert-ExitCode -Tool ($Tool + ' ' + $Arguments[0]) -ExitCode $code -Allowed $Allowed -Output $out
}

function Invoke-VolumeOp {
    param($Op, $Record, $Ctx)
    if ($Ctx.Done -contains $Record.index) { $Record.status = 'alreadyApplied'; return }
    if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
    # chkdsk /x dismounts the volume: nothing may be loaded from it (the cleanup unloaded any stale hive).
    Invoke-Tool -Record $Record -Tool 'chkdsk' -Arguments @($Ctx.Target.WindowsDrive, '/f', '/x') -Allowed @(0, 1, 2)
    $Record.status = 'applied'
}

function Invoke-ImageOp {
    param($Op, $Record, $Ctx)
    if ($Ctx.Done -contains $Record.index) { $Record.status = 'alreadyApplied'; return }
    $helper = Get-HelperBuild
    $Record.before = [ordered]@{ helperBuild = $helper }
    if ($null -ne $Op.minHelperBuild -and $helper -lt [int]$Op.minHelperBuild) {
        throw ('The helper runs build {0}, older than the image''s {1}: its DISM/SFC cannot service that image.' -f $helper, $Op.minHelperBuild)
    }
    if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
    $root = $Ctx.Target.WindowsVolume
    if (-not (Test-Path -LiteralPath $Ctx.Scratch)) { New-Item -ItemType Directory -Path $Ctx.Scratch -Force | Out-Null }
    $image = @(('/Image:' + $root), ('/ScratchDir:' + $Ctx.Scratch))
    switch ([string]$Op.op) {
        'dismRevertPendingActions' { Invoke-Tool -Record $Record -Tool 'dism' -Arguments ($image + @('/Cleanup-Image', '/RevertPendingActions')) -Allowed @(0, 3010) }
        'dismRestoreHealth' { Invoke-Tool -Record $Record -Tool 'dism' -Arguments ($image + @('/Cleanup-Image', '/RestoreHealth', ('/Source:' + [string]$Op.source), '/LimitAccess')) -Allowed @(0, 3010) }
        'dismRemoveDriver' { Invoke-Tool -Record $Record -Tool 'dism' -Arguments ($image + @('/Remove-Driver', ('/Driver:' + [string]$Op.publishedInf))) -Allowed @(0, 3010) }
        'sfcScan' { Invoke-Tool -Record $Record -Tool 'sfc' -Arguments @('/scannow', ('/offbootdir=' + $root), ('/offwindir=' + (Join-Path $root 'Windows'))) -Allowed @(0) }
    }
    $Record.status = 'applied'
}

function Invoke-RegistryOp {
    # Compare-and-set of one value (or creation of one key) in the loaded hive.
    param($Op, $Record, $Ctx)
    if ([string]$Op.op -eq 'createKey') {
        $exists = Test-OfflineKey -Mount $Ctx.Mount -Key ([string]$Op.key)
        $Record.before = [ordered]@{ exists = $exists }
        if ($exists) { $Record.status = 'alreadyApplied'; $Record.after = $Record.before; return }
        if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
        New-OfflineKey -Mount $Ctx.Mount -Key ([string]$Op.key)
        $Record.after = [ordered]@{ exists = (Test-OfflineKey -Mount $Ctx.Mount -Key ([string]$Op.key)) }
        $Record.status = 'applied'
        return
    }
    $before = Get-OfflineValue -Mount $Ctx.Mount -Key ([string]$Op.key) -Name ([string]$Op.name)
    $Record.before = $before
    $now = Format-RegData $before
    if ($now -eq (Format-RegData $Op.value)) { $Record.status = 'alreadyApplied'; $Record.after = $before; return }
    if ($now -ne (Format-RegData $Op.expected)) {
        $Record.status = 'refused'
        $Record.message = ('{0}: the disk holds {1}, the plan expected {2}: not changed' -f $Op.target, $now, (Format-RegData $Op.expected))
        return
    }
    if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
    Set-OfflineValue -Mount $Ctx.Mount -Key ([string]$Op.key) -Name ([string]$Op.name) -Value $Op.value
    $Record.after = Get-OfflineValue -Mount $Ctx.Mount -Key ([string]$Op.key) -Name ([string]$Op.name)
    if ((Format-RegData $Record.after) -ne (Format-RegData $Op.value)) { throw ('{0}: written but reads back {1}' -f $Op.target, (Format-RegData $Record.after)) }
    $Record.status = 'applied'
}

function Read-BcdElement {
    # The element as the raw store holds it: the store loaded as a hive, read, unloaded.
    param([Parameter(Mandatory = $true)]$Ctx, [Parameter(Mandatory = $true)]$Op)
    $mount = Mount-OfflineHive -HivePath $Ctx.Target.BcdStore -Label ('BCD_' + $Ctx.PlanId.Substring(0, 8))
    try {
        $raw = Get-OfflineValue -Mount $mount -Key ('Objects\{0}\Elements\{1}' -f $Op.entry, $Op.elementId) -Name 'Element'
        return , (ConvertFrom-BcdElement -ElementId ([string]$Op.elementId) -Raw $raw)
    } finally {
        Dismount-OfflineHive -Key $mount
    }
}

function Invoke-BcdOp {
    # Compare-and-set of one element through bcdedit /store on the copy's store.
    param($Op, $Record, $Ctx)
    if (-not $Ctx.Target.BcdStore) { throw 'No BCD store was found on the attached disk.' }
    $before = Read-BcdElement -Ctx $Ctx -Op $Op
    $Record.before = $before
    $now = Format-BcdData $before
    if ($now -eq (Format-BcdData $Op.value)) { $Record.status = 'alreadyApplied'; $Record.after = $before; return }
    if ($now -ne (Format-BcdData $Op.expected)) {
        $Record.status = 'refused'
        $Record.message = ('{0}: the store holds {1}, the plan expected {2}: not changed' -f $Op.target, $now, (Format-BcdData $Op.expected))
        return
    }
    if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
    $name = $script:BcdElementNames[([string]$Op.elementId).ToLowerInvariant()]
    if ($null -eq $Op.value) {
        Invoke-Tool -Record $Record -Tool 'bcdedit' -Arguments @('/store', $Ctx.Target.BcdStore, '/deletevalue', [string]$Op.entry, $name)
    } else {
        $text = [string]$Op.value
        if ($Op.value -is [bool]) { $text = $(if ($Op.value) { 'on' } else { 'off' }) }
        elseif ($name -eq 'safeboot') { $text = @('minimal', 'network')[[int]$Op.value] }
        Invoke-Tool -Record $Record -Tool 'bcdedit' -Arguments @('/store', $Ctx.Target.BcdStore, '/set', [string]$Op.entry, $name, $text)
    }
    $Record.after = Read-BcdElement -Ctx $Ctx -Op $Op
    if ((Format-BcdData $Record.after) -ne (Format-BcdData $Op.value)) { throw ('{0}: set but reads back {1}' -f $Op.target, (Format-BcdData $Record.after)) }
    $Record.status = 'applied'
}

function Invoke-FileOp {
    # Quarantine: a move to a folder on the same volume, never a delete; owner and ACL recorded
    # first, ownership taken, and the undo written only after the move succeeded.
    param($Op, $Record, $Ctx)
    $root = $Ctx.Target.WindowsVolume
    $source = Join-Path $root ([string]$Op.path)
    $dest = Join-Path (Join-Path $root ([string]$Op.to)) ([string]$Op.path)
    $srcThere = Test-Path -LiteralPath $source -PathType Leaf
    $destThere = Test-Path -LiteralPath $dest -PathType Leaf
    $Record.before = [ordered]@{ source = $srcThere; quarantined = $destThere; sddl = $null }
    if (-not $srcThere -and $destThere) { $Record.status = 'alreadyApplied'; $Record.after = $Record.before; return }
    if (-not $srcThere) { throw ('{0} is not on the volume and not in quarantine.' -f $Op.path) }
    if ($destThere) { throw ('{0} is already in quarantine and back on the volume: left as it is.' -f $Op.path) }
    if ($Ctx.DryRun) { $Record.status = 'wouldApply'; return }
    $sddl = Get-FileSecurityRecord -Path $source
    $Record.before.sddl = $sddl
    $aclFile = Join-Path $Ctx.StateFolder ('acl-{0}-{1}.txt' -f $Ctx.PlanId, $Record.index)
    Save-FileAcl -Path $source -AclFile $aclFile
    try {
        Grant-FileForMove -Path $source
        New-Item -ItemType Directory -Path (Split-Path -Parent $dest) -Force | Out-Null
        Move-Item -LiteralPath $source -Destination $dest
    } catch {
        # Not moved: the file keeps its owner and ACL, and no undo is recorded.
        throw ('{0} (owner and ACL {1})' -f $_.Exception.Message, (Restore-FileAcl -Path $source -AclFile $aclFile))
    }
    $Record.undo = [ordered]@{ op = 'moveBack'; from = [string]$Op.path; to = (Join-Path ([string]$Op.to) ([string]$Op.path)); sddl = $sddl }
    $Record.after = [ordered]@{ source = (Test-Path -LiteralPath $source); quarantined = (Test-Path -LiteralPath $dest); sddl = $sddl }
    $Record.status = 'applied'
}

function Invoke-Phase {
    # One phase's operations in order; the first refusal or failure stops it (and the run).
    param([Parameter(Mandatory = $true)][string]$Phase, [Parameter(Mandatory = $true)]$Ctx)
    foreach ($entry in @($Ctx.Entries | Where-Object { $_.Op.phase -eq $Phase })) {
        if ($Ctx.Stopped) { return }
        $r = $entry.Record
        try {
            switch ($Phase) {
                'volume' { Invoke-VolumeOp -Op $entry.Op -Record $r -Ctx $Ctx }
                'image' { Invoke-ImageOp -Op $entry.Op -Record $r -Ctx $Ctx }
                'registry' { Invoke-RegistryOp -Op $entry.Op -Record $r -Ctx $Ctx }
                'bcd' { Invoke-BcdOp -Op $entry.Op -Record $r -Ctx $Ctx }
                'file' { Invoke-FileOp -Op $entry.Op -Record $r -Ctx $Ctx }
            }
        } catch {
            $r.status = 'failed'
            $r.message = [string]$_.Exception.Message
        }
        if ($r.status -eq 'refused' -or $r.status -eq 'failed') { $Ctx.Stopped = $true; return }
        # The undo is recorded only for what is on the disk now (after the change, never before it).
        if (($r.status -eq 'applied' -or $r.status -eq 'alreadyApplied') -and $null -eq $r.undo) { $r.undo = $entry.Op.undo }
        if ($r.status -eq 'applied' -and -not $Ctx.DryRun) {
            $Ctx.Done += $r.index
            Save-RescueState -Folder $Ctx.StateFolder -Name $Ctx.StateName -Value @{ id = $Ctx.PlanId; done = @($Ctx.Done) }
        }
    }
}

function Invoke-Operations {
    # The phases in the order Windows needs; the SYSTEM hive is loaded only for the registry phase.
    param([Parameter(Mandatory = $true)]$Ctx)
    foreach ($phase in $script:Phases) {
        if ($Ctx.Stopped) { break }
        if (@($Ctx.Entries | Where-Object { $_.Op.phase -eq $phase }).Count -eq 0) { continue }
        if ($phase -ne 'registry') { Invoke-Phase -Phase $phase -Ctx $Ctx; continue }
        $Ctx.Mount = Mount-OfflineHive -HivePath (Join-Path $Ctx.Target.WindowsVolume 'Windows\System32\config\SYSTEM') -Label ('SYSTEM_' + $Ctx.PlanId.Substring(0, 8))
        try { Invoke-Phase -Phase $phase -Ctx $Ctx }
        finally {
            [System.GC]::Collect()
            Dismount-OfflineHive -Key $Ctx.Mount
            $Ctx.Mount = ''
        }
    }
}

function ConvertTo-ActionResults {
    # The per-action view (the repair result's `results`) of the operation records.
    param([Parameter(Mandatory = $true)]$Records, [string]$Started, [string]$Fatal)
    $out = @()
    foreach ($name in $ActionList) {
        $mine = @($Records | Where-Object { $_.action -eq $name })
        $status = 'succeeded'
        $message = ''
        if (@($mine | Where-Object { $_.status -eq 'failed' -or $_.status -eq 'refused' }).Count -gt 0) {
            $status = 'failed'
            $message = (@($mine | Where-Object { $_.status -eq 'failed' -or $_.status -eq 'refused' }) | Select-Object -First 1).message
        } elseif ($mine.Count -eq 0 -or @($mine | Where-Object { $_.status -eq 'notRun' }).Count -gt 0) {
            $status = 'skipped'
            $message = $(if ($Fatal) { 'Not run: ' + $Fatal } elseif ($mine.Count -eq 0) { 'No operation: ' + $name } else { 'Not run: an earlier operation failed.' })
        } elseif (@($mine | Where-Object { $_.status -eq 'wouldApply' -or $_.status -eq 'alreadyApplied' }).Count -eq $mine.Count) {
            $status = $(if (@($mine | Where-Object { $_.status -eq 'wouldApply' }).Count -gt 0) { 'skipped' } else { 'succeeded' })
            $message = $(if ($status -eq 'skipped') { 'dry run, would change: ' + ((@($mine | Where-Object { $_.status -eq 'wouldApply' }) | ForEach-Object { $_.target }) -join '; ') } else { 'already applied' })
        } else {
            $message = 'applied: ' + ((@($mine | Where-Object { $_.status -eq 'applied' }) | ForEach-Object { $_.target }) -join '; ')
        }
        $codes = @($mine | Where-Object { $null -ne $_.exitCode } | ForEach-Object { $_.exitCode })
        $undo = @($mine | Where-Object { $_.status -eq 'applied' } | ForEach-Object { [ordered]@{ kind = 'note'; text = ('{0}: {1}' -f $_.target, (ConvertTo-Json -InputObject $_.undo -Compress -Depth 8)) } })
        $out += [ordered]@{ action = $name; status = $status; message = $message; startedAtUtc = $Started; endedAtUtc = Get-UtcNow; exitCode = $(if ($codes.Count -gt 0) { $codes[-1] } else { $null }); undo = $undo }
    }
    return , $out
}

function Send-RepairedHives {
    # Ships back the SYSTEM hive (unloaded, so flushed), its transaction logs (a hive left dirty is
    # read with them, as collect ships them) and the BCD store as they are after the repair: the
    # TypeScript side re-reads them and compares them with the plan before any swap.
    param([Parameter(Mandatory = $true)]$Target, [Parameter(Mandatory = $true)][hashtable]$Urls, [string]$Token = '')
    $staging = Join-Path (Split-Path -Parent $OutputPath) 'repaired'
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    New-Item -ItemType Directory -Path $staging -Force | Out-Null
    $config = Join-Path $Target.WindowsVolume 'Windows\System32\config'
    $sources = @{ SYSTEM = Join-Path $config 'SYSTEM' }
    foreach ($log in 'SYSTEM.LOG1', 'SYSTEM.LOG2') {
        $item = Get-Item -LiteralPath (Join-Path $config $log) -Force -ErrorAction SilentlyContinue
        if ($null -ne $item -and -not $item.PSIsContainer -and -not ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) { $sources[$log] = $item.FullName }
    }
    if ($Target.BcdStore) { $sources['BCD'] = $Target.BcdStore }
    foreach ($name in @('SYSTEM', 'SYSTEM.LOG1', 'SYSTEM.LOG2', 'BCD')) {
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
    # Runs the compiled repair; prints the result document and a summary line; sets $script:RepairExitCode.
    $started = Get-UtcNow
    $records = @()
    $returned = @()
    $cleanup = @()
    $fatal = $null
    $target = $null
    $plan = $null
    $outcome = 'failed'
    $stateFolder = Join-Path (Split-Path -Parent $OutputPath) 'state'
    try {
        if (-not $Operations) { throw 'repair.ps1 2.0 executes a compiled repair: -Operations is required (vm-rescue plan-repair prints it).' }
        $plan = ConvertFrom-OperationsText -Text $Operations
        $planned = @($plan.operations | ForEach-Object { [string]$_.action } | Select-Object -Unique)
        $missing = @($planned | Where-Object { $ActionList -notcontains $_ })
        if ($missing.Count -gt 0) { throw ('-Actions does not name {0}, which the operations carry.' -f ($missing -join ', ')) }
        $i = 0
        $entries = @(foreach ($op in @($plan.operations)) { [pscustomobject]@{ Op = $op; Record = (New-OpRecord -Op $op -Index $i) }; $i++ })
        $records = @($entries | ForEach-Object { $_.Record })
        $cleanup = @(Invoke-StaleCleanup -StateFolder $stateFolder)
        $urls = ConvertFrom-UploadUrls -Json $UploadUrls
        $token = ''
        if ($UploadKind -eq 'AzureBlob' -and @($urls.Values | Where-Object { $_ -notmatch '[?&]sig=' }).Count -gt 0) { $token = Get-StorageToken }
        $target = Find-RescueTarget -DiskNumber $DiskNumber -MinWindowsPartitionBytes $MinWindowsPartitionBytes -StateFolder $stateFolder
        $stateName = Get-PlanStateName -Target $target -PlanId ([string]$plan.id)
        $saved = Read-RescueState -Folder $stateFolder -Name $stateName
        $done = @()
        if ($null -ne $saved) { $done = @($saved.done | ForEach-Object { [int]$_ }) }
        if ($OutputPath.Substring(0, 2) -eq $target.WindowsDrive) { throw 'OutputPath must be on the helper, not on the attached disk.' }
        $ctx = [pscustomobject]@{
            Target = $target; PlanId = [string]$plan.id; DryRun = ([bool]$plan.dryRun -or [bool]$DryRun); Entries = $entries
            Done = $done; Stopped = $false; Mount = ''; StateFolder = $stateFolder; StateName = $stateName; Scratch = (Join-Path (Split-Path -Parent $OutputPath) 'scratch')
        }
        # The state file exists before the first change: a re-run after a failure knows what was done.
        if (-not $ctx.DryRun) { Save-RescueState -Folder $stateFolder -Name $ctx.StateName -Value @{ id = $ctx.PlanId; done = @($done) } }
        Invoke-Operations -Ctx $ctx
        if ($UploadKind -ne 'None') { $returned = @(Send-RepairedHives -Target $target -Urls $urls -Token $token) }
        $statuses = @($records | ForEach-Object { $_.status })
        if ($ctx.Stopped) { $outcome = 'stopped' }
        elseif ($ctx.DryRun) { $outcome = 'dryRun' }
        elseif (@($statuses | Where-Object { $_ -ne 'alreadyApplied' }).Count -eq 0) { $outcome = 'alreadyApplied' }
        else { $outcome = 'applied' }
    } catch {
        $fatal = [string]$_.Exception.Message
    } finally {
        if ($null -ne $target) {
            try { Close-RescueTarget -Target $target } catch { if (-not $fatal) { $fatal = [string]$_.Exception.Message } }
        }
    }
    $results = ConvertTo-ActionResults -Records $records -Started $started -Fatal $fatal
    $doc = [ordered]@{
        schemaVersion = 1; kind = 'repairResult'; dryRun = $(if ($null -ne $plan) { [bool]$plan.dryRun -or [bool]$DryRun } else { [bool]$DryRun }); results = $results
        scriptVersion = $ScriptVersion; error = $fatal; returned = $returned
        planId = $(if ($null -ne $plan) { [string]$plan.id } else { $null }); outcome = $outcome; cleanup = $cleanup; operations = $records
    }
    $json = Write-JsonDocument -Document $doc -Path $OutputPath
    Write-Output $json
    $failedCount = @($records | Where-Object { $_.status -eq 'failed' -or $_.status -eq 'refused' }).Count
    Write-Output ('vm-rescue repair {0}: {1} operations, {2} failed or refused, outcome {3}{4}; full document in {5}' -f $ScriptVersion, $records.Count, $failedCount, $outcome, $(if ($fatal) { '; error: ' + $fatal } else { '' }), $OutputPath)
    if ($fatal -or $failedCount -gt 0) { $script:RepairExitCode = 1 } else { $script:RepairExitCode = 0 }
}

# Dot-sourced (the tests): define the functions only.
if ($MyInvocation.InvocationName -eq '.') { return }
$script:RepairExitCode = 1
Invoke-Repair
exit $script:RepairExitCode
