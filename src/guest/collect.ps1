<#
.SYNOPSIS
    vm-rescue collect: reports facts about the offline Windows installation on the attached disk as
    one CollectOutput JSON document (src/collect/contract.ts). It changes nothing on that disk.
.NOTES
    Prints the document, writes the same text to -OutputPath (uploaded by Run Command's outputBlobUri
    or copied to S3), and prints one summary line last. Failed steps are listed in "errors".
#>
[CmdletBinding()]
param(
    # Disk number of the attached copy (Get-Disk); -1 = find it (never the helper's own system disk).
    [ValidateRange(-1, 1023)][int]$DiskNumber = -1,
    # Newest minidumps to include.
    [ValidateRange(0, 50)][int]$MaxMinidumps = 3,
    # A minidump larger than this is listed without its base64 content.
    [ValidateRange(0, 67108864)][int]$MaxMinidumpBytes = 4194304,
    # System.evtx events of this many days back (from the newest event on the disk).
    [ValidateRange(1, 3650)][int]$EventDays = 30,
    [ValidateRange(1, 5000)][int]$MaxEvents = 300,
    # Bytes of the end of setupapi.dev.log to ship as text (parsed in TypeScript); 0 = none.
    [ValidateRange(0, 16777216)][int]$MaxSetupApiLogBytes = 1048576,
    # A partition without a drive letter gets a temporary one to look for Windows only when larger than this.
    [ValidateRange(0, 2147483647)][int]$MinWindowsPartitionBytes = 1073741824,
    # Where the full document is written on the helper (not on the attached disk).
    [ValidateLength(8, 200)]
    [ValidatePattern('^[A-Za-z]:\\(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\\){0,8}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\.json\z')]
    [string]$OutputPath = 'C:\vm-rescue\collect-output.json'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'common.ps1')

$ScriptVersion = '1.1.0'
$ArchNames = @{ 'AMD64' = 'x64'; 'ARM64' = 'arm64'; 'x86' = 'x86' }
$EventIds = @(1001, 41, 6008, 7000, 7001, 7026, 20001, 20003)
$errors = New-Object System.Collections.ArrayList

function Invoke-CollectStep {
    # Runs one collection step; a failure is recorded in "errors" and the default is returned.
    param(
        [Parameter(Mandatory = $true)][string]$Step,
        [Parameter(Mandatory = $true)][scriptblock]$Body,
        $Default = $null
    )
    try { return (& $Body) }
    catch {
        [void]$errors.Add([ordered]@{ step = $Step; message = [string]$_.Exception.Message })
        return $Default
    }
}

function ConvertTo-VolumeRelativePath {
    # ImagePath of a service -> path relative to the offline volume root, or $null.
    param([AllowNull()][string]$ImagePath, [string]$ServiceName, $Type)
    $p = $ImagePath
    if (-not $p) {
        if ($null -ne $Type -and ([int]$Type -band 3)) { return ('Windows\System32\drivers\{0}.sys' -f $ServiceName) }
        return $null
    }
    $p = $p.Trim()
    if ($p.StartsWith('"')) { $p = $p.Substring(1); $end = $p.IndexOf('"'); if ($end -ge 0) { $p = $p.Substring(0, $end) } }
    elseif ($p -match '^(.+?\.(?:exe|sys|dll))(?:\s|$)') { $p = $Matches[1] }
    $p = $p -replace '^\\\?\?\\', ''
    $p = $p -replace '^(?:\\SystemRoot|%SystemRoot%|%windir%)\\', 'Windows\'
    if ($p -match '^[A-Za-z]:\\(.*)$') { $p = $Matches[1] }
    elseif ($p -match '^(?i:system32)\\') { $p = 'Windows\' + $p }
    $p = $p -replace '^%ProgramFiles%\\', 'Program Files\'
    if ($p -match '%' -or $p -match '^\\') { return $null }
    return $p
}

function Get-ServiceFactsList {
    param([string]$ServicesKey, [string]$VolumeRoot)
    foreach ($key in @(Get-ChildItem -LiteralPath ('Registry::' + $ServicesKey))) {
        $names = @($key.GetValueNames())
        $get = { param($n) if ($names -contains $n) { $key.GetValue($n, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames) } else { $null } }
        $type = & $get 'Type'
        $imagePath = & $get 'ImagePath'
        $override = $null
        $overrideKey = Get-Item -LiteralPath ('Registry::' + $key.Name + '\StartOverride') -ErrorAction SilentlyContinue
        if ($null -ne $overrideKey) {
            $override = [ordered]@{}
            foreach ($v in @($overrideKey.GetValueNames())) { $override[$v] = [long]$overrideKey.GetValue($v) }
        }
        $file = $null
        $relative = ConvertTo-VolumeRelativePath -ImagePath $imagePath -ServiceName $key.PSChildName -Type $type
        if ($relative) { $file = Get-FileFacts -VolumeRoot $VolumeRoot -RelativePath $relative }
        $start = & $get 'Start'; $errorControl = & $get 'ErrorControl'; $group = & $get 'Group'; $display = & $get 'DisplayName'
        [ordered]@{
            name = [string]$key.PSChildName
            displayName = $(if ($null -ne $display) { [string]$display } else { $null })
            imagePath = $(if ($null -ne $imagePath) { [string]$imagePath } else { $null })
            start = $(if ($null -ne $start) { [long]$start } else { $null })
            type = $(if ($null -ne $type) { [long]$type } else { $null })
            errorControl = $(if ($null -ne $errorControl) { [long]$errorControl } else { $null })
            group = $(if ($null -ne $group) { [string]$group } else { $null })
            startOverride = $override
            file = $file
        }
    }
}

function Get-ClassFilterList {
    param([string]$ClassKey)
    foreach ($key in @(Get-ChildItem -LiteralPath ('Registry::' + $ClassKey))) {
        $names = @($key.GetValueNames())
        if ($names -notcontains 'UpperFilters' -and $names -notcontains 'LowerFilters') { continue }
        [ordered]@{
            classGuid = [string]$key.PSChildName
            className = $(if ($names -contains 'Class') { [string]$key.GetValue('Class') } else { $null })
            upperFilters = @($(if ($names -contains 'UpperFilters') { @($key.GetValue('UpperFilters')) | Where-Object { $_ } }))
            lowerFilters = @($(if ($names -contains 'LowerFilters') { @($key.GetValue('LowerFilters')) | Where-Object { $_ } }))
        }
    }
}

function Get-VersionOrNull {
    param([string]$VolumeRoot, [string]$RelativePath)
    $facts = Get-FileFacts -VolumeRoot $VolumeRoot -RelativePath $RelativePath
    if (-not $facts.exists) { return $null }
    return @{ version = $facts.version }
}

function Get-GuestComponents {
    param([string]$SoftwareKey, [string]$ServicesKey, [string]$VolumeRoot)
    $guest = [ordered]@{ azureGuestAgent = $null; hyperVIntegrationServices = $null; awsPvDriver = $null; awsEna = $null; awsNvme = $null; ec2Launch = $null }
    $gaPath = ConvertTo-VolumeRelativePath -ImagePath (Get-RegValue -Key ($ServicesKey + '\WindowsAzureGuestAgent') -Name 'ImagePath') -ServiceName 'WindowsAzureGuestAgent' -Type 16
    $gaRegistry = Get-RegValue -Key ($SoftwareKey + '\Microsoft\Virtual Machine\Guest') -Name 'GuestAgentVersion'
    if ($gaPath) {
        $facts = Get-FileFacts -VolumeRoot $VolumeRoot -RelativePath $gaPath
        if ($facts.exists -and $facts.version) { $guest.azureGuestAgent = [ordered]@{ version = $facts.version; source = ('file:' + $gaPath) } }
    }
    if ($null -eq $guest.azureGuestAgent -and $null -ne $gaRegistry) {
        $guest.azureGuestAgent = [ordered]@{ version = [string]$gaRegistry; source = 'registry:SOFTWARE\Microsoft\Virtual Machine\Guest\GuestAgentVersion' }
    }
    $ic = Get-RegValue -Key ($SoftwareKey + '\Microsoft\Virtual Machine\Auto') -Name 'IntegrationServicesVersion'
    $hostMajor = Get-RegValue -Key ($SoftwareKey + '\Microsoft\Virtual Machine\Guest\Parameters') -Name 'HostSystemOSMajor'
    $hostMinor = Get-RegValue -Key ($SoftwareKey + '\Microsoft\Virtual Machine\Guest\Parameters') -Name 'HostSystemOSMinor'
    if ($null -ne $ic -or $null -ne $hostMajor) {
        $guest.hyperVIntegrationServices = [ordered]@{
            version = $(if ($null -ne $ic) { [string]$ic } else { $null })
            hostOsMajor = $(if ($null -ne $hostMajor) { [int]$hostMajor } else { $null })
            hostOsMinor = $(if ($null -ne $hostMinor) { [int]$hostMinor } else { $null })
        }
    }
    $pv = Get-RegValue -Key ($SoftwareKey + '\Amazon\PVDriver') -Name 'Version'
    if ($null -ne $pv) { $guest.awsPvDriver = @{ version = [string]$pv } }
    $guest.awsEna = Get-VersionOrNull -VolumeRoot $VolumeRoot -RelativePath 'Windows\System32\drivers\ena.sys'
    $guest.awsNvme = Get-VersionOrNull -VolumeRoot $VolumeRoot -RelativePath 'Windows\System32\drivers\AWSNVMe.sys'
    $v2 = Get-VersionOrNull -VolumeRoot $VolumeRoot -RelativePath 'Program Files\Amazon\EC2Launch\EC2Launch.exe'
    $v1Manifest = Join-Path $VolumeRoot 'ProgramData\Amazon\EC2-Windows\Launch\Module\Ec2Launch.psd1'
    $config = Get-VersionOrNull -VolumeRoot $VolumeRoot -RelativePath 'Program Files\Amazon\Ec2ConfigService\Ec2Config.exe'
    if ($null -ne $v2) { $guest.ec2Launch = [ordered]@{ kind = 'EC2Launch v2'; version = $v2.version } }
    elseif (Test-Path -LiteralPath $v1Manifest) {
        $version = $null
        $m = Select-String -LiteralPath $v1Manifest -Pattern "ModuleVersion\s*=\s*'([0-9.]+)'" | Select-Object -First 1
        if ($null -ne $m) { $version = $m.Matches[0].Groups[1].Value }
        $guest.ec2Launch = [ordered]@{ kind = 'EC2Launch v1'; version = $version }
    }
    elseif ($null -ne $config) { $guest.ec2Launch = [ordered]@{ kind = 'EC2Config'; version = $config.version } }
    return $guest
}

function Get-InstalledProgramList {
    param([string]$SoftwareKey)
    foreach ($root in @('\Microsoft\Windows\CurrentVersion\Uninstall', '\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')) {
        foreach ($key in @(Get-ChildItem -LiteralPath ('Registry::' + $SoftwareKey + $root) -ErrorAction SilentlyContinue)) {
            $names = @($key.GetValueNames())
            if ($names -notcontains 'DisplayName') { continue }
            [ordered]@{
                name = [string]$key.GetValue('DisplayName')
                version = $(if ($names -contains 'DisplayVersion') { [string]$key.GetValue('DisplayVersion') } else { $null })
                publisher = $(if ($names -contains 'Publisher') { [string]$key.GetValue('Publisher') } else { $null })
            }
        }
    }
}

function Get-DumpFacts {
    param([string]$VolumeRoot, [string]$ControlKey)
    $dumpDir = Join-Path $VolumeRoot 'Windows\Minidump'
    $all = @(Get-ChildItem -LiteralPath $dumpDir -Filter '*.dmp' -File -ErrorAction SilentlyContinue | Sort-Object -Property LastWriteTimeUtc -Descending)
    $minidumps = @($all | Select-Object -First $MaxMinidumps | ForEach-Object {
        $tooBig = $_.Length -gt $MaxMinidumpBytes
        [ordered]@{
            name = $_.Name; sizeBytes = [long]$_.Length; lastWriteUtc = ConvertTo-UtcIso -Time $_.LastWriteTimeUtc
            base64 = $(if ($tooBig) { $null } else { [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($_.FullName)) })
            truncated = $tooBig
        }
    })
    $memory = Get-Item -LiteralPath (Join-Path $VolumeRoot 'Windows\MEMORY.DMP') -ErrorAction SilentlyContinue
    $cc = $ControlKey + '\CrashControl'
    $crash = $null
    if (Test-Path -LiteralPath ('Registry::' + $cc)) {
        $crash = [ordered]@{
            crashDumpEnabled = Get-RegValue -Key $cc -Name 'CrashDumpEnabled'
            autoReboot = Get-RegValue -Key $cc -Name 'AutoReboot'
            dumpFile = Get-RegValue -Key $cc -Name 'DumpFile'
            minidumpDir = Get-RegValue -Key $cc -Name 'MinidumpDir'
            nmiCrashDump = Get-RegValue -Key $cc -Name 'NMICrashDump'
        }
    }
    return [ordered]@{
        minidumps = $minidumps
        minidumpCount = $all.Count
        memoryDmp = [ordered]@{
            exists = ($null -ne $memory)
            sizeBytes = $(if ($null -ne $memory) { [long]$memory.Length } else { $null })
            lastWriteUtc = $(if ($null -ne $memory) { ConvertTo-UtcIso -Time $memory.LastWriteTimeUtc } else { $null })
        }
        crashControl = $crash
    }
}

function Get-OfflineEvents {
    param([string]$VolumeRoot)
    $evtx = Join-Path $VolumeRoot 'Windows\System32\winevt\Logs\System.evtx'
    if (-not (Test-Path -LiteralPath $evtx)) { throw ('System.evtx not found: {0}' -f $evtx) }
    $newest = Get-WinEvent -Path $evtx -MaxEvents 1
    $since = $newest.TimeCreated.AddDays(-$EventDays)
    $found = @()
    try { $found = @(Get-WinEvent -Path $evtx -MaxEvents $MaxEvents -FilterXPath ('*[System[(' + (($EventIds | ForEach-Object { 'EventID=' + $_ }) -join ' or ') + ')]]')) }
    catch { if ([string]$_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { throw } }
    foreach ($e in $found) {
        if ($e.TimeCreated -lt $since) { continue }
        $data = [ordered]@{}
        $xml = [xml]$e.ToXml()
        $i = 0
        foreach ($node in @($xml.SelectNodes("//*[local-name()='EventData' or local-name()='UserData']//*[local-name()='Data' or not(*)]"))) {
            $i++
            $name = $node.GetAttribute('Name')
            if (-not $name) { $name = $(if ($node.LocalName -eq 'Data') { 'param' + $i } else { $node.LocalName }) }
            $data[$name] = [string]$node.InnerText
        }
        [ordered]@{
            id = [int]$e.Id; provider = [string]$e.ProviderName; timeCreatedUtc = ConvertTo-UtcIso -Time $e.TimeCreated
            level = $(if ($null -ne $e.Level) { [int]$e.Level } else { $null }); data = $data
        }
    }
}

function Get-SetupApiLog {
    # The last -MaxSetupApiLogBytes bytes of Windows\INF\setupapi.dev.log as text, uninterpreted:
    # sections, times and packages are read by src/collect/setupapi.ts.
    param([string]$VolumeRoot)
    $relative = 'Windows\INF\setupapi.dev.log'
    $item = Get-Item -LiteralPath (Join-Path $VolumeRoot $relative) -ErrorAction SilentlyContinue
    if ($null -eq $item -or $item.PSIsContainer) { return $null }
    $length = [long]$item.Length
    $offset = [Math]::Max([long]0, $length - [long]$MaxSetupApiLogBytes)
    $buffer = New-Object byte[] ([int]($length - $offset))
    $read = 0
    $stream = [System.IO.File]::Open($item.FullName, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite)
    try {
        [void]$stream.Seek($offset, [System.IO.SeekOrigin]::Begin)
        while ($read -lt $buffer.Length) {
            $n = $stream.Read($buffer, $read, $buffer.Length - $read)
            if ($n -le 0) { break }
            $read += $n
        }
    } finally {
        $stream.Dispose()
    }
    return [ordered]@{
        path = $relative
        sizeBytes = $length
        lastWriteUtc = ConvertTo-UtcIso -Time $item.LastWriteTimeUtc
        offset = $offset
        truncated = ($offset -gt 0)
        text = (New-Object System.Text.UTF8Encoding($false, $false)).GetString($buffer, 0, $read)
    }
}

function Get-RegNumberOrNull {
    # A REG_DWORD of an offline key as a signed number (Bias -60 stays -60), or $null.
    param([string]$Key, [string]$Name)
    $v = Get-RegValue -Key $Key -Name $Name
    if ($v -is [int] -or $v -is [long]) { return [long]$v }
    return $null
}

function Get-RegHexOrNull {
    # A REG_BINARY of an offline key as hex digits (SYSTEMTIME: 32 digits), or $null.
    param([string]$Key, [string]$Name)
    $item = Get-Item -LiteralPath ('Registry::' + $Key) -ErrorAction SilentlyContinue
    if ($null -eq $item -or $item.GetValueNames() -notcontains $Name) { return $null }
    $bytes = $item.GetValue($Name)
    if ($bytes -isnot [byte[]]) { return $null }
    return ([System.BitConverter]::ToString($bytes) -replace '-', '')
}

function Get-TimeZoneFacts {
    # Control\TimeZoneInformation of the offline control set, as stored: the guest's local-time rules
    # that setupapi.dev.log was written with. The conversion is done in TypeScript.
    param([string]$ControlKey)
    $key = $ControlKey + '\TimeZoneInformation'
    if (-not (Test-Path -LiteralPath ('Registry::' + $key))) { return $null }
    $name = Get-RegValue -Key $key -Name 'TimeZoneKeyName'
    return [ordered]@{
        keyName = $(if ($null -ne $name) { ([string]$name).Trim([char]0) } else { $null })
        bias = Get-RegNumberOrNull -Key $key -Name 'Bias'
        standardBias = Get-RegNumberOrNull -Key $key -Name 'StandardBias'
        daylightBias = Get-RegNumberOrNull -Key $key -Name 'DaylightBias'
        standardStart = Get-RegHexOrNull -Key $key -Name 'StandardStart'
        daylightStart = Get-RegHexOrNull -Key $key -Name 'DaylightStart'
        activeTimeBias = Get-RegNumberOrNull -Key $key -Name 'ActiveTimeBias'
        dynamicDaylightTimeDisabled = Get-RegNumberOrNull -Key $key -Name 'DynamicDaylightTimeDisabled'
    }
}

function Get-BcdFacts {
    param([string]$Store)
    $entry = Get-BcdDefaultEntry -Store $Store
    $loader = @{}
    if ($entry) { $loader = Get-BcdEntryElements -Store $Store -Entry $entry }
    $manager = Get-BcdEntryElements -Store $Store -Entry '{bootmgr}'
    $flag = { param($h, $n) $h.ContainsKey($n) -and ([string]$h[$n]) -match '^(?i:yes|on|true)$' }
    return [ordered]@{
        defaultEntry = $entry
        safeboot = $(if ($loader.ContainsKey('safeboot')) { ([string]$loader['safeboot']).ToLowerInvariant() } else { $null })
        safebootAlternateShell = [bool](& $flag $loader 'safebootalternateshell')
        bootStatusPolicy = $(if ($loader.ContainsKey('bootstatuspolicy')) { [string]$loader['bootstatuspolicy'] } else { $null })
        recoveryEnabled = $(if ($loader.ContainsKey('recoveryenabled')) { [bool](& $flag $loader 'recoveryenabled') } else { $null })
        ems = [bool](& $flag $loader 'ems')
        bootEms = [bool](& $flag $manager 'bootems')
    }
}

function Get-VolumeFacts {
    param([string]$Drive)
    $vol = Get-Volume -DriveLetter $Drive.Substring(0, 1)
    $out = & fsutil.exe dirty query $Drive
    Assert-ExitCode -Tool 'fsutil.exe dirty query' -ExitCode $LASTEXITCODE -Output $out
    $text = (@($out) -join ' ')
    $dirty = $null
    if ($text -match '(?i)\bNOT\s+Dirty\b') { $dirty = $false } elseif ($text -match '(?i)\bDirty\b') { $dirty = $true }
    return [ordered]@{ fileSystem = [string]$vol.FileSystem; sizeBytes = [long]$vol.Size; freeBytes = [long]$vol.SizeRemaining; dirty = $dirty }
}

$target = Find-RescueTarget -DiskNumber $DiskNumber -MinWindowsPartitionBytes $MinWindowsPartitionBytes
$systemKey = $null
$softwareKey = $null
try {
    if ($OutputPath.Substring(0, 2) -eq $target.WindowsDrive) { throw 'OutputPath must be on the helper, not on the attached disk.' }
    $root = $target.WindowsVolume
    $config = Join-Path $root 'Windows\System32\config'
    $systemKey = Mount-OfflineHive -HivePath (Join-Path $config 'SYSTEM') -Label 'SYSTEM'
    $softwareKey = Invoke-CollectStep -Step 'software-hive' -Body { Mount-OfflineHive -HivePath (Join-Path $config 'SOFTWARE') -Label 'SOFTWARE' }
    $current = Get-CurrentControlSetNumber -SystemKey $systemKey
    $controlSetKey = '{0}\ControlSet{1:000}' -f $systemKey, $current
    $select = $systemKey + '\Select'
    $nt = $(if ($softwareKey) { $softwareKey + '\Microsoft\Windows NT\CurrentVersion' } else { 'HKLM\VMR_MISSING' })
    $arch = [string](Get-RegValue -Key ($controlSetKey + '\Control\Session Manager\Environment') -Name 'PROCESSOR_ARCHITECTURE')
    $ubr = Get-RegValue -Key $nt -Name 'UBR'
    $build = Get-RegValue -Key $nt -Name 'CurrentBuildNumber'
    $doc = [ordered]@{
        schemaVersion = 1
        kind = 'collect'
        collectedAtUtc = Get-UtcNow
        scriptVersion = $ScriptVersion
        target = [ordered]@{
            diskNumber = $target.DiskNumber; busType = $target.BusType; partitionStyle = $target.PartitionStyle
            signatureCollision = [bool]$target.SignatureCollision; windowsVolume = $target.WindowsVolume
            bcdStore = $target.BcdStore; generation = $target.Generation
        }
        os = [ordered]@{
            productName = [string](Get-RegValue -Key $nt -Name 'ProductName')
            build = $(if ($null -ne $build) { [int]$build } else { 0 })
            ubr = $(if ($null -ne $ubr) { [int]$ubr } else { $null })
            installationType = Get-RegValue -Key $nt -Name 'InstallationType'
            editionId = Get-RegValue -Key $nt -Name 'EditionID'
            architecture = $(if ($ArchNames.ContainsKey($arch)) { $ArchNames[$arch] } else { $arch.ToLowerInvariant() })
        }
        controlSets = [ordered]@{
            current = $current
            default = Get-RegValue -Key $select -Name 'Default'
            failed = Get-RegValue -Key $select -Name 'Failed'
            lastKnownGood = Get-RegValue -Key $select -Name 'LastKnownGood'
        }
        services = @(Invoke-CollectStep -Step 'services' -Body { Get-ServiceFactsList -ServicesKey ($controlSetKey + '\Services') -VolumeRoot $root } -Default @())
        classFilters = @(Invoke-CollectStep -Step 'classFilters' -Body { Get-ClassFilterList -ClassKey ($controlSetKey + '\Control\Class') } -Default @())
        guest = Invoke-CollectStep -Step 'guest' -Body { Get-GuestComponents -SoftwareKey $softwareKey -ServicesKey ($controlSetKey + '\Services') -VolumeRoot $root } -Default ([ordered]@{ azureGuestAgent = $null; hyperVIntegrationServices = $null; awsPvDriver = $null; awsEna = $null; awsNvme = $null; ec2Launch = $null })
        installedPrograms = @(Invoke-CollectStep -Step 'installedPrograms' -Body { Get-InstalledProgramList -SoftwareKey $softwareKey } -Default @())
        dumps = Invoke-CollectStep -Step 'dumps' -Body { Get-DumpFacts -VolumeRoot $root -ControlKey ($controlSetKey + '\Control') } -Default ([ordered]@{ minidumps = @(); minidumpCount = 0; memoryDmp = [ordered]@{ exists = $false; sizeBytes = $null; lastWriteUtc = $null }; crashControl = $null })
        events = @(Invoke-CollectStep -Step 'events' -Body { Get-OfflineEvents -VolumeRoot $root } -Default @())
        setupApiLog = Invoke-CollectStep -Step 'setupApiLog' -Body { Get-SetupApiLog -VolumeRoot $root }
        timeZone = Invoke-CollectStep -Step 'timeZone' -Body { Get-TimeZoneFacts -ControlKey ($controlSetKey + '\Control') }
        bcd = $(if ($target.BcdStore) { Invoke-CollectStep -Step 'bcd' -Body { Get-BcdFacts -Store $target.BcdStore } } else { $null })
        pendingUpdates = [ordered]@{
            pendingXml = Test-Path -LiteralPath (Join-Path $root 'Windows\WinSxS\pending.xml')
            regBackPopulated = [bool](@(Get-ChildItem -LiteralPath (Join-Path $config 'RegBack') -File -ErrorAction SilentlyContinue | Where-Object { $_.Length -gt 0 }).Count)
            pendingFileRenames = $null -ne (Get-RegValue -Key ($controlSetKey + '\Control\Session Manager') -Name 'PendingFileRenameOperations')
        }
        acpiEnum = @(Invoke-CollectStep -Step 'acpiEnum' -Body { Get-ChildItem -LiteralPath ('Registry::' + $controlSetKey + '\Enum\ACPI') | ForEach-Object { [string]$_.PSChildName } } -Default @())
        volume = Invoke-CollectStep -Step 'volume' -Body { Get-VolumeFacts -Drive $target.WindowsDrive } -Default ([ordered]@{ fileSystem = $null; sizeBytes = $null; freeBytes = $null; dirty = $null })
        errors = $errors
    }
    if (-not $target.BcdStore) { [void]$errors.Add([ordered]@{ step = 'bcd'; message = 'No BCD store found on the attached disk.' }) }
    $json = Write-JsonDocument -Document $doc -Path $OutputPath
    Write-Output $json
    Write-Output ('vm-rescue collect {0}: disk {1} {2}, build {3}.{4}, {5} services, {6} minidumps, {7} events, {8} errors; full document in {9} ({10} bytes)' -f $ScriptVersion, $target.DiskNumber, $target.WindowsVolume, $doc.os.build, $doc.os.ubr, $doc.services.Count, $doc.dumps.minidumps.Count, $doc.events.Count, $errors.Count, $OutputPath, $json.Length)
} finally {
    try {
        if ($softwareKey) { Dismount-OfflineHive -Key $softwareKey }
        if ($systemKey) { Dismount-OfflineHive -Key $systemKey }
    } finally {
        Close-RescueTarget -Target $target
    }
}
