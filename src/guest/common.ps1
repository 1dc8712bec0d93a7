# vm-rescue common code: finds the offline Windows installation on the attached disk, loads and
# unloads its registry hives, runs native tools with exit-code checks and writes JSON.
#
# It defines functions only. Each script dot-sources it right after its param() block; the
# embedding (src/guest/embed.ts) puts this text at the same place, because Run Command and SSM
# deliver a single script. It decides nothing: callers pass every value in.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:VmRescueEspGptType = '{c12a7328-f81f-11d2-ba4b-00a0c93ec93b}'

function ConvertTo-UtcIso {
    param([Parameter(Mandatory = $true)][datetime]$Time)
    return $Time.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
}

function Get-UtcNow {
    return ConvertTo-UtcIso -Time ([datetime]::UtcNow)
}

function Write-JsonDocument {
    # One compact JSON document on stdout; optionally the same text in a UTF-8 file (no BOM).
    param(
        [Parameter(Mandatory = $true)]$Document,
        [string]$Path = ''
    )
    $json = ConvertTo-Json -InputObject $Document -Depth 32 -Compress
    if ($Path) {
        $dir = Split-Path -Parent $Path
        if ($dir -and -not (Test-Path -LiteralPath $dir)) {
            New-Item -ItemType Directory -Path $dir -Force | Out-Null
        }
        [System.IO.File]::WriteAllText($Path, $json, (New-Object System.Text.UTF8Encoding($false)))
    }
    return $json
}

function Assert-ExitCode {
    # Every native tool call is followed by this check with $LASTEXITCODE passed explicitly.
    param(
        [Parameter(Mandatory = $true)][string]$Tool,
        [Parameter(Mandatory = $true)][AllowNull()]$ExitCode,
        [int[]]$Allowed = @(0),
        $Output = $null
    )
    if ($null -eq $ExitCode -or $Allowed -notcontains [int]$ExitCode) {
        $tail = ''
        if ($null -ne $Output) { $tail = (@($Output) | Select-Object -Last 5) -join ' | ' }
        throw ('{0} failed with exit code {1}. {2}' -f $Tool, $ExitCode, $tail)
    }
}

function Get-FreeDriveLetter {
    $used = @(Get-Volume | Where-Object { $_.DriveLetter } | ForEach-Object { [string]$_.DriveLetter })
    $used += @(Get-PSDrive -PSProvider FileSystem | ForEach-Object { $_.Name })
    foreach ($letter in [char[]]'ZYXWVUTSRQPONMLKJIHG') {
        if ($used -notcontains [string]$letter) { return [string]$letter }
    }
    throw 'No free drive letter for the attached disk partitions.'
}

function Invoke-DiskPart {
    # diskpart reads its commands from a file; the lines are built from numbers and a letter only.
    param([Parameter(Mandatory = $true)][string[]]$Lines)
    $file = Join-Path $env:TEMP ('vmrescue-diskpart-{0}.txt' -f [guid]::NewGuid().ToString('N'))
    try {
        Set-Content -LiteralPath $file -Value $Lines -Encoding ASCII
        $out = & diskpart.exe /s $file
        Assert-ExitCode -Tool 'diskpart.exe' -ExitCode $LASTEXITCODE -Output $out
    } finally {
        Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
    }
}

function Save-RescueState {
    # One JSON file in the helper's state folder, written before the change it protects.
    param([Parameter(Mandatory = $true)][string]$Folder, [Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)]$Value)
    if (-not (Test-Path -LiteralPath $Folder)) { New-Item -ItemType Directory -Path $Folder -Force | Out-Null }
    $path = Join-Path $Folder $Name
    [System.IO.File]::WriteAllText($path, (ConvertTo-Json -InputObject $Value -Depth 16 -Compress), (New-Object System.Text.UTF8Encoding($false)))
}

function Read-RescueState {
    param([Parameter(Mandatory = $true)][string]$Folder, [Parameter(Mandatory = $true)][string]$Name)
    $path = Join-Path $Folder $Name
    if (-not (Test-Path -LiteralPath $path)) { return $null }
    return (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json)
}

function Remove-RescueState {
    param([Parameter(Mandatory = $true)][string]$Folder, [Parameter(Mandatory = $true)][string]$Name)
    $path = Join-Path $Folder $Name
    if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Force }
}

function Wait-PartitionDriveLetter {
    # Drive letters arrive asynchronously after Set-Disk / Add-PartitionAccessPath: poll the API.
    param([Parameter(Mandatory = $true)][int]$DiskNumber, [Parameter(Mandatory = $true)][int]$PartitionNumber, [int]$Tries = 20)
    for ($i = 0; $i -lt $Tries; $i++) {
        $p = Get-Partition -DiskNumber $DiskNumber -PartitionNumber $PartitionNumber
        if ($p.DriveLetter -and [string]$p.DriveLetter -ne [string][char]0) { return [string]$p.DriveLetter }
        Start-Sleep -Milliseconds 500
    }
    return ''
}

function Add-TemporaryDriveLetter {
    # A letter for a data partition through the storage API (Update-HostStorageCache first, then
    # Add-PartitionAccessPath, then wait for the letter); the ESP through diskpart, which the API
    # refuses for it. Every access path is recorded in the state folder before it is added, so a
    # killed run's successor removes it.
    param(
        [Parameter(Mandatory = $true)]$Target,
        [Parameter(Mandatory = $true)]$Partition
    )
    $disk = [int]$Partition.DiskNumber
    $number = [int]$Partition.PartitionNumber
    Update-HostStorageCache
    $existing = Wait-PartitionDriveLetter -DiskNumber $disk -PartitionNumber $number -Tries 1
    if ($existing) { return ('{0}:' -f $existing) }
    $letter = Get-FreeDriveLetter
    $esp = [string]$Partition.GptType -eq $script:VmRescueEspGptType
    $Target.TemporaryLetters += , @($disk, $number, $letter, $esp)
    if ($Target.StateFolder) {
        # Objects, not nested arrays: ConvertFrom-Json unrolls arrays differently in 5.1 and 7.
        $paths = @($Target.TemporaryLetters | ForEach-Object { @{ disk = $_[0]; partition = $_[1]; letter = $_[2]; esp = [bool]$_[3] } })
        Save-RescueState -Folder $Target.StateFolder -Name 'access-paths.json' -Value @{ paths = $paths }
    }
    if ($esp) {
        Invoke-DiskPart -Lines @(('select disk {0}' -f $disk), ('select partition {0}' -f $number), ('assign letter={0}' -f $letter))
    } else {
        Add-PartitionAccessPath -DiskNumber $disk -PartitionNumber $number -AccessPath ('{0}:\' -f $letter)
    }
    $got = Wait-PartitionDriveLetter -DiskNumber $disk -PartitionNumber $number
    if ($got -ne $letter) { throw ('Partition {0} of disk {1} did not get the drive letter {2}.' -f $number, $disk, $letter) }
    return ('{0}:' -f $letter)
}

function Remove-TemporaryAccessPath {
    param([Parameter(Mandatory = $true)][int]$DiskNumber, [Parameter(Mandatory = $true)][int]$PartitionNumber, [Parameter(Mandatory = $true)][string]$Letter, [bool]$Esp = $false)
    if ($Esp) {
        Invoke-DiskPart -Lines @(('select disk {0}' -f $DiskNumber), ('select partition {0}' -f $PartitionNumber), ('remove letter={0}' -f $Letter))
    } else {
        Remove-PartitionAccessPath -DiskNumber $DiskNumber -PartitionNumber $PartitionNumber -AccessPath ('{0}:\' -f $Letter)
    }
}

function Restore-SavedDiskIdentity {
    # The disk's original GPT GUID or MBR signature, saved before any Set-Disk changed it: written
    # back, then the file is removed (a killed run leaves it for the next one).
    param([Parameter(Mandatory = $true)][string]$StateFolder)
    $saved = Read-RescueState -Folder $StateFolder -Name 'disk-identity.json'
    if ($null -eq $saved) { return $false }
    if ($saved.kind -eq 'Guid') { Set-Disk -Number ([int]$saved.diskNumber) -Guid ([string]$saved.value) }
    else { Set-Disk -Number ([int]$saved.diskNumber) -Signature ([uint32]$saved.value) }
    Remove-RescueState -Folder $StateFolder -Name 'disk-identity.json'
    return $true
}

function Get-HelperSystemDiskNumbers {
    $numbers = @()
    $systemLetter = $env:SystemDrive.Substring(0, 1)
    $numbers += @(Get-Partition -DriveLetter $systemLetter | ForEach-Object { [int]$_.DiskNumber })
    $numbers += @(Get-Disk | Where-Object { $_.IsBoot -or $_.IsSystem } | ForEach-Object { [int]$_.Number })
    return @($numbers | Select-Object -Unique)
}

function Open-AttachedDisk {
    # Brings one disk online. A disk offline because of a signature/GUID collision gets a fresh
    # identity so Windows onlines it; Close-RescueTarget writes the original identity back.
    param(
        [Parameter(Mandatory = $true)]$Disk,
        [Parameter(Mandatory = $true)]$Target
    )
    if ($Disk.IsOffline) {
        $reason = [string]$Disk.OfflineReason
        if ($reason -eq 'Collision') {
            $Target.SignatureCollision = $true
            if ([string]$Disk.PartitionStyle -eq 'GPT') {
                $Target.OriginalIdentity = @{ Kind = 'Guid'; Value = [string]$Disk.Guid }
            } else {
                $Target.OriginalIdentity = @{ Kind = 'Signature'; Value = [uint32]$Disk.Signature }
            }
            # Saved on the helper before the change: a killed run's successor writes it back.
            if ($Target.StateFolder) {
                Save-RescueState -Folder $Target.StateFolder -Name 'disk-identity.json' -Value @{ diskNumber = [int]$Disk.Number; kind = $Target.OriginalIdentity.Kind; value = $Target.OriginalIdentity.Value }
            }
            if ($Target.OriginalIdentity.Kind -eq 'Guid') {
                Set-Disk -Number $Disk.Number -Guid ('{' + [guid]::NewGuid().ToString() + '}')
            } else {
                $bytes = [guid]::NewGuid().ToByteArray()
                Set-Disk -Number $Disk.Number -Signature ([System.BitConverter]::ToUInt32($bytes, 0))
            }
        }
        Set-Disk -Number $Disk.Number -IsOffline $false
    }
    if ($Disk.IsReadOnly) {
        Set-Disk -Number $Disk.Number -IsReadOnly $false
    }
}

function Find-RescueTarget {
    # Finds the attached copy of the broken OS disk: never a disk of the helper's own system. The
    # first disk (by number) holding \Windows\System32\config\SYSTEM wins; -DiskNumber (set by the
    # TypeScript side from the collect output) pins it. Partitions without a letter are looked into
    # only when larger than -MinWindowsPartitionBytes (recovery/MSR partitions are skipped).
    param([int]$DiskNumber = -1, [long]$MinWindowsPartitionBytes = 1073741824, [string]$StateFolder = '')
    $helperDisks = Get-HelperSystemDiskNumbers
    $target = [pscustomobject]@{
        DiskNumber = -1; BusType = ''; PartitionStyle = ''; SignatureCollision = $false
        OriginalIdentity = $null; TemporaryLetters = @(); WindowsDrive = ''; WindowsVolume = ''
        BcdStore = $null; Generation = $null; StateFolder = $StateFolder
    }
    $disks = @(Get-Disk | Where-Object { $helperDisks -notcontains [int]$_.Number })
    if ($DiskNumber -ge 0) {
        if ($helperDisks -contains $DiskNumber) { throw ('Disk {0} holds the helper''s own system; refusing to use it.' -f $DiskNumber) }
        $disks = @($disks | Where-Object { [int]$_.Number -eq $DiskNumber })
        if ($disks.Count -eq 0) { throw ('Disk {0} was not found.' -f $DiskNumber) }
    }
    foreach ($disk in $disks) {
        try {
            Open-AttachedDisk -Disk $disk -Target $target
            $disk = Get-Disk -Number $disk.Number
            $target.DiskNumber = [int]$disk.Number
            $target.BusType = [string]$disk.BusType
            $target.PartitionStyle = [string]$disk.PartitionStyle
            $partitions = @(Get-Partition -DiskNumber $disk.Number)
            foreach ($part in $partitions) {
                if ([string]$part.GptType -eq $script:VmRescueEspGptType) { continue }
                # an MBR extended container (5, 15) or hidden recovery partition (39) holds no Windows
                if ([string]$disk.PartitionStyle -eq 'MBR' -and @(5, 15, 39) -contains [int]$part.MbrType) { continue }
                $drive = ''
                if ($part.DriveLetter -and [string]$part.DriveLetter -ne [string][char]0) { $drive = ('{0}:' -f $part.DriveLetter) }
                elseif ([long]$part.Size -gt $MinWindowsPartitionBytes) { $drive = Add-TemporaryDriveLetter -Target $target -Partition $part }
                if ($drive -and (Test-Path -LiteralPath ($drive + '\Windows\System32\config\SYSTEM'))) {
                    $target.WindowsDrive = $drive
                    $target.WindowsVolume = $drive + '\'
                    break
                }
            }
            if (-not $target.WindowsDrive) { Close-RescueTarget -Target $target; continue }
            if ($target.PartitionStyle -eq 'GPT') {
                $esp = @($partitions | Where-Object { [string]$_.GptType -eq $script:VmRescueEspGptType } | Select-Object -First 1)
                if ($esp.Count -eq 1) {
                    $espDrive = Add-TemporaryDriveLetter -Target $target -Partition $esp[0]
                    $store = $espDrive + '\EFI\Microsoft\Boot\BCD'
                    if (Test-Path -LiteralPath $store) { $target.BcdStore = $store; $target.Generation = 2 }
                }
            } else {
                $bootable = @($partitions | Where-Object { @(5, 15, 39) -notcontains [int]$_.MbrType })
                foreach ($part in @($bootable | Sort-Object -Property @{ Expression = { -not $_.IsActive } })) {
                    $drive = ''
                    if ($part.DriveLetter -and [string]$part.DriveLetter -ne [string][char]0) { $drive = ('{0}:' -f $part.DriveLetter) }
                    else { $drive = Add-TemporaryDriveLetter -Target $target -Partition $part }
                    if (Test-Path -LiteralPath ($drive + '\boot\BCD')) {
                        $target.BcdStore = $drive + '\boot\BCD'; $target.Generation = 1; break
                    }
                }
            }
            return $target
        } catch {
            Close-RescueTarget -Target $target
            throw
        }
    }
    throw 'No attached disk with an offline Windows installation (\Windows\System32\config\SYSTEM) was found.'
}

function Close-RescueTarget {
    # Always called (finally): removes every temporary drive letter and restores a disk identity
    # that was changed to get past a collision. Errors here are reported, never swallowed silently.
    param([Parameter(Mandatory = $true)]$Target)
    $failures = @()
    foreach ($entry in @($Target.TemporaryLetters)) {
        try { Remove-TemporaryAccessPath -DiskNumber $entry[0] -PartitionNumber $entry[1] -Letter $entry[2] -Esp ([bool]$entry[3]) }
        catch { $failures += $_.Exception.Message }
    }
    $Target.TemporaryLetters = @()
    if ($Target.StateFolder -and $failures.Count -eq 0) { Remove-RescueState -Folder $Target.StateFolder -Name 'access-paths.json' }
    if ($null -ne $Target.OriginalIdentity -and $Target.DiskNumber -ge 0) {
        try {
            if ($Target.OriginalIdentity.Kind -eq 'Guid') {
                Set-Disk -Number $Target.DiskNumber -Guid $Target.OriginalIdentity.Value
            } else {
                Set-Disk -Number $Target.DiskNumber -Signature $Target.OriginalIdentity.Value
            }
            if ($Target.StateFolder) { Remove-RescueState -Folder $Target.StateFolder -Name 'disk-identity.json' }
        } catch { $failures += $_.Exception.Message }
        $Target.OriginalIdentity = $null
    }
    if ($failures.Count -gt 0) { throw ('Cleanup of the attached disk failed: ' + ($failures -join '; ')) }
}

function Mount-OfflineHive {
    # Loads a hive file under a unique HKLM key and returns the key name (e.g. HKLM\VMR_SYSTEM_1234_ab12cd).
    param(
        [Parameter(Mandatory = $true)][string]$HivePath,
        [Parameter(Mandatory = $true)][string]$Label
    )
    if (-not (Test-Path -LiteralPath $HivePath)) { throw ('Hive not found: {0}' -f $HivePath) }
    $key = 'HKLM\VMR_{0}_{1}_{2}' -f $Label, $PID, [guid]::NewGuid().ToString('N').Substring(0, 8)
    $out = & reg.exe load $key $HivePath
    Assert-ExitCode -Tool 'reg.exe load' -ExitCode $LASTEXITCODE -Output $out
    return $key
}

function Dismount-OfflineHive {
    # Unloads with garbage collection first (open .NET registry handles keep the hive busy) and retries.
    param([Parameter(Mandatory = $true)][string]$Key)
    $last = $null
    for ($attempt = 1; $attempt -le 6; $attempt++) {
        [System.GC]::Collect()
        [System.GC]::WaitForPendingFinalizers()
        $out = & reg.exe unload $Key
        $last = $LASTEXITCODE
        if ($last -eq 0) { return }
        Start-Sleep -Seconds ([Math]::Min(2 * $attempt, 8))
    }
    Assert-ExitCode -Tool ('reg.exe unload ' + $Key) -ExitCode $last -Output $out
}

# ---- uploads (collect ships the evidence, repair ships back the hives it changed) ----

function ConvertFrom-UploadUrls {
    # The -UploadUrls JSON -> hashtable name -> URL; every URL must be https.
    param([AllowEmptyString()][string]$Json)
    $urls = @{}
    if (-not $Json) { return $urls }
    $parsed = ConvertFrom-Json -InputObject $Json
    foreach ($p in @($parsed.PSObject.Properties)) {
        $url = [string]$p.Value
        if (-not $url.StartsWith('https://', [System.StringComparison]::Ordinal)) { throw ('UploadUrls: the URL for {0} is not https.' -f $p.Name) }
        $urls[[string]$p.Name] = $url
    }
    return $urls
}

function Get-StorageToken {
    # A bearer token for Azure Storage from the helper's managed identity (IMDS), for blob URLs
    # without a SAS: the artifacts account allows no shared keys.
    $uri = 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F'
    $answer = Invoke-RestMethod -Uri $uri -Headers @{ Metadata = 'true' } -Method Get -UseBasicParsing
    if (-not $answer.access_token) { throw 'The managed identity endpoint gave no token for Azure Storage.' }
    return [string]$answer.access_token
}

function Send-EvidenceFile {
    # One PUT of a staged file; the URL's query (a SAS or a signature) and the token are never printed.
    param(
        [Parameter(Mandatory = $true)][string]$Path,
        [Parameter(Mandatory = $true)][string]$Url,
        [Parameter(Mandatory = $true)][string]$Kind,
        [string]$Token = ''
    )
    $headers = @{}
    if ($Kind -eq 'AzureBlob') {
        $headers['x-ms-blob-type'] = 'BlockBlob'
        if ($Token) { $headers['Authorization'] = 'Bearer ' + $Token; $headers['x-ms-version'] = '2021-08-06' }
    }
    $null = Invoke-WebRequest -Uri $Url -Method Put -InFile $Path -Headers $headers -ContentType 'application/octet-stream' -UseBasicParsing
}
