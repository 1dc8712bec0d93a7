<#
.SYNOPSIS
    vm-rescue collect: ships the raw evidence of the offline Windows installation on the attached
    disk — registry hives with their transaction logs, the BCD store, minidumps, System.evtx,
    setupapi.dev.log, pending.xml — as files, with a manifest of names, sizes and SHA-256. It reads
    no registry value, decides nothing and changes nothing on that disk.
.NOTES
    Each file is copied to a staging folder next to -OutputPath (on the helper), hashed there and
    uploaded with one HTTP PUT to the URL -UploadUrls gives for its name, made by the TypeScript
    side: a blob URL written with the helper's managed identity (or a SAS URL), or an S3 presigned URL. The manifest (src/collect/manifest.ts) is written to
    -OutputPath, uploaded as manifest.json and printed, followed by one summary line. The
    TypeScript side downloads the files, checks each size and hash against the manifest and reads
    them with its own readers (src/evidence/).
#>
[CmdletBinding()]
param(
    # Disk number of the attached copy (Get-Disk); -1 = find it (never the helper's own system disk).
    [ValidateRange(-1, 1023)][int]$DiskNumber = -1,
    # Newest minidumps to ship (as minidump-01.dmp, ... in the order newest first).
    [ValidateRange(0, 20)][int]$MaxMinidumps = 5,
    # A file larger than this is listed with its size but neither hashed nor shipped.
    [ValidateRange(1048576, 1073741824)][int]$MaxFileBytes = 268435456,
    # A partition without a drive letter gets a temporary one to look for Windows only when larger than this.
    [ValidateRange(0, 2147483647)][int]$MinWindowsPartitionBytes = 1073741824,
    # Volume-relative paths of binaries whose version and signer are listed (the guest components);
    # a folder may end in * (e.g. WindowsAzure\GuestAgent*\WindowsAzureGuestAgent.exe: the newest match).
    [ValidateCount(0, 32)]
    [ValidatePattern('^(?:[A-Za-z0-9_ .()-]{1,64}\*?\\){0,8}[A-Za-z0-9_ .()-]{1,64}\.(?:sys|exe|dll)\z')]
    [string[]]$FileFactPaths = @(),
    # Where to PUT each file: a JSON object of shipped name -> https URL (a SAS or presigned URL,
    # URL-encoded). Not given: nothing is uploaded.
    [ValidateLength(16, 65536)]
    [ValidatePattern('^\{"[A-Za-z0-9._-]{1,32}":"https://[A-Za-z0-9/?&=%._~+:@!-]+"(?:,"[A-Za-z0-9._-]{1,32}":"https://[A-Za-z0-9/?&=%._~+:@!-]+")*\}\z')]
    [string]$UploadUrls = '',
    # How the PUT is made: AzureBlob adds the x-ms-blob-type header a block blob needs.
    [ValidateSet('None', 'AzureBlob', 'S3')][string]$UploadKind = 'None',
    # Where the manifest is written on the helper (not on the attached disk); the files are staged
    # in the folder "evidence" next to it.
    [ValidateLength(8, 200)]
    [ValidatePattern('^[A-Za-z]:\\(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\\){0,8}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\.json\z')]
    [string]$OutputPath = 'C:\vm-rescue\collect-manifest.json'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Windows PowerShell 5.1 (.NET Framework) may offer only TLS 1.0/1.1; the uploads need TLS 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
. (Join-Path $PSScriptRoot 'common.ps1')

$ScriptVersion = '2.1.0'
$errors = New-Object System.Collections.ArrayList

function Add-CollectError {
    param([Parameter(Mandatory = $true)][string]$Step, [Parameter(Mandatory = $true)][string]$Message)
    [void]$errors.Add([ordered]@{ step = $Step; message = $Message })
}

function Get-EvidenceSources {
    # The files to ship: shipped name -> full path on the offline volume (only those that exist as
    # plain files; a reparse point is never followed). Minidumps newest first, at most MaxMinidumps.
    param(
        [Parameter(Mandatory = $true)][string]$VolumeRoot,
        [AllowNull()][string]$BcdStore,
        [int]$MaxMinidumps = 5
    )
    $config = Join-Path $VolumeRoot 'Windows\System32\config'
    $fixed = [ordered]@{}
    foreach ($hive in 'SYSTEM', 'SOFTWARE') {
        foreach ($suffix in '', '.LOG1', '.LOG2', '.LOG') { $fixed[$hive + $suffix] = Join-Path $config ($hive + $suffix) }
    }
    if ($BcdStore) { $fixed['BCD'] = $BcdStore }
    $fixed['System.evtx'] = Join-Path $VolumeRoot 'Windows\System32\winevt\Logs\System.evtx'
    $fixed['setupapi.dev.log'] = Join-Path $VolumeRoot 'Windows\INF\setupapi.dev.log'
    $fixed['pending.xml'] = Join-Path $VolumeRoot 'Windows\WinSxS\pending.xml'
    $sources = [ordered]@{}
    foreach ($name in $fixed.Keys) {
        $item = Get-Item -LiteralPath $fixed[$name] -Force -ErrorAction SilentlyContinue
        if (Test-PlainFile -Item $item) { $sources[$name] = $item }
    }
    $dumpDir = Join-Path $VolumeRoot 'Windows\Minidump'
    $dumps = @(Get-ChildItem -LiteralPath $dumpDir -Filter '*.dmp' -File -Force -ErrorAction SilentlyContinue |
            Where-Object { Test-PlainFile -Item $_ } |
            Sort-Object -Property LastWriteTimeUtc -Descending |
            Select-Object -First $MaxMinidumps)
    for ($i = 0; $i -lt $dumps.Count; $i++) { $sources[('minidump-{0:00}.dmp' -f ($i + 1))] = $dumps[$i] }
    return $sources
}

function Test-PlainFile {
    # A regular file, not a folder and not a reparse point (a link on a hostile disk is not followed).
    param([AllowNull()]$Item)
    if ($null -eq $Item -or $Item.PSIsContainer) { return $false }
    return -not ($Item.Attributes -band [System.IO.FileAttributes]::ReparsePoint)
}

function Get-MemoryDumpFacts {
    param([Parameter(Mandatory = $true)][string]$VolumeRoot)
    $item = Get-Item -LiteralPath (Join-Path $VolumeRoot 'Windows\MEMORY.DMP') -Force -ErrorAction SilentlyContinue
    if (-not (Test-PlainFile -Item $item)) { return [ordered]@{ exists = $false; sizeBytes = $null; lastWriteUtc = $null } }
    return [ordered]@{ exists = $true; sizeBytes = [long]$item.Length; lastWriteUtc = ConvertTo-UtcIso -Time $item.LastWriteTimeUtc }
}

function Resolve-FileFactPath {
    # A volume-relative path whose folders may end in * -> the newest existing match, or $null.
    param([Parameter(Mandatory = $true)][string]$VolumeRoot, [Parameter(Mandatory = $true)][string]$RelativePath)
    $current = @($VolumeRoot.TrimEnd('\'))
    $parts = $RelativePath.Split('\')
    for ($i = 0; $i -lt $parts.Count; $i++) {
        $part = $parts[$i]
        $last = $i -eq $parts.Count - 1
        $next = @()
        foreach ($dir in $current) {
            if ($part.EndsWith('*')) {
                $next += @(Get-ChildItem -LiteralPath $dir -Directory -Force -ErrorAction SilentlyContinue |
                        Where-Object { $_.Name.StartsWith($part.TrimEnd('*'), [System.StringComparison]::OrdinalIgnoreCase) -and (Test-PlainFolder -Item $_) } |
                        Sort-Object -Property LastWriteTimeUtc -Descending | ForEach-Object { $_.FullName })
            } else {
                $item = Get-Item -LiteralPath (Join-Path $dir $part) -Force -ErrorAction SilentlyContinue
                if ($last) { if (Test-PlainFile -Item $item) { $next += $item.FullName } }
                elseif ($null -ne $item -and (Test-PlainFolder -Item $item)) { $next += $item.FullName }
            }
        }
        $current = $next
        if ($current.Count -eq 0) { return $null }
    }
    return $current[0]
}

function Test-PlainFolder {
    param([AllowNull()]$Item)
    if ($null -eq $Item -or -not $Item.PSIsContainer) { return $false }
    return -not ($Item.Attributes -band [System.IO.FileAttributes]::ReparsePoint)
}

function Get-BinaryFacts {
    # Version resource and signer of one binary, as Windows reports them; the planner compares.
    param([Parameter(Mandatory = $true)][string]$VolumeRoot, [Parameter(Mandatory = $true)][string]$RelativePath)
    $facts = [ordered]@{ path = $RelativePath; foundPath = $null; exists = $false; version = $null; company = $null; product = $null; signer = $null; lastWriteUtc = $null; sizeBytes = $null }
    $full = Resolve-FileFactPath -VolumeRoot $VolumeRoot -RelativePath $RelativePath
    if ($null -eq $full) { return $facts }
    $item = Get-Item -LiteralPath $full -Force
    $facts.foundPath = $full.Substring($VolumeRoot.TrimEnd('\').Length).TrimStart('\')
    $facts.exists = $true
    $facts.lastWriteUtc = ConvertTo-UtcIso -Time $item.LastWriteTimeUtc
    $facts.sizeBytes = [long]$item.Length
    $info = $item.VersionInfo
    if ($null -ne $info) {
        if ($info.FileMajorPart -or $info.FileMinorPart -or $info.FileBuildPart -or $info.FilePrivatePart) {
            $facts.version = '{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
        }
        if ($info.CompanyName) { $facts.company = [string]$info.CompanyName }
        if ($info.ProductName) { $facts.product = [string]$info.ProductName }
    }
    $sig = Get-AuthenticodeSignature -LiteralPath $full -ErrorAction SilentlyContinue
    if ($null -ne $sig -and $null -ne $sig.SignerCertificate) { $facts.signer = [string]$sig.SignerCertificate.Subject }
    return $facts
}

function Get-IncidentFileListing {
    # The CrowdStrike channel files (Windows\System32\drivers\CrowdStrike\C-*.sys): name, size and
    # last write from the folder's listing, newest first, at most MaxFiles. Never opened or read;
    # a link (the folder or a file) is not followed. The planner decides what they mean.
    param([Parameter(Mandatory = $true)][string]$VolumeRoot, [int]$MaxFiles = 256)
    $rel = 'Windows\System32\drivers\CrowdStrike'
    $folder = Get-Item -LiteralPath (Join-Path $VolumeRoot $rel) -Force -ErrorAction SilentlyContinue
    if (-not (Test-PlainFolder -Item $folder)) { return }
    Get-ChildItem -LiteralPath $folder.FullName -Filter 'C-*.sys' -File -Force -ErrorAction SilentlyContinue |
        Where-Object { $_.Name -like 'C-*.sys' -and (Test-PlainFile -Item $_) } |
        Sort-Object -Property LastWriteTimeUtc -Descending |
        Select-Object -First $MaxFiles |
        ForEach-Object { [ordered]@{ path = ($rel + '\' + $_.Name); sizeBytes = [long]$_.Length; lastWriteUtc = ConvertTo-UtcIso -Time $_.LastWriteTimeUtc } }
}

function Get-DirtyQuery {
    # fsutil dirty query <drive>: its exit code and raw output, shipped as they are (the dirty bit is
    # read from them in TypeScript; this script decides nothing); $null when fsutil could not run.
    param([Parameter(Mandatory = $true)][string]$Drive)
    $out = & fsutil.exe dirty query $Drive 2>&1
    $code = [int]$LASTEXITCODE
    $text = (@($out) | ForEach-Object { [string]$_ }) -join "`n"
    if ($text.Length -gt 1024) { $text = $text.Substring(0, 1024) }
    return [ordered]@{ exitCode = $code; output = $text }
}

function Get-HelperFacts {
    # The helper's own Windows build and DISM version: its DISM/SFC service the guest image only
    # when the helper is not older than the image (the planner compares).
    $v = [System.Environment]::OSVersion.Version
    $dismVersion = $null
    if ($env:SystemRoot) {
        $dism = Get-Item -LiteralPath (Join-Path $env:SystemRoot 'System32\dism.exe') -ErrorAction SilentlyContinue
        if ($null -ne $dism -and $null -ne $dism.VersionInfo) {
            $i = $dism.VersionInfo
            $dismVersion = '{0}.{1}.{2}.{3}' -f $i.FileMajorPart, $i.FileMinorPart, $i.FileBuildPart, $i.FilePrivatePart
        }
    }
    return [ordered]@{ osBuild = [int]$v.Build; osVersion = $v.ToString(); dismVersion = $dismVersion }
}

function Invoke-ShipFile {
    # Copies one source to the staging folder, hashes the copy and uploads it: one manifest entry.
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)]$Item,
        [Parameter(Mandatory = $true)][string]$VolumeRoot,
        [Parameter(Mandatory = $true)][string]$Staging,
        [Parameter(Mandatory = $true)][hashtable]$Urls,
        [Parameter(Mandatory = $true)][string]$Kind,
        [string]$Token = '',
        [long]$MaxFileBytes = 268435456
    )
    $full = [string]$Item.FullName
    $entry = [ordered]@{
        name = $Name; sourcePath = $full; sizeBytes = [long]$Item.Length
        lastWriteUtc = ConvertTo-UtcIso -Time $Item.LastWriteTimeUtc; sha256 = $null; uploaded = $false; skipped = $null
    }
    if ($full.StartsWith($VolumeRoot, [System.StringComparison]::OrdinalIgnoreCase)) { $entry.sourcePath = $full.Substring($VolumeRoot.Length).TrimStart('\') }
    if ($entry.sizeBytes -gt $MaxFileBytes) { $entry.skipped = ('larger than {0} bytes' -f $MaxFileBytes); return $entry }
    $copy = Join-Path $Staging $Name
    Copy-Item -LiteralPath $full -Destination $copy -Force
    $entry.sizeBytes = [long](Get-Item -LiteralPath $copy).Length
    $entry.sha256 = (Get-FileHash -LiteralPath $copy -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($Kind -ne 'None' -and $Urls.ContainsKey($Name)) {
        try { Send-EvidenceFile -Path $copy -Url $Urls[$Name] -Kind $Kind -Token $Token; $entry.uploaded = $true }
        catch { Add-CollectError -Step ('upload ' + $Name) -Message ([string]$_.Exception.Message) }
    } elseif ($Kind -ne 'None') {
        $entry.skipped = 'no upload URL for this name'
    }
    return $entry
}

function Invoke-Collect {
    $urls = ConvertFrom-UploadUrls -Json $UploadUrls
    # Blob URLs without a SAS are written with the helper's managed identity.
    $token = ''
    if ($UploadKind -eq 'AzureBlob' -and @($urls.Values | Where-Object { $_ -notmatch '[?&]sig=' }).Count -gt 0) { $token = Get-StorageToken }
    # A disk identity a killed run changed is written back first; the new one is saved before any change.
    $stateFolder = Join-Path (Split-Path -Parent $OutputPath) 'state'
    [void](Restore-SavedDiskIdentity -StateFolder $stateFolder)
    $target = Find-RescueTarget -DiskNumber $DiskNumber -MinWindowsPartitionBytes $MinWindowsPartitionBytes -StateFolder $stateFolder
    try {
        if ($OutputPath.Substring(0, 2) -eq $target.WindowsDrive) { throw 'OutputPath must be on the helper, not on the attached disk.' }
        $root = $target.WindowsVolume
        $staging = Join-Path (Split-Path -Parent $OutputPath) 'evidence'
        if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
        New-Item -ItemType Directory -Path $staging -Force | Out-Null
        $sources = Get-EvidenceSources -VolumeRoot $root -BcdStore $target.BcdStore -MaxMinidumps $MaxMinidumps
        $files = @(foreach ($name in $sources.Keys) {
                try { Invoke-ShipFile -Name $name -Item $sources[$name] -VolumeRoot $root -Staging $staging -Urls $urls -Kind $UploadKind -Token $token -MaxFileBytes $MaxFileBytes }
                catch { Add-CollectError -Step ('copy ' + $name) -Message ([string]$_.Exception.Message) }
            })
        if (-not $sources.Contains('SYSTEM')) { Add-CollectError -Step 'SYSTEM' -Message 'Windows\System32\config\SYSTEM was not found as a plain file.' }
        if (-not $target.BcdStore) { Add-CollectError -Step 'bcd' -Message 'No BCD store found on the attached disk.' }
        $binaries = @(foreach ($p in $FileFactPaths) {
                try { Get-BinaryFacts -VolumeRoot $root -RelativePath $p }
                catch { Add-CollectError -Step ('file ' + $p) -Message ([string]$_.Exception.Message) }
            })
        $dirtyQuery = $null
        try { $dirtyQuery = Get-DirtyQuery -Drive $target.WindowsDrive } catch { Add-CollectError -Step 'dirty' -Message ([string]$_.Exception.Message) }
        $helper = $null
        try { $helper = Get-HelperFacts } catch { Add-CollectError -Step 'helper' -Message ([string]$_.Exception.Message) }
        $listedFiles = @()
        try { $listedFiles = @(Get-IncidentFileListing -VolumeRoot $root) } catch { Add-CollectError -Step 'incident files' -Message ([string]$_.Exception.Message) }
        $doc = [ordered]@{
            schemaVersion = 2
            kind = 'collect-manifest'
            collectedAtUtc = Get-UtcNow
            scriptVersion = $ScriptVersion
            target = [ordered]@{
                diskNumber = $target.DiskNumber; busType = $target.BusType; partitionStyle = $target.PartitionStyle
                signatureCollision = [bool]$target.SignatureCollision; windowsVolume = ($target.WindowsDrive + '\')
                bcdStore = $target.BcdStore; generation = $target.Generation
            }
            files = $files
            memoryDump = Get-MemoryDumpFacts -VolumeRoot $root
            binaries = $binaries
            helper = $helper
            listedFiles = $listedFiles
            dirtyQuery = $dirtyQuery
            errors = $errors
        }
        $json = Write-JsonDocument -Document $doc -Path $OutputPath
        if ($UploadKind -ne 'None' -and $urls.ContainsKey('manifest.json')) {
            try { Send-EvidenceFile -Path $OutputPath -Url $urls['manifest.json'] -Kind $UploadKind -Token $token }
            catch { Add-CollectError -Step 'upload manifest.json' -Message ([string]$_.Exception.Message) }
        }
        Write-Output $json
        $shipped = @($files | Where-Object { $_.uploaded }).Count
        Write-Output ('vm-rescue collect {0}: disk {1} {2}, {3} files found, {4} uploaded, {5} errors; manifest in {6} ({7} bytes)' -f $ScriptVersion, $target.DiskNumber, $doc.target.windowsVolume, $files.Count, $shipped, $errors.Count, $OutputPath, $json.Length)
    } finally {
        Close-RescueTarget -Target $target
    }
}

# Dot-sourced (the tests): define the functions only.
if ($MyInvocation.InvocationName -eq '.') { return }
Invoke-Collect
