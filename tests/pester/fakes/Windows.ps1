# A fake of the few Windows-only commands the recovery scripts call, for running them for real on
# this machine. Dot-source it after the script under test: its functions take precedence over the
# script's own wrappers and over native executables. Each fake follows the documented behaviour
# and exit codes of the tool it stands for, records every call in $script:Fake.Calls, and works on
# real files: registry operations go through hivex on a real hive file, so the result is real.
#
#   reg load/unload   HKLM\<name> <file>; a name or a file already loaded, or a file that is not a
#                     readable hive (hivex cannot open its root key): exit 1
#   dism /Image:      refuses with 0x80070020 (sharing violation) while a hive of the image is
#                     loaded; 0x80070003 when /ScratchDir does not exist; RestoreHealth from the
#                     image's own WinSxS on a corrupt store: 0x800f081f; after a pending-actions
#                     revert (completed only at the next boot): 0x800f082f
#   sfc /offwindir    exit 1 while a hive of the image is loaded or a repair is pending
#   chkdsk /f /x      exit 3 (cannot lock the volume) while a hive of the volume is loaded
#   bcdedit /store    /set, /deletevalue on the store file through hivex; exit 1 while the store
#                     is loaded as a hive
#   fsutil dirty      query: "Volume - Z: is Dirty" / "is NOT Dirty", exit 0
#   takeown /F /A     exit 0, or 1 (no file, or denied); icacls /grant exit 5 on a
#                     TrustedInstaller-owned file not taken over, /save and /restore an ACL file
#   Get-Disk, Get-Partition, Set-Disk, Update-HostStorageCache, Add-/Remove-PartitionAccessPath:
#                     a disk table; a new access path's letter appears one poll later (as the
#                     letters arrive asynchronously on Windows) and maps to a PowerShell drive

$script:HexPrefix = 'HKEY_LOCAL_MACHINE\FAKE'
$script:BcdIds = @{ safeboot = '25000080'; ems = '260000b0'; bootems = '16000020' }
$script:E_SHARING = -2147024864  # 0x80070020
$script:E_PATH = -2147024893     # 0x80070003
$script:E_SOURCE = -2146498529   # 0x800f081f
$script:E_PENDING = -2146498513  # 0x800f082f

function Reset-FakeWindows {
    # A helper disk 0 and the attached copy (disk 2, GPT): ESP (partition 1, holding the BCD
    # folder), MSR (2), Windows (3, the volume folder). -Collision: disk 2 is offline because its
    # GUID collides with the helper's.
    param([Parameter(Mandatory = $true)][string]$Volume, [string]$Esp = '', [switch]$Collision)
    foreach ($d in @(Get-PSDrive -PSProvider FileSystem | Where-Object { $_.Name -match '^[D-Z]$' })) { Remove-PSDrive -Name $d.Name -Force }
    $script:Fake = @{
        Calls = New-Object System.Collections.ArrayList
        Loaded = [ordered]@{}
        HelperBuild = 20348
        Corrupt = $false
        PendingRevert = $false
        TrustedInstaller = @()
        Granted = @()
        Owned = @()
        Restored = @()
        TakeownDenied = @()
        MoveFails = @()
        Dirty = $false
        Disks = @(
            [pscustomobject]@{ Number = 0; IsBoot = $true; IsSystem = $true; IsOffline = $false; OfflineReason = ''; IsReadOnly = $false; PartitionStyle = 'GPT'; Guid = '{00000000-0000-0000-0000-00000000000a}'; Signature = 0; BusType = 'SCSI' },
            [pscustomobject]@{ Number = 2; IsBoot = $false; IsSystem = $false; IsOffline = [bool]$Collision; OfflineReason = $(if ($Collision) { 'Collision' } else { '' }); IsReadOnly = $false; PartitionStyle = 'GPT'; Guid = '{11111111-2222-3333-4444-555555555555}'; Signature = 0; BusType = 'SCSI' }
        )
        Partitions = @(
            [pscustomobject]@{ DiskNumber = 0; PartitionNumber = 1; DriveLetter = 'C'; Size = 1GB; GptType = '{ebd0a0a2-b9e5-4433-87c0-68b6b72699c7}'; MbrType = 0; IsActive = $false; Root = '' },
            [pscustomobject]@{ DiskNumber = 2; PartitionNumber = 1; DriveLetter = [char]0; Size = 100MB; GptType = '{c12a7328-f81f-11d2-ba4b-00a0c93ec93b}'; MbrType = 0; IsActive = $false; Root = $Esp },
            [pscustomobject]@{ DiskNumber = 2; PartitionNumber = 2; DriveLetter = [char]0; Size = 16MB; GptType = '{e3c9e316-0b5c-4db8-817d-f92df00215ae}'; MbrType = 0; IsActive = $false; Root = '' },
            [pscustomobject]@{ DiskNumber = 2; PartitionNumber = 3; DriveLetter = [char]0; Size = 100GB; GptType = '{ebd0a0a2-b9e5-4433-87c0-68b6b72699c7}'; MbrType = 0; IsActive = $false; Root = $Volume }
        )
        PendingLetters = @{}
    }
    $env:SystemDrive = 'C:'
}

function Add-FakeCall { param([string]$Text) [void]$script:Fake.Calls.Add($Text) }

function Resolve-FakePath {
    # A path as the scripts pass it ('Z:\Windows\...' on a fake drive, or a path of this machine).
    param([Parameter(Mandatory = $true)][string]$Path)
    return $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath(($Path -replace '\\', '/'))
}

function Test-FakeLoadedUnder {
    # A hive file below $Root is loaded.
    param([Parameter(Mandatory = $true)][string]$Root)
    $full = (Resolve-FakePath $Root).TrimEnd('/') + '/'
    return @($script:Fake.Loaded.Values | Where-Object { ([string]$_).StartsWith($full, [System.StringComparison]::OrdinalIgnoreCase) }).Count -gt 0
}

# ---- native tools ----

function reg.exe {
    Add-FakeCall ('reg ' + ($args -join ' '))
    $verb = [string]$args[0]
    $key = [string]$args[1]
    if ($verb -eq 'load') {
        $file = Resolve-FakePath ([string]$args[2])
        if ($script:Fake.Loaded.Contains($key) -or @($script:Fake.Loaded.Values) -contains $file -or -not (Test-Path -LiteralPath $file)) { $global:LASTEXITCODE = 1; return 'ERROR: The process cannot access the file because it is being used by another process.' }
        $bytes = [System.IO.File]::ReadAllBytes($file)
        $magic = $(if ($bytes.Length -ge 4) { [System.Text.Encoding]::ASCII.GetString($bytes, 0, 4) } else { '' })
        $null = & hivexget $file '\' 2>&1
        if ($magic -ne 'regf' -or $LASTEXITCODE -ne 0) { $global:LASTEXITCODE = 1; return 'ERROR: The configuration registry database is corrupt.' }
        $script:Fake.Loaded[$key] = $file
        $global:LASTEXITCODE = 0
        return 'The operation completed successfully.'
    }
    if ($verb -eq 'unload') {
        if (-not $script:Fake.Loaded.Contains($key)) { $global:LASTEXITCODE = 1; return 'ERROR: The parameter is incorrect.' }
        $script:Fake.Loaded.Remove($key)
        $global:LASTEXITCODE = 0
        return 'The operation completed successfully.'
    }
    $global:LASTEXITCODE = 1
}

function Get-FakeArg {
    param([object[]]$Arguments, [string]$Prefix)
    $hit = @($Arguments | Where-Object { ([string]$_).StartsWith($Prefix, [System.StringComparison]::OrdinalIgnoreCase) } | Select-Object -First 1)
    if ($hit.Count -eq 0) { return $null }
    return ([string]$hit[0]).Substring($Prefix.Length)
}

function dism.exe {
    Add-FakeCall ('dism ' + ($args -join ' '))
    $image = Get-FakeArg $args '/Image:'
    $scratch = Get-FakeArg $args '/ScratchDir:'
    if ($null -ne $scratch -and -not (Test-Path -LiteralPath (Resolve-FakePath $scratch))) { $global:LASTEXITCODE = $script:E_PATH; return 'Error: 0x80070003' }
    if (Test-FakeLoadedUnder $image) { $global:LASTEXITCODE = $script:E_SHARING; return 'Error: 0x80070020' }
    $global:LASTEXITCODE = 0
    if ($args -contains '/RevertPendingActions') { $script:Fake.PendingRevert = $true; return }
    if ($args -contains '/RestoreHealth') {
        if ($script:Fake.PendingRevert) { $global:LASTEXITCODE = $script:E_PENDING; return 'Error: 0x800f082f' }
        $source = Get-FakeArg $args '/Source:'
        $own = $null -ne $source -and ($source -replace '/', '\') -match '\\Windows\\WinSxS\\?$'
        if ($script:Fake.Corrupt -and ($null -eq $source -or $own)) { $global:LASTEXITCODE = $script:E_SOURCE; return 'Error: 0x800f081f' }
        $script:Fake.Corrupt = $false
        return
    }
    $driver = Get-FakeArg $args '/Driver:'
    if ($null -ne $driver) {
        $inf = Join-Path (Resolve-FakePath $image) ('Windows/INF/' + $driver)
        if (-not (Test-Path -LiteralPath $inf)) { $global:LASTEXITCODE = 2; return 'Error: 2' }
        Remove-Item -LiteralPath $inf
    }
}

function sfc.exe {
    Add-FakeCall ('sfc ' + ($args -join ' '))
    $windir = Get-FakeArg $args '/offwindir='
    if ((Test-FakeLoadedUnder $windir) -or $script:Fake.PendingRevert) { $global:LASTEXITCODE = 1; return 'Windows Resource Protection could not perform the requested operation.' }
    $global:LASTEXITCODE = 0
}

function chkdsk.exe {
    Add-FakeCall ('chkdsk ' + ($args -join ' '))
    if ($args -contains '/x' -and (Test-FakeLoadedUnder ([string]$args[0] + '\'))) { $global:LASTEXITCODE = 3; return 'Chkdsk cannot run because the volume is in use by another process.' }
    $global:LASTEXITCODE = 0
}

function bcdedit.exe {
    Add-FakeCall ('bcdedit ' + ($args -join ' '))
    $store = Resolve-FakePath ([string]$args[1])
    if (@($script:Fake.Loaded.Values) -contains $store) { $global:LASTEXITCODE = 1; return 'The boot configuration data store could not be opened.' }
    $verb = [string]$args[2]
    $key = '[{0}\Objects\{1}\Elements\{2}]' -f $script:HexPrefix, $args[3], $script:BcdIds[[string]$args[4]]
    if ($verb -eq '/deletevalue') { $lines = @($key.Insert(1, '-')) }
    elseif ($verb -eq '/set') {
        $text = [string]$args[5]
        $hex = switch ($text) { 'minimal' { '00,00,00,00,00,00,00,00' } 'network' { '01,00,00,00,00,00,00,00' } 'on' { '01' } 'off' { '00' } }
        $lines = @($key, ('"Element"=hex(3):' + $hex))
    } else { $global:LASTEXITCODE = 1; return 'The parameter is incorrect.' }
    Invoke-FakeMerge -File $store -Lines $lines
    $global:LASTEXITCODE = 0
    return 'The operation completed successfully.'
}

function diskpart.exe {
    $lines = @(Get-Content -LiteralPath ([string]$args[1]))
    Add-FakeCall ('diskpart ' + ($lines -join '; '))
    $disk = [int]($lines[0] -replace '\D', '')
    $number = [int]($lines[1] -replace '\D', '')
    $p = Get-FakePartition -DiskNumber $disk -PartitionNumber $number
    if ($lines[2] -match '^assign letter=([A-Z])$') { Set-FakeLetter -Partition $p -Letter $Matches[1] }
    elseif ($lines[2] -match '^remove letter=([A-Z])$') { Clear-FakeLetter -Partition $p }
    $global:LASTEXITCODE = 0
}

# ---- the storage module ----

function Get-FakePartition {
    param([int]$DiskNumber, [int]$PartitionNumber)
    return @($script:Fake.Partitions | Where-Object { $_.DiskNumber -eq $DiskNumber -and $_.PartitionNumber -eq $PartitionNumber })[0]
}

function Set-FakeLetter {
    param($Partition, [string]$Letter)
    if (-not $Partition.Root) { throw 'The fake partition has no folder.' }
    New-PSDrive -Name $Letter -PSProvider FileSystem -Root $Partition.Root -Scope Global | Out-Null
    $Partition.DriveLetter = [char]$Letter
}

function Clear-FakeLetter {
    param($Partition)
    $l = [string]$Partition.DriveLetter
    if ($l -and $l -ne [string][char]0) { Remove-PSDrive -Name $l -Scope Global -Force -ErrorAction SilentlyContinue }
    $Partition.DriveLetter = [char]0
}

function Get-Disk {
    param([int]$Number = -1)
    Add-FakeCall ('Get-Disk ' + $Number)
    if ($Number -ge 0) { return @($script:Fake.Disks | Where-Object { $_.Number -eq $Number })[0] }
    return $script:Fake.Disks
}

function Set-Disk {
    param([int]$Number, $IsOffline, $IsReadOnly, [string]$Guid, $Signature)
    $d = @($script:Fake.Disks | Where-Object { $_.Number -eq $Number })[0]
    if ($Guid) { Add-FakeCall ('Set-Disk {0} -Guid {1}' -f $Number, $Guid); $d.Guid = $Guid }
    if ($null -ne $Signature) { Add-FakeCall ('Set-Disk {0} -Signature {1}' -f $Number, $Signature); $d.Signature = $Signature }
    if ($null -ne $IsOffline) { Add-FakeCall ('Set-Disk {0} -IsOffline {1}' -f $Number, $IsOffline); $d.IsOffline = [bool]$IsOffline }
    if ($null -ne $IsReadOnly) { $d.IsReadOnly = [bool]$IsReadOnly }
}

function Get-Partition {
    param([string]$DriveLetter = '', [int]$DiskNumber = -1, [int]$PartitionNumber = -1)
    if ($DriveLetter) { return @($script:Fake.Partitions | Where-Object { [string]$_.DriveLetter -eq $DriveLetter }) }
    $parts = @($script:Fake.Partitions | Where-Object { $_.DiskNumber -eq $DiskNumber -and ($PartitionNumber -lt 0 -or $_.PartitionNumber -eq $PartitionNumber) })
    foreach ($p in $parts) {
        # A letter being assigned shows on the next look, not on the first.
        $k = '{0}/{1}' -f $p.DiskNumber, $p.PartitionNumber
        if ($script:Fake.PendingLetters.ContainsKey($k)) {
            $letter = $script:Fake.PendingLetters[$k]
            $script:Fake.PendingLetters.Remove($k)
            Set-FakeLetter -Partition $p -Letter $letter
            $p = [pscustomobject]@{ DiskNumber = $p.DiskNumber; PartitionNumber = $p.PartitionNumber; DriveLetter = [char]0; Size = $p.Size; GptType = $p.GptType; MbrType = $p.MbrType; IsActive = $p.IsActive; Root = $p.Root }
        }
        $p
    }
}

function Get-Volume { return @() }

function Update-HostStorageCache { Add-FakeCall 'Update-HostStorageCache' }

function Add-PartitionAccessPath {
    param([int]$DiskNumber, [int]$PartitionNumber, [string]$AccessPath, [switch]$AssignDriveLetter)
    Add-FakeCall ('Add-PartitionAccessPath {0} {1} {2}' -f $DiskNumber, $PartitionNumber, $AccessPath)
    $p = Get-FakePartition -DiskNumber $DiskNumber -PartitionNumber $PartitionNumber
    if ([string]$p.GptType -eq '{c12a7328-f81f-11d2-ba4b-00a0c93ec93b}') { throw 'The requested access path is not valid.' }
    $script:Fake.PendingLetters[('{0}/{1}' -f $DiskNumber, $PartitionNumber)] = $AccessPath.Substring(0, 1)
}

function Remove-PartitionAccessPath {
    param([int]$DiskNumber, [int]$PartitionNumber, [string]$AccessPath)
    Add-FakeCall ('Remove-PartitionAccessPath {0} {1} {2}' -f $DiskNumber, $PartitionNumber, $AccessPath)
    Clear-FakeLetter -Partition (Get-FakePartition -DiskNumber $DiskNumber -PartitionNumber $PartitionNumber)
}

function Start-Sleep { param([int]$Seconds, [int]$Milliseconds) }

# ---- the registry of a loaded hive, through hivex on the hive file ----

function Get-FakeHiveFile {
    param([string]$Mount)
    if (-not $script:Fake.Loaded.Contains($Mount)) { throw ('{0} is not loaded.' -f $Mount) }
    return $script:Fake.Loaded[$Mount]
}

function Invoke-FakeMerge {
    param([string]$File, [string[]]$Lines)
    $reg = [System.IO.Path]::GetTempFileName()
    try {
        [System.IO.File]::WriteAllText($reg, ((@('Windows Registry Editor Version 5.00', '') + $Lines + @('')) -join "`r`n"))
        $out = & hivexregedit --merge --prefix $script:HexPrefix $File $reg 2>&1
        if ($LASTEXITCODE -ne 0) { throw ('hivexregedit --merge failed: ' + ($out -join ' ')) }
    } finally { Remove-Item -LiteralPath $reg -Force }
}

function ConvertTo-FakeHex {
    param([byte[]]$Bytes)
    return (($Bytes | ForEach-Object { $_.ToString('x2') }) -join ',')
}

function Get-FakeKeyLines {
    # The value lines of exactly one key, or $null when the key is absent.
    param([string]$File, [string]$Key)
    $out = @(& hivexregedit --export --prefix $script:HexPrefix $File $Key 2>$null)
    if ($LASTEXITCODE -ne 0) { return $null }
    $lines = @()
    $inside = $false
    foreach ($line in $out) {
        if ($line.StartsWith('[')) { if ($inside) { break }; $inside = $true; continue }
        if ($inside -and $line) { $lines += $line }
    }
    return , $lines
}

function Get-OfflineValue {
    param([string]$Mount, [string]$Key, [string]$Name)
    $lines = Get-FakeKeyLines -File (Get-FakeHiveFile $Mount) -Key $Key
    if ($null -eq $lines) { return $null }
    $quoted = '"' + ($Name -replace '\\', '\\' -replace '"', '\"') + '"='
    $hit = @($lines | Where-Object { $_.StartsWith($quoted, [System.StringComparison]::OrdinalIgnoreCase) })
    if ($hit.Count -eq 0) { return $null }
    $v = $hit[0].Substring($quoted.Length)
    if ($v -match '^dword:([0-9a-f]{8})$') { return [ordered]@{ type = 'REG_DWORD'; data = [long][Convert]::ToUInt32($Matches[1], 16) } }
    if ($v -notmatch '^hex(?:\(([0-9a-f]+)\))?:(.*)$') { throw ('unreadable export line: ' + $hit[0]) }
    $kind = $(if ($Matches[1]) { [Convert]::ToInt32($Matches[1], 16) } else { 3 })
    $bytes = [byte[]]@($Matches[2].Split(',') | Where-Object { $_ } | ForEach-Object { [Convert]::ToByte($_, 16) })
    $text = [System.Text.Encoding]::Unicode.GetString($bytes)
    switch ($kind) {
        1 { return [ordered]@{ type = 'REG_SZ'; data = $text.TrimEnd([char]0) } }
        2 { return [ordered]@{ type = 'REG_EXPAND_SZ'; data = $text.TrimEnd([char]0) } }
        7 { return [ordered]@{ type = 'REG_MULTI_SZ'; data = @($text.TrimEnd([char]0).Split([char]0) | Where-Object { $_ -ne '' }) } }
        default { return [ordered]@{ type = 'REG_BINARY'; data = (($bytes | ForEach-Object { $_.ToString('x2') }) -join '') } }
    }
}

function Test-OfflineKey {
    param([string]$Mount, [string]$Key)
    return $null -ne (Get-FakeKeyLines -File (Get-FakeHiveFile $Mount) -Key $Key)
}

function New-OfflineKey {
    param([string]$Mount, [string]$Key)
    Add-FakeCall ('registry createKey ' + $Key)
    Invoke-FakeMerge -File (Get-FakeHiveFile $Mount) -Lines @(('[{0}\{1}]' -f $script:HexPrefix, $Key))
}

function Set-OfflineValue {
    param([string]$Mount, [string]$Key, [string]$Name, $Value)
    Add-FakeCall ('registry setValue {0}\{1}' -f $Key, $Name)
    $n = '"' + ($Name -replace '\\', '\\' -replace '"', '\"') + '"'
    $data = switch ([string]$Value.type) {
        'REG_DWORD' { 'dword:' + ([uint32][long]$Value.data).ToString('x8') }
        'REG_SZ' { 'hex(1):' + (ConvertTo-FakeHex ([System.Text.Encoding]::Unicode.GetBytes([string]$Value.data + [char]0))) }
        'REG_EXPAND_SZ' { 'hex(2):' + (ConvertTo-FakeHex ([System.Text.Encoding]::Unicode.GetBytes([string]$Value.data + [char]0))) }
        'REG_MULTI_SZ' { 'hex(7):' + (ConvertTo-FakeHex ([System.Text.Encoding]::Unicode.GetBytes(((@($Value.data) -join [char]0) + [char]0 + [char]0)))) }
    }
    Invoke-FakeMerge -File (Get-FakeHiveFile $Mount) -Lines @(('[{0}\{1}]' -f $script:HexPrefix, $Key), ($n + '=' + $data))
}

function Get-LoadedHiveNames { return @($script:Fake.Loaded.Keys | Where-Object { $_ -like 'HKLM\VMR_*' }) }

# ---- helper facts and file security ----

function Get-HelperBuild { return $script:Fake.HelperBuild }

function Get-FileSecurityRecord {
    param([string]$Path)
    Add-FakeCall ('Get-FileSecurityRecord ' + $Path)
    return 'O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:P(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;0x1200a9;;;SY)'
}

function Get-FakeAclName { param([string]$Full) return [System.IO.Path]::GetFileName($Full) }

function fsutil.exe {
    # fsutil dirty query <drive>: "Volume - <drive> is Dirty" / "is NOT Dirty", exit 0 ($Fake.Dirty).
    Add-FakeCall ('fsutil ' + ($args -join ' '))
    $global:LASTEXITCODE = 0
    if ($script:Fake.Dirty) { return ('Volume - {0} is Dirty' -f $args[2]) }
    return ('Volume - {0} is NOT Dirty' -f $args[2])
}

function takeown.exe {
    # takeown /F <file> /A: ownership to the Administrators group; exit 0, or 1 with "ERROR: ..."
    # (a file that is not there, or one listed in $Fake.TakeownDenied).
    Add-FakeCall ('takeown ' + ($args -join ' '))
    $file = Resolve-FakePath ([string]$args[1])
    if (-not (Test-Path -LiteralPath $file) -or $script:Fake.TakeownDenied -contains $file) {
        $global:LASTEXITCODE = 1
        return ('ERROR: Access is denied. ("{0}")' -f $args[1])
    }
    $script:Fake.Owned += $file
    $global:LASTEXITCODE = 0
    return ('SUCCESS: The file (or folder): "{0}" now owned by the administrators group.' -f $args[1])
}

function icacls.exe {
    # icacls <file> /grant *S-1-5-18:F   needs WRITE_DAC: a TrustedInstaller-owned file only after
    #                                    takeown (else exit 5, access denied); exit 2 for no file
    # icacls <file> /save <aclfile>      writes the file's name and SDDL (UTF-16LE)
    # icacls <folder> /restore <aclfile> puts the saved owner and ACL back (the grant is gone)
    Add-FakeCall ('icacls ' + ($args -join ' '))
    $target = Resolve-FakePath ([string]$args[0])
    $verb = [string]$args[1]
    if ($verb -eq '/restore') {
        $saved = [System.IO.File]::ReadAllText((Resolve-FakePath ([string]$args[2])), [System.Text.Encoding]::Unicode) -split "`r`n"
        $file = Join-Path $target $saved[0]
        $script:Fake.Granted = @($script:Fake.Granted | Where-Object { $_ -ne $file })
        $script:Fake.Owned = @($script:Fake.Owned | Where-Object { $_ -ne $file })
        $script:Fake.Restored += $file
        $global:LASTEXITCODE = 0
        return 'Successfully processed 1 files; Failed processing 0 files'
    }
    if (-not (Test-Path -LiteralPath $target)) {
        $global:LASTEXITCODE = 2
        return ('{0}: The system cannot find the file specified.' -f $args[0])
    }
    if ($verb -eq '/save') {
        $sddl = Get-FileSecurityRecord -Path ([string]$args[0])
        [System.IO.File]::WriteAllText((Resolve-FakePath ([string]$args[2])), ((Get-FakeAclName $target) + "`r`n" + $sddl + "`r`n"), [System.Text.Encoding]::Unicode)
    } elseif ($verb -eq '/grant') {
        if ($script:Fake.TrustedInstaller -contains $target -and $script:Fake.Owned -notcontains $target) {
            $global:LASTEXITCODE = 5
            return ('{0}: Access is denied.' -f $args[0])
        }
        $script:Fake.Granted += $target
    }
    $global:LASTEXITCODE = 0
    return 'Successfully processed 1 files; Failed processing 0 files'
}

function Move-Item {
    # As SYSTEM, a TrustedInstaller-owned file cannot be moved until ownership is taken.
    param([string]$LiteralPath, [string]$Destination)
    $full = Resolve-FakePath $LiteralPath
    Add-FakeCall ('Move-Item ' + $LiteralPath)
    if ($script:Fake.TrustedInstaller -contains $full -and $script:Fake.Granted -notcontains $full) { throw ('Access to the path ''{0}'' is denied.' -f $LiteralPath) }
    if ($script:Fake.MoveFails -contains $full) { throw 'The process cannot access the file because it is being used by another process.' }
    Microsoft.PowerShell.Management\Move-Item -LiteralPath $LiteralPath -Destination $Destination
}

function New-Reg {
    # A .reg file of these lines (for preparing a hive with hivexregedit --merge); returns its path.
    param([string[]]$Lines)
    $reg = [System.IO.Path]::GetTempFileName()
    [System.IO.File]::WriteAllText($reg, ((@('Windows Registry Editor Version 5.00', '') + $Lines + @('')) -join "`r`n"))
    return $reg
}
