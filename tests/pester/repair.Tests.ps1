# repair.ps1's shipping back of the hives it changed, under a real PowerShell: the script is
# dot-sourced (functions only) and run against a folder laid out like the offline volume.

BeforeAll {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
    # The helper's TEMP; absent on this machine.
    if (-not $env:TEMP) { $env:TEMP = [System.IO.Path]::GetTempPath() }
    . (Join-Path $root 'src/guest/repair.ps1') -Actions 'EnableCrashDump'
}

Describe 'Send-RepairedHives' {
    BeforeEach {
        $vol = Join-Path ([System.IO.Path]::GetTempPath()) ('vmr-rep-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Force -Path (Join-Path $vol 'Windows/System32/config') | Out-Null
        [System.IO.File]::WriteAllText((Join-Path $vol 'Windows/System32/config/SYSTEM'), 'hive')
        [System.IO.File]::WriteAllText((Join-Path $vol 'BCD'), 'bcd')
        $OutputPath = Join-Path $vol 'out/repair-result.json'
        $UploadKind = 'S3'
        $script:puts = @()
        Mock Send-EvidenceFile { $script:puts += $Url }
    }
    AfterEach { Remove-Item -Recurse -Force $vol }

    It 'copies, hashes and uploads the SYSTEM hive and the BCD store' {
        $target = [pscustomobject]@{ WindowsVolume = $vol; BcdStore = (Join-Path $vol 'BCD') }
        $r = @(Send-RepairedHives -Target $target -Urls @{ SYSTEM = 'https://b.example/s'; BCD = 'https://b.example/b' })
        @($r.name) | Should -Be @('SYSTEM', 'BCD')
        $r[0].sha256 | Should -Be ((Get-FileHash -Algorithm SHA256 (Join-Path $vol 'Windows/System32/config/SYSTEM')).Hash.ToLowerInvariant())
        @($r | Where-Object uploaded).Count | Should -Be 2
        $script:puts | Should -Be @('https://b.example/s', 'https://b.example/b')
    }

    It 'ships the SYSTEM hive''s transaction logs with it when they are on the volume' {
        foreach ($log in 'SYSTEM.LOG1', 'SYSTEM.LOG2') { [System.IO.File]::WriteAllText((Join-Path $vol "Windows/System32/config/$log"), $log) }
        $target = [pscustomobject]@{ WindowsVolume = $vol; BcdStore = (Join-Path $vol 'BCD') }
        $urls = @{ SYSTEM = 'https://b.example/s'; 'SYSTEM.LOG1' = 'https://b.example/l1'; 'SYSTEM.LOG2' = 'https://b.example/l2'; BCD = 'https://b.example/b' }
        $r = @(Send-RepairedHives -Target $target -Urls $urls)
        @($r.name) | Should -Be @('SYSTEM', 'SYSTEM.LOG1', 'SYSTEM.LOG2', 'BCD')
        $r[1].sha256 | Should -Be ((Get-FileHash -Algorithm SHA256 (Join-Path $vol 'Windows/System32/config/SYSTEM.LOG1')).Hash.ToLowerInvariant())
        $script:puts | Should -Be @('https://b.example/s', 'https://b.example/l1', 'https://b.example/l2', 'https://b.example/b')
    }

    It 'says when a name has no URL and ships nothing for it' {
        $target = [pscustomobject]@{ WindowsVolume = $vol; BcdStore = $null }
        $r = @(Send-RepairedHives -Target $target -Urls @{})
        $r.Count | Should -Be 1
        $r[0].uploaded | Should -BeFalse
        $r[0].message | Should -Be 'no upload URL for this name'
    }
}
