# Every script the helper runs stays Windows PowerShell 5.1 syntax: the rule (rules/Ps51.ps1) over
# each of them, and the rule itself on planted violations.

BeforeDiscovery {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
    $scripts = @(Get-ChildItem (Join-Path $root 'src/guest') -Filter '*.ps1' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
    $planted = @(
        @{ Code = '$a = $b ?? 1'; What = '??' }
        @{ Code = '$a ??= 1'; What = '??=' }
        @{ Code = '$x = $c ? 1 : 2'; What = 'ternary' }
        @{ Code = 'git status && echo ok'; What = '&& or ||' }
        @{ Code = 'git status || echo no'; What = '&& or ||' }
        @{ Code = '$n = ${o}?.Name'; What = '?.' }
        @{ Code = '$h = ConvertFrom-Json -InputObject $t -AsHashtable'; What = '-AsHashtable' }
        @{ Code = '$h = $t | ConvertFrom-Json -Depth 5'; What = '-Depth' }
        @{ Code = '1..3 | ForEach-Object -Parallel { $_ }'; What = '-Parallel' }
        @{ Code = 'Get-Content -Path a -AsByteStream'; What = '-AsByteStream' }
        @{ Code = 'Join-Path a b c'; What = 'more than one child path' }
        @{ Code = '$t | Test-Json'; What = 'Test-Json' }
        @{ Code = 'Start-Sleep 1 &'; What = 'background' }
    )
}

BeforeAll { . (Join-Path $PSScriptRoot 'rules/Ps51.ps1') }

Describe 'the Windows PowerShell 5.1 rule holds for <Name>' -ForEach $scripts {
    It 'uses nothing 5.1 lacks' {
        @(Get-Ps51Violations -Text (Get-Content -Raw $Path)) -join "; " | Should -BeExactly ''
    }
}

Describe 'the 5.1 rule finds a planted violation: <Code>' -ForEach $planted {
    It 'reports it with its line' {
        $v = @(Get-Ps51Violations -Text ("Set-StrictMode -Version Latest`n" + $Code))
        $v.Count | Should -BeGreaterThan 0
        ($v -join ' ') | Should -BeLike "line 2: *$What*"
    }
}

Describe 'the 5.1 rule accepts what 5.1 has' {
    It 'passes ordinary 5.1 code' {
        @(Get-Ps51Violations -Text '$a = $(if ($b) { 1 } else { 2 }); $j = ConvertTo-Json -InputObject $a -Depth 5 -Compress; Join-Path a b; $o = [ordered]@{ x = 1 }').Count | Should -Be 0
    }
}
