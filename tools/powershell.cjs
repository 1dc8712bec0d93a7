"use strict";
// Finds or installs what the Pester suite needs, into the git-ignored .tools/ folder:
// PowerShell 7.6.10 as a .NET tool (a newer default release fails on this machine kind) and
// Pester 5.7.1 from NuGet. The scripts themselves target Windows PowerShell 5.1; pwsh runs them
// here against fakes of the few Windows-only commands.
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const TOOLS = path.join(ROOT, ".tools");
const PWSH_VERSION = "7.6.10";
const PESTER_VERSION = "5.7.1";

function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
}

/** pwsh of the right version: .tools/pwsh/pwsh, installed with dotnet when missing. */
function ensurePwsh(log) {
  const local = path.join(TOOLS, "pwsh", "pwsh");
  if (fs.existsSync(local)) return local;
  if (!which("dotnet")) return null;
  log(`installing PowerShell ${PWSH_VERSION} into .tools/pwsh (dotnet tool install)`);
  run("dotnet", [
    "tool",
    "install",
    "PowerShell",
    "--version",
    PWSH_VERSION,
    "--tool-path",
    path.join(TOOLS, "pwsh"),
  ]);
  return fs.existsSync(local) ? local : null;
}

/** Pester's module manifest: .tools/nuget/pester/<v>/tools/Pester.psd1, restored from NuGet. */
function ensurePester(log) {
  const manifest = path.join(TOOLS, "nuget", "pester", PESTER_VERSION, "tools", "Pester.psd1");
  if (fs.existsSync(manifest)) return manifest;
  if (!which("dotnet")) return null;
  log(`downloading Pester ${PESTER_VERSION} into .tools/nuget (dotnet restore)`);
  const proj = path.join(TOOLS, "pester-download");
  fs.mkdirSync(proj, { recursive: true });
  fs.writeFileSync(
    path.join(proj, "download.csproj"),
    `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[${PESTER_VERSION}]" /></ItemGroup>
</Project>
`,
  );
  run("dotnet", [
    "restore",
    path.join(proj, "download.csproj"),
    "--packages",
    path.join(TOOLS, "nuget"),
  ]);
  return fs.existsSync(manifest) ? manifest : null;
}

/** { pwsh, pester } ready to use, or { missing: why } where neither pwsh nor dotnet exists. */
function ensurePowerShell(log = () => {}) {
  const pwsh = ensurePwsh(log);
  if (!pwsh) return { missing: "neither .tools/pwsh nor dotnet is on this machine" };
  const pester = ensurePester(log);
  if (!pester) return { missing: "Pester could not be restored from NuGet (no dotnet)" };
  return { pwsh, pester };
}

module.exports = { ensurePowerShell, PWSH_VERSION, PESTER_VERSION, TOOLS };
