; Inno Setup 6.3+ (or 7) script: the per-user Windows installer of CaseDesktop.
;
; packaging/build.py compiles it after PyInstaller has made the one-folder bundle:
;
;   iscc /Q /DAppVersion=0.1.0 /DSourceDir=<dist\casedesktop> /DOutputDir=<dist>
;        /DOutputBaseFilename=CaseDesktop-0.1.0-windows-x64-setup /DIconFile=<build\...\.ico>
;        [/DLicenseFile=<LICENSE>] [/DNumericVersion=0.1.0.0]
;        [/Scasedesktop=<sign command> /DSignTool=casedesktop]  packaging\windows\casedesktop.iss
;
; Defines (/D on the iscc command line):
;   AppVersion          required  the version shown and recorded, e.g. 0.1.0 (casedesktop.__version__)
;   SourceDir           required  the PyInstaller one-folder bundle (holds casedesktop.exe,
;                                 casedesktop-cli.exe and _internal\), an absolute path
;   OutputDir           required  where the setup program is written, an absolute path
;   OutputBaseFilename  required  the setup program's name without ".exe"
;   IconFile            required  the .ico rendered at build time, used for the setup program
;   LicenseFile         optional  the license the wizard shows; default: SourceDir\LICENSE
;   NumericVersion      optional  up to four dot-separated numbers for the file version resource;
;                                 default: AppVersion (pass it when AppVersion has a suffix like rc1)
;   SignTool            optional  the name of a Sign Tool defined with /S<name>=<command> on the
;                                 same command line (Inno Setup's $f/$q syntax). When set, the
;                                 compiler signs casedesktop.exe and casedesktop-cli.exe in place in
;                                 SourceDir, then the setup program and its uninstaller.
;                                 So build the .zip only after this script has been compiled.

#if VER < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is required (ArchitecturesAllowed=x64compatible)
#endif

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z
#endif
#ifndef SourceDir
  #error Pass the one-folder bundle: iscc /DSourceDir=<dist\casedesktop>
#endif
#ifndef OutputDir
  #error Pass the output folder: iscc /DOutputDir=<dist>
#endif
#ifndef OutputBaseFilename
  #error Pass the setup program's name: iscc /DOutputBaseFilename=CaseDesktop-X.Y.Z-windows-x64-setup
#endif
#ifndef IconFile
  #error Pass the icon: iscc /DIconFile=<org.casedesktop.CaseDesktop.ico>
#endif
#ifndef LicenseFile
  #define LicenseFile SourceDir + "\LICENSE"
#endif
#ifndef NumericVersion
  #define NumericVersion AppVersion
#endif

#define AppName "CaseDesktop"
#define AppPublisher "CaseDesktop"
#define AppUserModelID "org.casedesktop.CaseDesktop"
#define AppExe "casedesktop.exe"
#define CliExe "casedesktop-cli.exe"

[Setup]
; Fixed forever: it names the uninstall registry key, so every version upgrades the same install.
AppId={{C0985AA9-FC52-4E51-A92B-E9CF437051EB}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=Licensed under the GNU GPL, version 3 or later
; Per-user: no administrator rights, no UAC prompt, installs under the user's own profile.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or newer.
MinVersion=10.0.17763
LicenseFile={#LicenseFile}
SetupIconFile={#IconFile}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseFilename}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; The PATH task edits the user's environment: tell Explorer to reload it.
ChangesEnvironment=yes
CloseApplications=yes
RestartApplications=no
Uninstallable=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
VersionInfoTextVersion={#AppVersion}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoCompany={#AppPublisher}
VersionInfoDescription={#AppName} Setup
VersionInfoCopyright=GPL-3.0-or-later
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the folder with casedesktop-cli.exe to my PATH"; GroupDescription: "Command line:"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: no module of the previous version may linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; signonce: signed in place by the SignTool, only when one is set (the flag is ignored otherwise).
Source: "{#SourceDir}\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#SourceDir}\{#CliExe}"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#SourceDir}\*"; Excludes: "\{#AppExe},\{#CliExe}"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; The same AppUserModelID as the running app sets, so the taskbar groups its windows under this entry.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Customer support cases"; AppUserModelID: "{#AppUserModelID}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Customer support cases"; AppUserModelID: "{#AppUserModelID}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
const
  EnvironmentKey = 'Environment';

{ Whether the ;-separated Paths list holds Dir (case-insensitively). }
function PathListContains(Paths: String; Dir: String): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') > 0;
end;

procedure AddToUserPath(Dir: String);
var
  Paths: String;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Paths) then
    Paths := '';
  if PathListContains(Paths, Dir) then
    Exit;
  if (Paths <> '') and (Copy(Paths, Length(Paths), 1) <> ';') then
    Paths := Paths + ';';
  Paths := Paths + Dir;
  if RegWriteExpandStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Paths) then
    Log('Added ' + Dir + ' to the user PATH')
  else
    Log('Could not add ' + Dir + ' to the user PATH');
end;

procedure RemoveFromUserPath(Dir: String);
var
  Paths: String;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Paths) then
    Exit;
  P := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';');
  if P = 0 then
    Exit;
  { P is where ";Dir;" starts in ";Paths;": in Paths that is the ";" before Dir, or Dir itself when first. }
  if P > 1 then
    P := P - 1;
  Delete(Paths, P, Length(Dir) + 1);
  if RegWriteExpandStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Paths) then
    Log('Removed ' + Dir + ' from the user PATH')
  else
    Log('Could not remove ' + Dir + ' from the user PATH');
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then
    AddToUserPath(ExpandConstant('{app}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromUserPath(ExpandConstant('{app}'));
end;
