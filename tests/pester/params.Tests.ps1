# The scripts' own parameter validation, run by the real PowerShell binder: every parameter with a
# ValidatePattern refuses every value of the shared hostile table (tests/fixtures/hostile-values.json),
# the same table the TypeScript validators are tested with. Only the param() block is invoked, so
# nothing of the script body runs.

BeforeDiscovery {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
    $table = Get-Content -Raw (Join-Path $root 'tests/fixtures/hostile-values.json') | ConvertFrom-Json
    $cases = foreach ($script in 'collect.ps1', 'repair.ps1') {
        $path = Join-Path $root "src/guest/$script"
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$null, [ref]$null)
        foreach ($p in $ast.ParamBlock.Parameters) {
            $hasPattern = $p.Attributes | Where-Object { $_.TypeName.Name -eq 'ValidatePattern' }
            if (-not $hasPattern) { continue }
            foreach ($v in $table.values) {
                @{ Script = $script; Path = $path; Name = $p.Name.VariablePath.UserPath; Label = $v.name; Value = [string]$v.value }
            }
        }
    }
}

Describe 'the hostile-value table' {
    It 'has the entries the TypeScript test uses' {
        $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
        $table = Get-Content -Raw (Join-Path $root 'tests/fixtures/hostile-values.json') | ConvertFrom-Json
        $table.values.Count | Should -BeGreaterThan 10
        ($table.values | Where-Object name -EQ 'NUL').value | Should -Be "cxnetmon$([char]0)"
    }
}

Describe '<Script> -<Name> refuses <Label>' -ForEach $cases {
    BeforeAll {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$null)
        # The script's own param() block, attributes and all, as a script block with no body.
        $binder = [scriptblock]::Create($ast.ParamBlock.Extent.Text)
    }

    It 'is refused by the binder, naming the parameter' {
        $bound = @{ $Name = $Value }
        $err = $null
        try { & $binder @bound } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception | Should -BeOfType [System.Management.Automation.ParameterBindingException]
        $err.Exception.ParameterName | Should -Be $Name
    }
}

Describe 'the binder accepts what the planner sends' {
    It 'repair.ps1 binds a plan of the bundled sample' {
        $root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
        $ast = [System.Management.Automation.Language.Parser]::ParseFile(
            (Join-Path $root 'src/guest/repair.ps1'), [ref]$null, [ref]$null)
        $binder = [scriptblock]::Create($ast.ParamBlock.Extent.Text + ' $PSBoundParameters')
        $bound = & $binder -Actions 'DisableDriver,QuarantineDriverFile' -DriverService 'cxnetmon' `
            -DriverFilePath 'System32\drivers\cxnetmon.sys'
        $bound['DriverService'] | Should -Be 'cxnetmon'
        $bound['Actions'] | Should -Be @('DisableDriver,QuarantineDriverFile')
    }
}
