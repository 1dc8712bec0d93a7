# collect.ps1's own functions under a real PowerShell, on a folder laid out like an offline Windows
# volume: which files it ships (never a link), the hash it records, the upload it makes and the
# URLs it accepts. The script is dot-sourced, which defines its functions and runs nothing.

BeforeDiscovery {
    $isRoot = (-not $IsWindows) -and ((& id -u) -eq '0')
    $noCorruptHive = -not (Test-Path (Join-Path $PSScriptRoot '../../../shared/fixtures/hives/corrupted_system_hive'))
}

BeforeAll {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
    . (Join-Path $root 'src/guest/collect.ps1')

    function New-Volume {
        # A volume root with the files collect looks for; returns its path.
        $vol = Join-Path ([System.IO.Path]::GetTempPath()) ('vmr-vol-' + [guid]::NewGuid().ToString('N'))
        foreach ($rel in 'Windows/System32/config/SYSTEM', 'Windows/System32/config/SYSTEM.LOG1',
            'Windows/System32/config/SOFTWARE', 'Windows/System32/winevt/Logs/System.evtx',
            'Windows/INF/setupapi.dev.log', 'Windows/Minidump/a.dmp', 'Windows/Minidump/b.dmp',
            'Windows/Minidump/c.dmp', 'Windows/MEMORY.DMP') {
            $path = Join-Path $vol $rel
            New-Item -ItemType Directory -Force -Path (Split-Path -Parent $path) | Out-Null
            [System.IO.File]::WriteAllText($path, $rel)
        }
        $i = 0
        foreach ($dump in 'a.dmp', 'b.dmp', 'c.dmp') {
            $i++
            (Get-Item (Join-Path $vol "Windows/Minidump/$dump")).LastWriteTimeUtc = [datetime]::new(2026, 11, $i, 0, 0, 0, [System.DateTimeKind]::Utc)
        }
        return $vol
    }
}

Describe 'Get-EvidenceSources' {
    BeforeEach { $vol = New-Volume }
    AfterEach { Remove-Item -Recurse -Force $vol }

    It 'lists the hives, their logs, the logs and the newest minidumps under fixed names' {
        $s = Get-EvidenceSources -VolumeRoot $vol -BcdStore $null -MaxMinidumps 2
        @($s.Keys) | Should -Be @('SYSTEM', 'SYSTEM.LOG1', 'SOFTWARE', 'System.evtx', 'setupapi.dev.log', 'minidump-01.dmp', 'minidump-02.dmp')
        $s['minidump-01.dmp'].Name | Should -Be 'c.dmp'
        $s['minidump-02.dmp'].Name | Should -Be 'b.dmp'
    }

    It 'never follows a link on the disk' {
        Remove-Item (Join-Path $vol 'Windows/INF/setupapi.dev.log')
        New-Item -ItemType SymbolicLink -Path (Join-Path $vol 'Windows/INF/setupapi.dev.log') -Target '/etc/hostname' | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $vol 'Windows/Minidump/z.dmp') -Target '/etc/hostname' | Out-Null
        $s = Get-EvidenceSources -VolumeRoot $vol -BcdStore $null -MaxMinidumps 5
        $s.Contains('setupapi.dev.log') | Should -BeFalse
        @($s.Values | ForEach-Object { $_.Name }) | Should -Not -Contain 'z.dmp'
    }

    It 'ships the BCD store from where the disk holds it' {
        $bcd = Join-Path $vol 'BCD'
        [System.IO.File]::WriteAllText($bcd, 'bcd')
        (Get-EvidenceSources -VolumeRoot $vol -BcdStore $bcd)['BCD'].FullName | Should -Be (Get-Item $bcd).FullName
    }
}

Describe 'Get-IncidentFileListing' {
    BeforeEach {
        $vol = New-Volume
        $cs = Join-Path $vol 'Windows/System32/drivers/CrowdStrike'
        New-Item -ItemType Directory -Force -Path $cs | Out-Null
        $files = [ordered]@{
            'C-00000291-00000000-00000032.sys' = @(40788, [datetime]::new(2024, 7, 19, 4, 9, 0, [System.DateTimeKind]::Utc))
            'C-00000285-00000000-00000013.sys' = @(3188, [datetime]::new(2024, 7, 16, 11, 20, 31, [System.DateTimeKind]::Utc))
            'csagent.sys' = @(10, [datetime]::new(2024, 7, 1, 0, 0, 0, [System.DateTimeKind]::Utc))
        }
        foreach ($name in $files.Keys) {
            $path = Join-Path $cs $name
            [System.IO.File]::WriteAllBytes($path, (New-Object byte[] $files[$name][0]))
            (Get-Item $path).LastWriteTimeUtc = $files[$name][1]
        }
    }
    AfterEach {
        Get-ChildItem -Recurse -File $vol | ForEach-Object { if (-not $IsWindows) { & chmod 644 $_.FullName } }
        Remove-Item -Recurse -Force $vol
    }

    It 'lists the C-*.sys channel files by name, size and last write, newest first, and nothing else' {
        $l = @(Get-IncidentFileListing -VolumeRoot $vol)
        $l.Count | Should -Be 2
        $l[0].path | Should -Be 'Windows\System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys'
        $l[0].sizeBytes | Should -Be 40788
        $l[0].lastWriteUtc | Should -Be '2024-07-19T04:09:00Z'
        $l[1].path | Should -Be 'Windows\System32\drivers\CrowdStrike\C-00000285-00000000-00000013.sys'
        $l[1].lastWriteUtc | Should -Be '2024-07-16T11:20:31Z'
        @($l[0].Keys) | Should -Be @('path', 'sizeBytes', 'lastWriteUtc')
    }

    It 'never reads a file: one that cannot be opened is listed all the same' -Skip:($IsWindows -or $isRoot) {
        $bad = Join-Path $cs 'C-00000291-00000000-00000032.sys'
        & chmod 000 $bad
        { [System.IO.File]::ReadAllBytes($bad) } | Should -Throw
        (@(Get-IncidentFileListing -VolumeRoot $vol))[0].sizeBytes | Should -Be 40788
    }

    It 'opens, copies or hashes nothing (its text)' {
        $text = ${function:Get-IncidentFileListing}.ToString()
        $text | Should -Not -Match 'Get-Content|ReadAll|OpenRead|\.Open\(|Copy-Item|Get-FileHash|Send-EvidenceFile|Set-|Remove-|Rename-'
    }

    It 'follows no link, and lists nothing where the folder is absent' {
        New-Item -ItemType SymbolicLink -Path (Join-Path $cs 'C-00000999-link.sys') -Target '/etc/hostname' | Out-Null
        @(Get-IncidentFileListing -VolumeRoot $vol).path | Should -Not -Contain 'Windows\System32\drivers\CrowdStrike\C-00000999-link.sys'
        Remove-Item -Recurse -Force $cs
        @(Get-IncidentFileListing -VolumeRoot $vol).Count | Should -Be 0
    }

    It 'does not follow a CrowdStrike folder that is a link' {
        Remove-Item -Recurse -Force $cs
        $elsewhere = Join-Path $vol 'elsewhere'
        New-Item -ItemType Directory -Path $elsewhere | Out-Null
        [System.IO.File]::WriteAllText((Join-Path $elsewhere 'C-00000291-x.sys'), 'x')
        New-Item -ItemType SymbolicLink -Path $cs -Target $elsewhere | Out-Null
        @(Get-IncidentFileListing -VolumeRoot $vol).Count | Should -Be 0
    }
}

Describe 'Invoke-ShipFile' {
    BeforeEach {
        $vol = New-Volume
        $staging = Join-Path $vol 'staging'
        New-Item -ItemType Directory -Path $staging | Out-Null
        $script:puts = @()
        Mock Send-EvidenceFile { $script:puts += , @($Path, $Url, $Kind) }
    }
    AfterEach { Remove-Item -Recurse -Force $vol }

    It 'records the SHA-256 of the staged copy and PUTs it to the URL of its name' {
        $item = Get-Item (Join-Path $vol 'Windows/System32/config/SYSTEM')
        $e = Invoke-ShipFile -Name 'SYSTEM' -Item $item -VolumeRoot $vol -Staging $staging -Urls @{ SYSTEM = 'https://a.example/c/SYSTEM?sig=1' } -Kind 'AzureBlob'
        $expected = (Get-FileHash -Algorithm SHA256 -LiteralPath $item.FullName).Hash.ToLowerInvariant()
        $e.sha256 | Should -Be $expected
        $e.uploaded | Should -BeTrue
        $e.sizeBytes | Should -Be $item.Length
        $script:puts.Count | Should -Be 1
        $script:puts[0][1] | Should -Be 'https://a.example/c/SYSTEM?sig=1'
        $script:puts[0][2] | Should -Be 'AzureBlob'
    }

    It 'neither copies nor ships a file over the size cap' {
        $item = Get-Item (Join-Path $vol 'Windows/System32/config/SYSTEM')
        $e = Invoke-ShipFile -Name 'SYSTEM' -Item $item -VolumeRoot $vol -Staging $staging -Urls @{ SYSTEM = 'https://a.example/x' } -Kind 'S3' -MaxFileBytes 3
        $e.sha256 | Should -BeNullOrEmpty
        $e.uploaded | Should -BeFalse
        $e.skipped | Should -Match 'larger than 3 bytes'
        $script:puts.Count | Should -Be 0
    }

    It 'says when no URL was given for a name' {
        $item = Get-Item (Join-Path $vol 'Windows/System32/config/SOFTWARE')
        $e = Invoke-ShipFile -Name 'SOFTWARE' -Item $item -VolumeRoot $vol -Staging $staging -Urls @{} -Kind 'S3'
        $e.uploaded | Should -BeFalse
        $e.skipped | Should -Be 'no upload URL for this name'
    }
}

Describe 'Send-EvidenceFile' {
    It 'makes one PUT with the block-blob header for Azure and none for S3' {
        $script:calls = @()
        Mock Invoke-WebRequest { $script:calls += , @{ Method = $Method; Headers = $Headers; Uri = $Uri } }
        Send-EvidenceFile -Path $PSCommandPath -Url 'https://a.example/x?sig=1' -Kind 'AzureBlob'
        Send-EvidenceFile -Path $PSCommandPath -Url 'https://b.example/y?X-Amz-Signature=1' -Kind 'S3'
        $script:calls[0].Method | Should -Be 'Put'
        $script:calls[0].Headers['x-ms-blob-type'] | Should -Be 'BlockBlob'
        $script:calls[1].Headers.Count | Should -Be 0
    }

    It 'sends a presigned S3 PUT as it is: the URL, no Authorization header even with a token' {
        $script:calls = @()
        Mock Invoke-WebRequest { $script:calls += , @{ Method = $Method; Headers = $Headers; Uri = $Uri } }
        $url = 'https://vmr.s3.eu-west-1.amazonaws.com/inc/collect/SYSTEM?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab'
        Send-EvidenceFile -Path $PSCommandPath -Url $url -Kind 'S3' -Token 'tok'
        $script:calls.Count | Should -Be 1
        $script:calls[0].Method | Should -Be 'Put'
        [string]$script:calls[0].Uri | Should -Be $url
        $script:calls[0].Headers.ContainsKey('Authorization') | Should -BeFalse
    }
}

Describe 'Send-EvidenceFile with the managed identity' {
    It 'adds the bearer token and the storage version a blob PUT without a SAS needs' {
        $script:calls = @()
        Mock Invoke-WebRequest { $script:calls += , @{ Headers = $Headers } }
        Send-EvidenceFile -Path $PSCommandPath -Url 'https://a.blob.core.windows.net/c/SYSTEM' -Kind 'AzureBlob' -Token 'tok'
        $script:calls[0].Headers['Authorization'] | Should -Be 'Bearer tok'
        $script:calls[0].Headers['x-ms-version'] | Should -Not -BeNullOrEmpty
    }
    It 'asks the instance metadata endpoint for a storage token' {
        Mock Invoke-RestMethod { [pscustomobject]@{ access_token = 'abc' } } -ParameterFilter { $Uri -like 'http://169.254.169.254/metadata/identity/oauth2/token*resource=https%3A%2F%2Fstorage.azure.com%2F' -and $Headers['Metadata'] -eq 'true' }
        Get-StorageToken | Should -Be 'abc'
    }
}

Describe 'ConvertFrom-UploadUrls' {
    It 'reads the JSON object of names to URLs' {
        $u = ConvertFrom-UploadUrls -Json '{"SYSTEM":"https://a.example/SYSTEM?sig=1","manifest.json":"https://a.example/m"}'
        $u['SYSTEM'] | Should -Be 'https://a.example/SYSTEM?sig=1'
        $u['manifest.json'] | Should -Be 'https://a.example/m'
    }
    It 'refuses a URL that is not https' {
        { ConvertFrom-UploadUrls -Json '{"SYSTEM":"http://a.example/x"}' } | Should -Throw '*not https*'
    }
    It 'takes an empty value as no uploads' {
        (ConvertFrom-UploadUrls -Json '').Count | Should -Be 0
    }
}

Describe 'Resolve-FileFactPath' {
    It 'takes the newest folder a trailing * matches' {
        $vol = New-Volume
        try {
            foreach ($v in 'GuestAgent_2.7.1', 'GuestAgent_2.7.9') {
                $dir = Join-Path $vol "WindowsAzure/$v"
                New-Item -ItemType Directory -Force -Path $dir | Out-Null
                [System.IO.File]::WriteAllText((Join-Path $dir 'WindowsAzureGuestAgent.exe'), $v)
            }
            (Get-Item (Join-Path $vol 'WindowsAzure/GuestAgent_2.7.1')).LastWriteTimeUtc = [datetime]::new(2025, 1, 1, 0, 0, 0, [System.DateTimeKind]::Utc)
            $found = Resolve-FileFactPath -VolumeRoot $vol -RelativePath 'WindowsAzure\GuestAgent*\WindowsAzureGuestAgent.exe'
            $found | Should -BeLike '*GuestAgent_2.7.9*WindowsAzureGuestAgent.exe'
            Resolve-FileFactPath -VolumeRoot $vol -RelativePath 'Windows\System32\drivers\ena.sys' | Should -BeNullOrEmpty
        } finally { Remove-Item -Recurse -Force $vol }
    }
}

Describe 'collect.ps1 reads no registry value' {
    It 'has no registry read in its text' {
        $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
        $text = Get-Content -Raw (Join-Path $root 'src/guest/collect.ps1')
        $text | Should -Not -Match 'Get-ItemProperty|OpenSubKey|GetValue\(|Registry::|reg\.exe|Mount-OfflineHive|bcdedit'
    }
}

Describe 'Invoke-Collect' {
    BeforeEach {
        $vol = New-Volume
        $out = Join-Path ([System.IO.Path]::GetTempPath()) ('vmr-out-' + [guid]::NewGuid().ToString('N'))
        Mock Find-RescueTarget {
            [pscustomobject]@{
                DiskNumber = 2; BusType = 'SCSI'; PartitionStyle = 'GPT'; SignatureCollision = $false
                OriginalIdentity = $null; TemporaryLetters = @(); WindowsDrive = 'F:'; WindowsVolume = $vol
                BcdStore = $null; Generation = $null
            }
        }
        Mock Close-RescueTarget {}
        Mock Get-DirtyQuery { [ordered]@{ exitCode = 0; output = 'Volume - F: is NOT Dirty' } }
        $script:puts = @()
        Mock Send-EvidenceFile { $script:puts += $Url }
    }
    AfterEach { Remove-Item -Recurse -Force $vol, $out -ErrorAction SilentlyContinue }

    It 'prints a manifest the project''s schema accepts, then one summary line' {
        $OutputPath = Join-Path $out 'collect-manifest.json'
        $UploadKind = 'S3'
        $UploadUrls = '{"SYSTEM":"https://b.example/SYSTEM?s=1","manifest.json":"https://b.example/m?s=1"}'
        $FileFactPaths = @('Windows\System32\drivers\ena.sys')
        $lines = @(Invoke-Collect)
        $lines.Count | Should -Be 2
        $lines[1] | Should -Match '^vm-rescue collect 2\.1\.0: disk 2 F:\\, 8 files found, 1 uploaded, 1 errors'
        $schema = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '..' '..')) 'schemas/collect-manifest.schema.json'
        $lines[0] | Test-Json -SchemaFile $schema | Should -BeTrue
        $doc = $lines[0] | ConvertFrom-Json
        @($doc.files | Where-Object uploaded).name | Should -Be @('SYSTEM')
        @($doc.errors).step | Should -Be @('bcd')
        $doc.memoryDump.exists | Should -BeTrue
        $doc.binaries[0].exists | Should -BeFalse
        $script:puts | Should -Be @('https://b.example/SYSTEM?s=1', 'https://b.example/m?s=1')
        Get-Content -Raw $OutputPath | Should -Be $lines[0]
        @($doc.listedFiles).Count | Should -Be 0
    }

    It 'lists the CrowdStrike channel files in the manifest (listedFiles), ships none of them' {
        $cs = Join-Path $vol 'Windows/System32/drivers/CrowdStrike'
        New-Item -ItemType Directory -Force -Path $cs | Out-Null
        [System.IO.File]::WriteAllBytes((Join-Path $cs 'C-00000291-00000000-00000032.sys'), (New-Object byte[] 40788))
        (Get-Item (Join-Path $cs 'C-00000291-00000000-00000032.sys')).LastWriteTimeUtc = [datetime]::new(2024, 7, 19, 4, 9, 0, [System.DateTimeKind]::Utc)
        $OutputPath = Join-Path $out 'collect-manifest.json'
        $UploadKind = 'None'
        $lines = @(Invoke-Collect)
        $schema = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '..' '..')) 'schemas/collect-manifest.schema.json'
        $lines[0] | Test-Json -SchemaFile $schema | Should -BeTrue
        $doc = $lines[0] | ConvertFrom-Json
        @($doc.listedFiles).Count | Should -Be 1
        $doc.listedFiles[0].path | Should -Be 'Windows\System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys'
        $doc.listedFiles[0].sizeBytes | Should -Be 40788
        $lines[0] | Should -Match '"listedFiles":\[\{"path":"Windows\\\\System32\\\\drivers\\\\CrowdStrike\\\\C-00000291-00000000-00000032\.sys","sizeBytes":40788,"lastWriteUtc":"2024-07-19T04:09:00Z"\}\]'
        @($doc.files).sourcePath | Should -Not -Match 'CrowdStrike'
    }
}

Describe 'collect.ps1 on the fake Windows layer' {
    BeforeAll {
        if (-not $env:TEMP) { $env:TEMP = [System.IO.Path]::GetTempPath() }
        . (Join-Path $PSScriptRoot 'fakes/Windows.ps1')
        $fixtures = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '..' '..')) '../shared/fixtures/hives'
    }
    BeforeEach {
        $vol = New-Volume
        $esp = Join-Path $vol 'esp-folder'
        New-Item -ItemType Directory -Force -Path (Join-Path $esp 'EFI/Microsoft/Boot') | Out-Null
        Reset-FakeWindows -Volume $vol -Esp $esp
        $out = Join-Path ([System.IO.Path]::GetTempPath()) ('vmr-out-' + [guid]::NewGuid().ToString('N'))
    }
    AfterEach {
        Remove-Item -Recurse -Force $vol, $out -ErrorAction SilentlyContinue
        foreach ($d in 'Z', 'Y') { Remove-PSDrive $d -Force -ErrorAction SilentlyContinue }
    }

    # Finding 16: a SYSTEM hive that will not load threw outside any step: no JSON at all.
    It 'ships a SYSTEM hive that will not load like any file, loads no hive, and emits every fact' -Skip:$noCorruptHive {
        Copy-Item (Join-Path $fixtures 'corrupted_system_hive') (Join-Path $vol 'Windows/System32/config/SYSTEM') -Force
        & reg.exe load HKLM\VMR_PROBE (Join-Path $vol 'Windows/System32/config/SYSTEM') | Out-Null
        $LASTEXITCODE | Should -Be 1 -Because 'the fake, like reg.exe, refuses a file that is not a hive'
        $script:Fake.Calls.Clear()
        $OutputPath = Join-Path $out 'collect-manifest.json'
        $UploadKind = 'None'; $UploadUrls = ''; $FileFactPaths = @(); $DiskNumber = 2; $MaxMinidumps = 5; $MaxFileBytes = 268435456; $MinWindowsPartitionBytes = 1073741824
        $lines = @(Invoke-Collect)
        $doc = $lines[0] | ConvertFrom-Json
        @($doc.files.name) | Should -Contain 'SYSTEM'
        ($doc.files | Where-Object name -EQ 'SYSTEM').sha256 | Should -Match '^[0-9a-f]{64}$'
        $doc.memoryDump.exists | Should -BeTrue
        @($script:Fake.Calls | Where-Object { $_ -like 'reg *' }).Count | Should -Be 0
        $lines[0] | Test-Json -SchemaFile (Join-Path (Resolve-Path (Join-Path $PSScriptRoot '..' '..')) 'schemas/collect-manifest.schema.json') | Should -BeTrue
    }

    It 'records the helper''s Windows build and DISM version for the image-phase decision' {
        Mock Get-HelperFacts { [ordered]@{ osBuild = 20348; osVersion = '10.0.20348.0'; dismVersion = '10.0.20348.1' } }
        $OutputPath = Join-Path $out 'collect-manifest.json'
        $UploadKind = 'None'; $UploadUrls = ''; $FileFactPaths = @(); $DiskNumber = 2; $MaxMinidumps = 5; $MaxFileBytes = 268435456; $MinWindowsPartitionBytes = 1073741824
        $doc = @(Invoke-Collect)[0] | ConvertFrom-Json
        $doc.helper.osBuild | Should -Be 20348
        $doc.helper.dismVersion | Should -Be '10.0.20348.1'
        (Get-HelperFacts).osBuild | Should -BeOfType [int]
    }

    It 'ships fsutil dirty query on the Windows volume raw (TypeScript reads the dirty bit)' {
        $script:Fake.Dirty = $true
        $OutputPath = Join-Path $out 'collect-manifest.json'
        $UploadKind = 'None'; $UploadUrls = ''; $FileFactPaths = @(); $DiskNumber = 2; $MaxMinidumps = 5; $MaxFileBytes = 268435456; $MinWindowsPartitionBytes = 1073741824
        $text = @(Invoke-Collect)[0]
        $doc = $text | ConvertFrom-Json
        $doc.dirtyQuery.exitCode | Should -Be 0
        $doc.dirtyQuery.output | Should -Match '^Volume - [D-Z]: is Dirty$'
        @($script:Fake.Calls | Where-Object { $_ -like 'fsutil dirty query [D-Z]:' }).Count | Should -Be 1
        $text | Test-Json -SchemaFile (Join-Path (Resolve-Path (Join-Path $PSScriptRoot '..' '..')) 'schemas/collect-manifest.schema.json') | Should -BeTrue
    }
}
