# Run the camera app under crashproof on Windows. The equivalent of the
# original run-with-watchfiles.ps1: each parameter given becomes the
# runner's environment variable, and crashproof supplies the defaults and
# validates the values.
#   powershell -ExecutionPolicy Bypass -File deploy\windows\run.ps1 -Port 7777 -MaxRestarts 20
#   powershell -ExecutionPolicy Bypass -File deploy\windows\run.ps1 -Config C:\tapo\crashproof.yaml
# Decimals and durations are strings ("1.5", "2s") so that the system
# locale cannot turn 1.5 into "1,5".

param(
    # $Host is a read-only automatic variable in PowerShell, so the value
    # lives in $BindHost and -Host is the parameter's alias.
    [Alias('Host')][string]$BindHost,
    [int]$Port,
    [switch]$Debug,
    [int]$MaxRestarts,
    [string]$RestartDelay,
    [string]$BackoffMultiplier,
    [string]$HealthCheckInterval,
    [ValidateSet('true', 'false')][string]$NotifyOnCrash,
    [string]$Config
)

$ErrorActionPreference = 'Stop'
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path

$Variables = [ordered]@{
    BindHost            = 'TAPO_WEBAPP_HOST'
    Port                = 'TAPO_WEBAPP_PORT'
    Debug               = 'TAPO_WEBAPP_DEBUG'
    MaxRestarts         = 'WATCHFILES_MAX_RESTARTS'
    RestartDelay        = 'WATCHFILES_RESTART_DELAY'
    BackoffMultiplier   = 'WATCHFILES_BACKOFF_MULTIPLIER'
    HealthCheckInterval = 'WATCHFILES_HEALTH_CHECK_INTERVAL'
    NotifyOnCrash       = 'WATCHFILES_NOTIFY_ON_CRASH'
}

$Given = @($Variables.Keys | Where-Object { $PSBoundParameters.ContainsKey($_) })
if ($Config -and $Given.Count -gt 0) {
    $Names = $Given | ForEach-Object { if ($_ -eq 'BindHost') { 'Host' } else { $_ } }
    Write-Host "-$($Names -join ', -') cannot be combined with -Config: set these values in $Config instead" -ForegroundColor Red
    exit 2
}

foreach ($Name in $Given) {
    $Value = $PSBoundParameters[$Name]
    if ($Value -is [System.Management.Automation.SwitchParameter]) {
        $Value = $Value.IsPresent.ToString().ToLowerInvariant()
    }
    Set-Item -Path "Env:$($Variables[$Name])" -Value ([string]$Value)
}

$Arguments = @('run')
if ($Config) { $Arguments += @('--config', $Config) }

$Cli = Join-Path $RepoRoot 'dist\cli\main.js'
if (Test-Path $Cli) {
    & node $Cli @Arguments
}
else {
    & crashproof @Arguments
}
exit $LASTEXITCODE
