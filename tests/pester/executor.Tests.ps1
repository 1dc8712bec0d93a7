# repair.ps1 run for real under PowerShell against the fake Windows layer (fakes/Windows.ps1): a
# copy of a real SYSTEM hive and BCD store on a folder laid out like the attached disk, every
# registry write made by hivex, every tool call recorded. The plans are compiled-repair documents
# as src/repair/operations/compile.ts makes them (values from the fixture hive).

BeforeDiscovery {
    $fixtures = Join-Path $PSScriptRoot '../../../shared/fixtures/hives'
    $script:skip = -not (Test-Path (Join-Path $fixtures 'SYSTEM_WIN7_X86')) -or -not (Get-Command hivexregedit -ErrorAction SilentlyContinue)
}

BeforeAll {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
    $fixtures = Join-Path $root '../shared/fixtures/hives'
    if (-not $env:TEMP) { $env:TEMP = [System.IO.Path]::GetTempPath() }
    . (Join-Path $root 'src/guest/repair.ps1') -Actions 'EnableCrashDump'
    . (Join-Path $PSScriptRoot 'fakes/Windows.ps1')

    $script:Loader = '{733b62e5-f608-11eb-825c-c112f60133ab}'
    $script:BootMgr = '{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
    $script:Tcpip = 'ControlSet001\services\Tcpip'

    function New-Disk {
        # The attached copy: Windows volume and ESP folders with real hives.
        param([switch]$NoBcd, [switch]$Collision)
        $script:work = Join-Path ([System.IO.Path]::GetTempPath()) ('vmr-x-' + [guid]::NewGuid().ToString('N'))
        $script:vol = Join-Path $work 'vol'
        $script:esp = Join-Path $work 'esp'
        New-Item -ItemType Directory -Force -Path (Join-Path $vol 'Windows/System32/config'), (Join-Path $vol 'Windows/System32/drivers'), (Join-Path $vol 'Windows/INF'), (Join-Path $esp 'EFI/Microsoft/Boot') | Out-Null
        Copy-Item (Join-Path $fixtures 'SYSTEM_WIN7_X86') (Join-Path $vol 'Windows/System32/config/SYSTEM')
        if (-not $NoBcd) { Copy-Item (Join-Path $fixtures 'BCD') (Join-Path $esp 'EFI/Microsoft/Boot/BCD') }
        [System.IO.File]::WriteAllText((Join-Path $vol 'Windows/System32/drivers/cxnetmon.sys'), 'driver')
        [System.IO.File]::WriteAllText((Join-Path $vol 'Windows/INF/oem3.inf'), 'inf')
        Reset-FakeWindows -Volume $vol -Esp $esp -Collision:$Collision
        $script:Out = Join-Path $work 'helper/repair-result.json'
        $script:work = $work; $script:vol = $vol; $script:esp = $esp
    }

    function Set-Plan {
        # The -Operations value of a plan of these operations (and -Actions naming their actions).
        param([object[]]$Ops, [switch]$PlanDryRun)
        $json = ConvertTo-Json -Depth 16 -Compress -InputObject @($Ops)
        $sha = [System.Security.Cryptography.SHA256]::Create()
        $id = (($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($json)) | Select-Object -First 8 | ForEach-Object { $_.ToString('x2') }) -join '')
        $doc = [ordered]@{ schemaVersion = 1; kind = 'operationPlan'; id = $id; dryRun = [bool]$PlanDryRun; controlSet = 'ControlSet001'; bootEntry = $Loader; operations = @($Ops); notes = @() }
        $script:PlanText = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -Depth 16 -Compress -InputObject $doc)))
        $script:PlanActions = @($Ops | ForEach-Object { $_.action } | Select-Object -Unique)
    }

    function Invoke-Run {
        # One run of the executor with the script's parameters as the binder would set them; returns the result document.
        $OutputPath = $script:Out; $DiskNumber = 2; $UploadKind = 'None'; $UploadUrls = ''; $DryRun = $false
        $MinWindowsPartitionBytes = 1073741824; $Operations = $script:PlanText; $ActionList = $script:PlanActions
        $lines = @(Invoke-Repair)
        $lines.Count | Should -Be 2
        return ($lines[0] | ConvertFrom-Json)
    }

    function Get-Hive {
        # A value of the repaired hive read by hivexget (not by the code under test).
        param([string]$Key, [string]$Name, [string]$File = (Join-Path $vol 'Windows/System32/config/SYSTEM'))
        $out = & hivexget $File $Key $Name 2>$null
        if ($LASTEXITCODE -ne 0) { return $null }
        return $out
    }

    function Reg { param([string]$Type, $Data) return [ordered]@{ type = $Type; data = $Data } }

    function SetValue {
        param([string]$Action, [string]$Key, [string]$Name, $Expected, $Value)
        $undo = $(if ($null -eq $Expected) { [ordered]@{ op = 'deleteValue' } } else { [ordered]@{ op = 'setValue'; value = $Expected } })
        return [ordered]@{ phase = 'registry'; op = 'setValue'; action = $Action; target = "SYSTEM\$Key\$Name"; undo = $undo; hive = 'SYSTEM'; key = $Key; name = $Name; expected = $Expected; value = $Value }
    }

    function SetElement {
        param([string]$Action, [string]$Entry, [string]$Element, [string]$Id, $Expected, $Value)
        return [ordered]@{ phase = 'bcd'; op = 'setElement'; action = $Action; target = "BCD $Entry $Element ($Id)"; undo = [ordered]@{ op = 'setElement'; value = $Expected }; entry = $Entry; elementId = $Id; element = $Element; expected = $Expected; value = $Value }
    }

    function ImageOp {
        param([string]$Action, [string]$Op, [hashtable]$Extra = @{}, $MinBuild = 7601)
        $o = [ordered]@{ phase = 'image'; op = $Op; action = $Action; target = 'the offline Windows image'; undo = $null }
        foreach ($k in $Extra.Keys) { $o[$k] = $Extra[$k] }
        $o['minHelperBuild'] = $MinBuild
        return $o
    }

    $script:Chkdsk = [ordered]@{ phase = 'volume'; op = 'chkdsk'; action = 'Chkdsk'; target = 'the Windows volume'; undo = $null }
    $script:Quarantine = [ordered]@{ phase = 'file'; op = 'quarantine'; action = 'QuarantineDriverFile'; target = 'Windows\System32\drivers\cxnetmon.sys'; undo = [ordered]@{ op = 'moveBack' }; path = 'Windows\System32\drivers\cxnetmon.sys'; to = 'vm-rescue\quarantine'; recordAcl = $true }
    $script:Calls = { @($script:Fake.Calls) }
    function IndexOfLike {
        param([string]$Pattern)
        $i = 0
        foreach ($c in $script:Fake.Calls) { if ($c -like $Pattern) { return $i }; $i++ }
        return -1
    }
}

Describe 'the fake Windows layer behaves as documented' -Skip:$skip {
    BeforeEach { New-Disk }
    AfterEach { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue; foreach ($d in 'Z', 'Y', 'X') { Remove-PSDrive $d -Force -ErrorAction SilentlyContinue } }

    It 'DISM refuses with 0x80070020 while a hive of the image is loaded, and needs its scratch folder' {
        New-Item -ItemType Directory -Path (Join-Path $work 'scratch') | Out-Null
        & reg.exe load HKLM\VMR_T (Join-Path $vol 'Windows/System32/config/SYSTEM') | Out-Null
        & dism.exe "/Image:$vol" "/ScratchDir:$work/scratch" /Cleanup-Image /RevertPendingActions | Out-Null
        $LASTEXITCODE | Should -Be -2147024864
        & reg.exe unload HKLM\VMR_T | Out-Null
        & dism.exe "/Image:$vol" "/ScratchDir:$work/none" /Cleanup-Image /RevertPendingActions | Out-Null
        $LASTEXITCODE | Should -Be -2147024893
        & dism.exe "/Image:$vol" "/ScratchDir:$work/scratch" /Cleanup-Image /RevertPendingActions | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'chkdsk /f /x cannot lock a volume with a loaded hive (exit 3)' {
        New-PSDrive -Name Z -PSProvider FileSystem -Root $vol -Scope Global | Out-Null
        & reg.exe load HKLM\VMR_T 'Z:\Windows\System32\config\SYSTEM' | Out-Null
        & chkdsk.exe Z: /f /x | Out-Null
        $LASTEXITCODE | Should -Be 3
        & reg.exe unload HKLM\VMR_T | Out-Null
        & chkdsk.exe Z: /f /x | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'reg load refuses a name or a file already loaded, and a file that is not a hive' {
        $file = Join-Path $vol 'Windows/System32/config/SYSTEM'
        & reg.exe load HKLM\VMR_A $file | Out-Null; $LASTEXITCODE | Should -Be 0
        & reg.exe load HKLM\VMR_B $file | Out-Null; $LASTEXITCODE | Should -Be 1
        & reg.exe load HKLM\VMR_C (Join-Path $vol 'Windows/INF/oem3.inf') | Out-Null; $LASTEXITCODE | Should -Be 1
        & reg.exe unload HKLM\VMR_B | Out-Null; $LASTEXITCODE | Should -Be 1
    }

    It 'reads and writes values through hivex as hivexget sees them' {
        & reg.exe load HKLM\VMR_A (Join-Path $vol 'Windows/System32/config/SYSTEM') | Out-Null
        (Get-OfflineValue -Mount HKLM\VMR_A -Key $Tcpip -Name Start).data | Should -Be 0
        (Get-OfflineValue -Mount HKLM\VMR_A -Key $Tcpip -Name NoSuchValue) | Should -Be $null
        Set-OfflineValue -Mount HKLM\VMR_A -Key $Tcpip -Name Start -Value (Reg REG_DWORD 4)
        Get-Hive -Key $Tcpip -Name Start | Should -Be '4'
        (Get-OfflineValue -Mount HKLM\VMR_A -Key 'ControlSet001\Control\CrashControl' -Name DumpFile).data | Should -Be '%SystemRoot%\MEMORY.DMP'
        Test-OfflineKey -Mount HKLM\VMR_A -Key 'ControlSet001\nope' | Should -BeFalse
    }

    It 'bcdedit refuses a store loaded as a hive, and sets elements on the store file' {
        $store = Join-Path $esp 'EFI/Microsoft/Boot/BCD'
        & reg.exe load HKLM\VMR_B $store | Out-Null
        & bcdedit.exe /store $store /set $Loader safeboot minimal | Out-Null
        $LASTEXITCODE | Should -Be 1
        & reg.exe unload HKLM\VMR_B | Out-Null
        & bcdedit.exe /store $store /set $Loader safeboot network | Out-Null
        $LASTEXITCODE | Should -Be 0
        & reg.exe load HKLM\VMR_B $store | Out-Null
        (Get-OfflineValue -Mount HKLM\VMR_B -Key "Objects\$Loader\Elements\25000080" -Name Element).data | Should -Be '0100000000000000'
    }

    It 'gives a new access path its letter one look later' {
        Add-PartitionAccessPath -DiskNumber 2 -PartitionNumber 3 -AccessPath 'Z:\'
        [string](Get-Partition -DiskNumber 2 -PartitionNumber 3).DriveLetter | Should -Be ([string][char]0)
        [string](Get-Partition -DiskNumber 2 -PartitionNumber 3).DriveLetter | Should -Be 'Z'
        Test-Path 'Z:\Windows\System32\config\SYSTEM' | Should -BeTrue
        { Add-PartitionAccessPath -DiskNumber 2 -PartitionNumber 1 -AccessPath 'Y:\' } | Should -Throw '*not valid*'
    }
}

Describe 'repair.ps1 executes a compiled repair' -Skip:$skip {
    BeforeEach { New-Disk }
    AfterEach { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue; foreach ($d in 'Z', 'Y', 'X') { Remove-PSDrive $d -Force -ErrorAction SilentlyContinue } }

    Context 'one executed run per repair action' {
        It 'DisableDriver: Start = 4 in the key the plan names' {
            Set-Plan @(SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            $r = Invoke-Run
            $r.outcome | Should -Be 'applied'
            $r.operations[0].status | Should -Be 'applied'
            $r.operations[0].before.data | Should -Be 0
            $r.operations[0].after.data | Should -Be 4
            Get-Hive $Tcpip Start | Should -Be '4'
            $script:Fake.Loaded.Count | Should -Be 0
        }

        It 'CleanBoot: every service disabled, each undo the evidence value' {
            Set-Plan @(
                (SetValue CleanBoot $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)),
                (SetValue CleanBoot 'ControlSet001\services\Afd' Start (Reg REG_DWORD 1) (Reg REG_DWORD 4)))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'applied')
            Get-Hive 'ControlSet001\services\Afd' Start | Should -Be '4'
            $r.operations[1].undo.value.data | Should -Be 1
        }

        It 'UndoCleanBoot: the recorded values written back' {
            & hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\FAKE' (Join-Path $vol 'Windows/System32/config/SYSTEM') (New-Reg "[HKEY_LOCAL_MACHINE\FAKE\$Tcpip]", '"Start"=dword:00000004')
            Set-Plan @(SetValue UndoCleanBoot $Tcpip Start (Reg REG_DWORD 4) (Reg REG_DWORD 0))
            (Invoke-Run).operations[0].status | Should -Be 'applied'
            Get-Hive $Tcpip Start | Should -Be '0'
        }

        It 'RestoreLastKnownGood: Select written, and the later edit goes to the set the plan names' {
            Set-Plan @(
                (SetValue RestoreLastKnownGood Select Failed (Reg REG_DWORD 0) (Reg REG_DWORD 1)),
                (SetValue RestoreLastKnownGood Select Current (Reg REG_DWORD 1) (Reg REG_DWORD 2)),
                (SetValue RestoreLastKnownGood Select Default (Reg REG_DWORD 1) (Reg REG_DWORD 2)),
                (SetValue DisableDriver 'ControlSet002\services\Tcpip' Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)))
            (Invoke-Run).outcome | Should -Be 'applied'
            Get-Hive Select Default | Should -Be '2'
            Get-Hive 'ControlSet002\services\Tcpip' Start | Should -Be '4'
            Get-Hive $Tcpip Start | Should -Be '0'
        }

        It 'EnableCrashDump: the four values of CrashControl' {
            $cc = 'ControlSet001\Control\CrashControl'
            Set-Plan @(
                (SetValue EnableCrashDump $cc CrashDumpEnabled (Reg REG_DWORD 2) (Reg REG_DWORD 3)),
                (SetValue EnableCrashDump $cc MinidumpDir (Reg REG_EXPAND_SZ '%SystemRoot%\Minidump') (Reg REG_EXPAND_SZ '%SystemRoot%\Minidump')),
                (SetValue EnableCrashDump $cc DumpFile (Reg REG_EXPAND_SZ '%SystemRoot%\MEMORY.DMP') (Reg REG_EXPAND_SZ '%SystemRoot%\MEMORY.DMP')),
                (SetValue EnableCrashDump $cc NMICrashDump $null (Reg REG_DWORD 1)))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'alreadyApplied', 'alreadyApplied', 'applied')
            Get-Hive $cc NMICrashDump | Should -Be '1'
            Get-Hive $cc CrashDumpEnabled | Should -Be '3'
        }

        It 'SetSafeBoot: bcdedit /store on the copy''s store, read back from the raw store' {
            Set-Plan @(SetElement SetSafeBoot $Loader safeboot 25000080 $null 0)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            $r.operations[0].after | Should -Be 0
            (& $Calls) | Should -Contain ('bcdedit /store Y:\EFI\Microsoft\Boot\BCD /set {0} safeboot minimal' -f $Loader)
        }

        It 'ClearSafeBoot: the element deleted' {
            & bcdedit.exe /store (Join-Path $esp 'EFI/Microsoft/Boot/BCD') /set $Loader safeboot network | Out-Null
            Set-Plan @(SetElement ClearSafeBoot $Loader safeboot 25000080 1 $null)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            $r.operations[0].after | Should -Be $null
        }

        It 'EnableEms: ems on the loader, bootems on the boot manager' {
            Set-Plan @((SetElement EnableEms $Loader ems 260000b0 $null $true), (SetElement EnableEms $BootMgr bootems 16000020 $null $true))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'applied')
            $r.operations[1].after | Should -BeTrue
        }

        It 'Chkdsk: chkdsk /f /x on the Windows volume, nothing loaded from it' {
            Set-Plan @($Chkdsk)
            (Invoke-Run).operations[0].status | Should -Be 'applied'
            (& $Calls) | Should -Contain 'chkdsk Z: /f /x'
        }

        It 'SfcOffline: sfc /scannow offline on the image' {
            Set-Plan @(ImageOp SfcOffline sfcScan)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            @(& $Calls | Where-Object { $_ -like 'sfc /scannow /offbootdir=Z:*' }).Count | Should -Be 1
        }

        It 'DismRestoreHealth: the plan''s source, never the image''s own WinSxS' {
            $script:Fake.Corrupt = $true
            Set-Plan @(ImageOp DismRestoreHealth dismRestoreHealth @{ source = 'wim:D:\sources\install.wim:1' })
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            $dism = @(& $Calls | Where-Object { $_ -like 'dism *' })[0]
            $dism | Should -BeLike '*/Source:wim:D:\sources\install.wim:1 /LimitAccess'
            $dism | Should -Not -BeLike '*WinSxS*'
        }

        It 'RevertPendingActions: dism /RevertPendingActions, whether or not pending.xml exists' {
            Set-Plan @(ImageOp RevertPendingActions dismRevertPendingActions)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            $script:Fake.PendingRevert | Should -BeTrue
        }

        It 'RemoveDriverPackage: dism /Remove-Driver with its scratch folder created' {
            Set-Plan @(ImageOp RemoveDriverPackage dismRemoveDriver @{ publishedInf = 'oem3.inf' })
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            Test-Path (Join-Path $vol 'Windows/INF/oem3.inf') | Should -BeFalse
        }

        It 'QuarantineDriverFile: moved within the volume, owner and ACL recorded, undo after the move' {
            $file = Join-Path $vol 'Windows/System32/drivers/cxnetmon.sys'
            $script:Fake.TrustedInstaller = @($file)
            Set-Plan @($Quarantine)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'applied'
            Test-Path $file | Should -BeFalse
            Test-Path (Join-Path $vol 'vm-rescue/quarantine/Windows/System32/drivers/cxnetmon.sys') | Should -BeTrue
            $r.operations[0].undo.sddl | Should -BeLike 'O:S-1-5-80-956008885-*'
            # The ACL saved, ownership taken, SYSTEM granted, then the move; nothing to restore.
            (IndexOfLike 'icacls *cxnetmon.sys /save *') | Should -BeGreaterThan -1
            (IndexOfLike 'icacls *cxnetmon.sys /save *') | Should -BeLessThan (IndexOfLike 'takeown /F *cxnetmon.sys /A')
            (IndexOfLike 'takeown /F *cxnetmon.sys /A') | Should -BeLessThan (IndexOfLike 'icacls *cxnetmon.sys /grant `*S-1-5-18:F')
            (IndexOfLike 'icacls *cxnetmon.sys /grant `*S-1-5-18:F') | Should -BeLessThan (IndexOfLike 'Move-Item*')
            (IndexOfLike 'icacls * /restore *') | Should -Be -1
            @(& $Calls | Where-Object { $_ -like 'Set-Acl*' }).Count | Should -Be 0
        }
    }

    Context 'compare-and-set, stopping, idempotency' {
        It 'refuses an operation whose expected value the disk does not hold, stops, and reports it' {
            Set-Plan @(
                (SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 3) (Reg REG_DWORD 4)),
                (SetValue EnableCrashDump 'ControlSet001\Control\CrashControl' NMICrashDump $null (Reg REG_DWORD 1)),
                (SetElement SetSafeBoot $Loader safeboot 25000080 $null 0))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('refused', 'notRun', 'notRun')
            $r.operations[0].message | Should -BeLike '*holds REG_DWORD 0, the plan expected REG_DWORD 3*'
            $r.outcome | Should -Be 'stopped'
            $script:RepairExitCode | Should -Be 1
            Get-Hive $Tcpip Start | Should -Be '0'
            @(& $Calls | Where-Object { $_ -like 'bcdedit*' -or $_ -like 'registry setValue*' }).Count | Should -Be 0
            $script:Fake.Loaded.Count | Should -Be 0
        }

        It 'changes nothing on a second run of a finished plan and says "already applied"' {
            Set-Plan @($Chkdsk, (ImageOp SfcOffline sfcScan), (SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)), (SetElement SetSafeBoot $Loader safeboot 25000080 $null 0), $Quarantine)
            (Invoke-Run).outcome | Should -Be 'applied'
            $hash = (Get-FileHash (Join-Path $vol 'Windows/System32/config/SYSTEM')).Hash
            $script:Fake.Calls.Clear()
            $r = Invoke-Run
            $r.outcome | Should -Be 'alreadyApplied'
            @($r.operations.status | Select-Object -Unique) | Should -Be @('alreadyApplied')
            @($r.results.message | Select-Object -Unique) | Should -Be @('already applied')
            @(& $Calls | Where-Object { $_ -match '^(chkdsk|sfc|dism|bcdedit|registry|Move-Item)' }).Count | Should -Be 0
            (Get-FileHash (Join-Path $vol 'Windows/System32/config/SYSTEM')).Hash | Should -Be $hash
        }

        It 'a finished plan is not "already applied" on another disk given the same number' {
            Set-Plan @($Chkdsk, (ImageOp SfcOffline sfcScan))
            (Invoke-Run).outcome | Should -Be 'applied'
            # Another copy attached in its place: same disk number, another GUID.
            ($script:Fake.Disks | Where-Object { $_.Number -eq 2 }).Guid = '{99999999-2222-3333-4444-555555555555}'
            $script:Fake.Calls.Clear()
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'applied')
            @(& $Calls | Where-Object { $_ -like 'chkdsk*' }).Count | Should -Be 1
            @(& $Calls | Where-Object { $_ -like 'sfc*' }).Count | Should -Be 1
        }

        It 'on an MBR disk gives no letter to the extended container, only to the Windows partition' {
            $d = $script:Fake.Disks | Where-Object { $_.Number -eq 2 }
            $d.PartitionStyle = 'MBR'; $d.Signature = [uint32]3735928559
            foreach ($p in @($script:Fake.Partitions | Where-Object { $_.DiskNumber -eq 2 })) { $p.GptType = '' }
            (Get-FakePartition -DiskNumber 2 -PartitionNumber 1).MbrType = 5
            (Get-FakePartition -DiskNumber 2 -PartitionNumber 1).Size = 50GB
            (Get-FakePartition -DiskNumber 2 -PartitionNumber 2).Root = $esp
            $script:Fake.Calls.Clear()
            $t = Find-RescueTarget -DiskNumber 2
            $t.WindowsVolume | Should -Not -BeNullOrEmpty
            @(& $Calls | Where-Object { $_ -like 'Add-PartitionAccessPath 2 1 *' }).Count | Should -Be 0
            Close-RescueTarget -Target $t
        }

        It 'names an MBR disk''s done-state the same with or without a signature collision' {
            Mock Get-Disk { [pscustomobject]@{ Number = 2; Guid = ''; Signature = [uint32]3735928559 } }
            $plain = [pscustomobject]@{ DiskNumber = 2; PartitionStyle = 'MBR'; OriginalIdentity = $null }
            $collided = [pscustomobject]@{ DiskNumber = 2; PartitionStyle = 'MBR'; OriginalIdentity = @{ Kind = 'Signature'; Value = [uint32]3735928559 } }
            Get-PlanStateName -Target $plain -PlanId 'p1' | Should -Be 'plan-p1-deadbeef.json'
            Get-PlanStateName -Target $collided -PlanId 'p1' | Should -Be 'plan-p1-deadbeef.json'
        }

        It 'unloads the hive in finally when a write throws' {
            Mock Set-OfflineValue { throw 'disk gone' }
            Set-Plan @(SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'failed'
            $script:Fake.Loaded.Count | Should -Be 0
            @(& $Calls | Where-Object { $_ -like 'reg unload*' }).Count | Should -Be 1
        }

        It 'a dry run reads, reports what it would change and changes nothing' {
            Set-Plan @((SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)), $Quarantine) -PlanDryRun
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('wouldApply', 'wouldApply')
            $r.outcome | Should -Be 'dryRun'
            Get-Hive $Tcpip Start | Should -Be '0'
        }

        It 'refuses a document that does not match the schema, before touching the disk' {
            $bad = SetValue DisableDriver '..\x' Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)
            $bad.phase = 'volume'
            Set-Plan @($bad)
            $r = Invoke-Run
            $r.error | Should -BeLike 'The operations document is not valid*'
            @(& $Calls).Count | Should -Be 0
        }
    }

    Context 'the findings of issue 14' {
        It '1: chkdsk, DISM and SFC run with no hive loaded; the registry phase comes after them' {
            Set-Plan @($Chkdsk, (ImageOp DismRestoreHealth dismRestoreHealth @{ source = 'wim:D:\sources\install.wim:1' }), (ImageOp SfcOffline sfcScan), (SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'applied', 'applied', 'applied')
            $calls = @(& $Calls | Where-Object { $_ -match '^(chkdsk|dism|sfc|reg load)' } | ForEach-Object { ($_ -split ' ')[0..1] -join ' ' })
            $calls | Should -Be @('chkdsk Z:', 'dism /Image:Z:\', 'sfc /scannow', 'reg load')
        }

        It '2: cleans up after a killed run: stale VMR_* hive, access paths, the saved disk identity' {
            $state = Join-Path $work 'helper/state'
            New-Item -ItemType Directory -Force -Path $state | Out-Null
            & reg.exe load HKLM\VMR_SYSTEM_dead (Join-Path $vol 'Windows/System32/config/SYSTEM') | Out-Null
            Set-FakeLetter -Partition (Get-FakePartition -DiskNumber 2 -PartitionNumber 3) -Letter 'W'
            Save-RescueState -Folder $state -Name 'access-paths.json' -Value ([ordered]@{ paths = @([ordered]@{ disk = 2; partition = 3; letter = 'W'; esp = $false }) })
            $script:Fake.Disks[1].Guid = '{99999999-9999-9999-9999-999999999999}'
            Save-RescueState -Folder $state -Name 'disk-identity.json' -Value ([ordered]@{ diskNumber = 2; kind = 'Guid'; value = '{11111111-2222-3333-4444-555555555555}' })
            Set-Plan @(SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            $r = Invoke-Run
            $r.cleanup | Should -Contain 'unloaded HKLM\VMR_SYSTEM_dead'
            $r.cleanup | Should -Contain 'removed access path W:'
            $r.cleanup | Should -Contain 'restored the saved disk identity'
            $script:Fake.Disks[1].Guid | Should -Be '{11111111-2222-3333-4444-555555555555}'
            $r.operations[0].status | Should -Be 'applied'
            Test-Path (Join-Path $state 'disk-identity.json') | Should -BeFalse
        }

        It '2: saves the disk identity before Set-Disk changes it after a collision, and writes it back' {
            New-Disk -Collision
            $script:Fake.Disks[1].Guid = '{11111111-2222-3333-4444-555555555555}'
            Mock Set-Disk { if ($Guid) { Test-Path (Join-Path $work 'helper/state/disk-identity.json') | Should -BeTrue }; $script:Fake.Disks[1].IsOffline = $false; if ($Guid) { $script:Fake.Disks[1].Guid = $Guid } }
            Set-Plan @(SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            (Invoke-Run).outcome | Should -Be 'applied'
            $script:Fake.Disks[1].Guid | Should -Be '{11111111-2222-3333-4444-555555555555}'
            Test-Path (Join-Path $work 'helper/state/disk-identity.json') | Should -BeFalse
        }

        It '3: creates the DISM scratch folder before /Remove-Driver' {
            Set-Plan @(ImageOp RemoveDriverPackage dismRemoveDriver @{ publishedInf = 'oem3.inf' })
            (Invoke-Run).operations[0].exitCode | Should -Be 0
            Test-Path (Join-Path $work 'helper/scratch') | Should -BeTrue
        }

        It '4, 5: edits exactly the control set the plan names; the script chooses none' {
            $text = Get-Content -Raw (Join-Path $root 'src/guest/repair.ps1')
            $text | Should -Not -Match 'Select\\\\Current|Get-CurrentControlSetNumber|ControlSet\{|ControlSetKey'
            Set-Plan @(SetValue DisableDriver 'ControlSet002\services\Tcpip' Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            (Invoke-Run).outcome | Should -Be 'applied'
            Get-Hive 'ControlSet002\services\Tcpip' Start | Should -Be '4'
            Get-Hive $Tcpip Start | Should -Be '0'
        }

        It '6: creates CrashControl where it is absent, and the dry run says so without failing' {
            $hive = Join-Path $vol 'Windows/System32/config/SYSTEM'
            & hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\FAKE' $hive (New-Reg '[-HKEY_LOCAL_MACHINE\FAKE\ControlSet001\Control\CrashControl]')
            $cc = 'ControlSet001\Control\CrashControl'
            $ops = @([ordered]@{ phase = 'registry'; op = 'createKey'; action = 'EnableCrashDump'; target = "SYSTEM\$cc"; undo = [ordered]@{ op = 'deleteKey' }; hive = 'SYSTEM'; key = $cc }, (SetValue EnableCrashDump $cc CrashDumpEnabled $null (Reg REG_DWORD 7)))
            Set-Plan $ops -PlanDryRun
            @((Invoke-Run).operations.status) | Should -Be @('wouldApply', 'wouldApply')
            Set-Plan $ops
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'applied')
            Get-Hive $cc CrashDumpEnabled | Should -Be '7'
        }

        It '7: a registry-only plan runs on a disk without a BCD store' {
            New-Disk -NoBcd
            Set-Plan @(SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4))
            (Invoke-Run).outcome | Should -Be 'applied'
            @(& $Calls | Where-Object { $_ -like 'bcdedit*' }).Count | Should -Be 0
        }

        It '8: after a pending-actions revert DISM hits "repair pending": the run stops there (the planner never combines them)' {
            Set-Plan @((ImageOp RevertPendingActions dismRevertPendingActions), (ImageOp DismRestoreHealth dismRestoreHealth @{ source = 'wim:D:\sources\install.wim:1' }), (SetValue DisableDriver $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)))
            $r = Invoke-Run
            @($r.operations.status) | Should -Be @('applied', 'failed', 'notRun')
            $r.operations[1].exitCode | Should -Be -2146498513
        }

        It '9: RestoreHealth on a corrupt store succeeds from the plan''s source' {
            $script:Fake.Corrupt = $true
            Set-Plan @(ImageOp DismRestoreHealth dismRestoreHealth @{ source = 'E:\winsxs-source-19045' })
            (Invoke-Run).operations[0].status | Should -Be 'applied'
            $script:Fake.Corrupt | Should -BeFalse
        }

        It '10: refuses DISM/SFC on a helper older than the image, before running them' {
            $script:Fake.HelperBuild = 17763
            Set-Plan @(ImageOp SfcOffline sfcScan -MinBuild 26100)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'failed'
            $r.operations[0].message | Should -BeLike '*build 17763, older than the image''s 26100*'
            @(& $Calls | Where-Object { $_ -like 'sfc*' }).Count | Should -Be 0
        }

        It '11: a move that fails leaves no undo record and the file where it was' {
            $file = Join-Path $vol 'Windows/System32/drivers/cxnetmon.sys'
            $script:Fake.TrustedInstaller = @($file)
            Mock Grant-FileForMove { }
            Set-Plan @($Quarantine)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'failed'
            $r.operations[0].message | Should -BeLike '*denied*'
            $r.operations[0].undo | Should -BeNullOrEmpty
            Test-Path $file | Should -BeTrue
        }

        It '11: takeown refused: nothing granted or moved, the ACL restored, no undo record' {
            $file = Join-Path $vol 'Windows/System32/drivers/cxnetmon.sys'
            $script:Fake.TrustedInstaller = @($file)
            $script:Fake.TakeownDenied = @($file)
            Set-Plan @($Quarantine)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'failed'
            $r.operations[0].message | Should -BeLike 'takeown /F *cxnetmon.sys /A failed (exit 1)*owner and ACL restored*'
            $r.operations[0].undo | Should -BeNullOrEmpty
            @(& $Calls | Where-Object { $_ -like 'icacls * /grant *' -or $_ -like 'Move-Item*' }).Count | Should -Be 0
            Test-Path $file | Should -BeTrue
        }

        It '11: a move that fails after the grant puts the saved owner and ACL back' {
            $file = Join-Path $vol 'Windows/System32/drivers/cxnetmon.sys'
            $script:Fake.TrustedInstaller = @($file)
            $script:Fake.MoveFails = @($file)
            Set-Plan @($Quarantine)
            $r = Invoke-Run
            $r.operations[0].status | Should -Be 'failed'
            $r.operations[0].message | Should -BeLike '*used by another process*owner and ACL restored*'
            $r.operations[0].undo | Should -BeNullOrEmpty
            (IndexOfLike 'icacls * /restore *') | Should -BeGreaterThan (IndexOfLike 'Move-Item*')
            $script:Fake.Restored | Should -Contain (Resolve-FakePath $file)
            $script:Fake.Granted | Should -Not -Contain (Resolve-FakePath $file)
            $script:Fake.Owned | Should -Not -Contain (Resolve-FakePath $file)
            Test-Path $file | Should -BeTrue
        }

        It '12: the state file exists before the first change; a re-run after a mid-way failure keeps the evidence values as undo' {
            $afd = 'ControlSet001\services\Afd'
            $ops = @((SetValue CleanBoot $Tcpip Start (Reg REG_DWORD 0) (Reg REG_DWORD 4)), (SetValue CleanBoot $afd Start (Reg REG_DWORD 2) (Reg REG_DWORD 4)))
            Set-Plan $ops
            $first = Invoke-Run
            @($first.operations.status) | Should -Be @('applied', 'refused')
            Test-Path (Join-Path $work ('helper/state/plan-{0}-11111111-2222-3333-4444-555555555555.json' -f $first.planId)) | Should -BeTrue
            Get-Hive $Tcpip Start | Should -Be '4'
            $ops[1].expected = Reg REG_DWORD 1
            $ops[1].undo = [ordered]@{ op = 'setValue'; value = (Reg REG_DWORD 1) }
            Set-Plan $ops
            $second = Invoke-Run
            @($second.operations.status) | Should -Be @('alreadyApplied', 'applied')
            $second.operations[0].undo.value.data | Should -Be 0
        }

        It '13: RevertPendingActions runs DISM without looking for pending.xml (PendingFileRenameOperations alone)' {
            Test-Path (Join-Path $vol 'Windows/WinSxS/pending.xml') | Should -BeFalse
            Set-Plan @(ImageOp RevertPendingActions dismRevertPendingActions)
            $r = Invoke-Run
            $r.results[0].status | Should -Be 'succeeded'
            @(& $Calls | Where-Object { $_ -like 'dism*RevertPendingActions*' }).Count | Should -Be 1
        }

        It '14: reads BCD facts from the raw store, never from bcdedit''s localized text' {
            function bcdedit.exe {
                Add-FakeCall ('bcdedit ' + ($args -join ' '))
                if ($args -contains '/enum') { $global:LASTEXITCODE = 0; return @('Windows-Start-Manager', 'Bezeichner {bootmgr}', 'ems Ja') }
                $global:LASTEXITCODE = 0
            }
            Set-Plan @(SetElement EnableEms $BootMgr bootems 16000020 $null $true)
            $r = Invoke-Run
            @(& $Calls | Where-Object { $_ -like '*/enum*' }).Count | Should -Be 0
            $r.operations[0].before | Should -Be $null
            $scripts = (Get-Content -Raw (Join-Path $root 'src/guest/repair.ps1')) + (Get-Content -Raw (Join-Path $root 'src/guest/common.ps1')) + (Get-Content -Raw (Join-Path $root 'src/guest/collect.ps1'))
            # fsutil's text is shipped raw by collect and read in TypeScript: no script parses it.
            $scripts | Should -Not -Match '/enum|NOT Dirty|is Dirty'
        }

        It '15: letters through Update-HostStorageCache and Add-PartitionAccessPath, waited for; diskpart only for the ESP' {
            Set-Plan @(SetElement SetSafeBoot $Loader safeboot 25000080 $null 0)
            (Invoke-Run).outcome | Should -Be 'applied'
            $calls = @(& $Calls)
            [array]::IndexOf($calls, 'Update-HostStorageCache') | Should -BeLessThan ([array]::IndexOf($calls, 'Add-PartitionAccessPath 2 3 Z:\'))
            @($calls | Where-Object { $_ -like 'diskpart*' }) | Should -Be @('diskpart select disk 2; select partition 1; assign letter=Y', 'diskpart select disk 2; select partition 1; remove letter=Y')
            $calls | Should -Contain 'Remove-PartitionAccessPath 2 3 Z:\'
        }
    }
}
