# Install crashproof from this repository on Windows: check the Node.js
# version, install the npm dependencies from the lockfile and build. The
# equivalent of the original install-watchfiles.ps1.
#   powershell -ExecutionPolicy Bypass -File deploy\windows\install.ps1

$ErrorActionPreference = 'Stop'
$MinimumNode = [version]'20.19.0'
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path

if ($null -eq (Get-Command node -ErrorAction SilentlyContinue)) {
    Write-Host "node was not found on PATH: install Node.js $MinimumNode or later" -ForegroundColor Red
    exit 1
}
$NodeVersion = [version]((& node --version).Trim().TrimStart('v'))
if ($NodeVersion -lt $MinimumNode) {
    Write-Host "Node.js $NodeVersion is too old: crashproof needs $MinimumNode or later" -ForegroundColor Red
    exit 1
}

Push-Location $RepoRoot
try {
    & npm ci --no-audit --no-fund
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    & npm run build
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
finally {
    Pop-Location
}

Write-Host "crashproof is built (Node.js $NodeVersion). Start it with deploy\windows\run.ps1" -ForegroundColor Green
