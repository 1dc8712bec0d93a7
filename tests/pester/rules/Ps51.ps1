# The Windows PowerShell 5.1 syntax rule: what a script that runs on the helper (Windows Server's
# built-in Windows PowerShell 5.1) must not use, found on the real PowerShell syntax tree.

$script:Ps7OnlyParameters = @{
    'convertfrom-json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'convertto-json' = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
    'foreach-object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
    'get-content' = @('AsByteStream')
    'set-content' = @('AsByteStream')
    'add-content' = @('AsByteStream')
    'invoke-webrequest' = @('SkipCertificateCheck', 'SkipHeaderValidation', 'Authentication', 'Token', 'SslProtocol', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'SkipHttpErrorCheck', 'StatusCodeVariable')
    'invoke-restmethod' = @('SkipCertificateCheck', 'SkipHeaderValidation', 'Authentication', 'Token', 'SslProtocol', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'SkipHttpErrorCheck', 'StatusCodeVariable', 'ResponseHeadersVariable')
    'join-path' = @('AdditionalChildPath')
    'select-object' = @('SkipIndex')
    'get-childitem' = @('FollowSymlink')
    'split-path' = @('Extension', 'LeafBase')
}
$script:Ps7OnlyCommands = @('Test-Json', 'ConvertFrom-Markdown', 'Get-Error', 'Join-String', 'Remove-Alias', 'Get-Uptime', 'ConvertTo-CliXml', 'ConvertFrom-CliXml')

function Get-Ps51Violations {
    # One line per use of something Windows PowerShell 5.1 does not have: "line N: what".
    param([Parameter(Mandatory = $true)][string]$Text)
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$null, [ref]$errors)
    $found = New-Object System.Collections.ArrayList
    $add = { param($node, $what) [void]$found.Add(('line {0}: {1}' -f $node.Extent.StartLineNumber, $what)) }
    $nodes = $ast.FindAll({ $true }, $true)
    foreach ($n in $nodes) {
        $type = $n.GetType().Name
        switch ($type) {
            'TernaryExpressionAst' { & $add $n 'ternary operator ?:' }
            'PipelineChainAst' { & $add $n 'pipeline chain operator && or ||' }
            'BinaryExpressionAst' { if ([string]$n.Operator -eq 'QuestionQuestion') { & $add $n 'null-coalescing operator ??' } }
            'AssignmentStatementAst' { if ([string]$n.Operator -eq 'QuestionQuestionEquals') { & $add $n 'null-coalescing assignment ??=' } }
            'PipelineAst' { if ($n.PSObject.Properties.Name -contains 'Background' -and $n.Background) { & $add $n 'background operator &' } }
            'CommandAst' {
                $name = $n.GetCommandName()
                if ($null -eq $name) { break }
                if ($script:Ps7OnlyCommands -contains $name) { & $add $n ('command {0}' -f $name) }
                $banned = $script:Ps7OnlyParameters[$name.ToLowerInvariant()]
                if ($null -ne $banned) {
                    foreach ($p in @($n.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })) {
                        $hit = @($banned | Where-Object { $_.StartsWith($p.ParameterName, [System.StringComparison]::OrdinalIgnoreCase) -and $p.ParameterName.Length -ge 2 })
                        if ($hit.Count -gt 0) { & $add $n ('{0} -{1}' -f $name, $hit[0]) }
                    }
                }
                if ($name -ieq 'Join-Path' -and @($n.CommandElements | Where-Object { $_ -isnot [System.Management.Automation.Language.CommandParameterAst] }).Count -gt 3) { & $add $n 'Join-Path with more than one child path' }
            }
        }
        if ($n.PSObject.Properties.Name -contains 'NullConditional' -and $n.NullConditional) { & $add $n 'null-conditional member access ?. or ?[]' }
    }
    $found | Select-Object -Unique
}
