; Pulsa — Windows installer (NSIS 3, Modern UI 2).
;
; Built by `python3 main.py build --installer` (scripts/build.py), which passes:
;   /DVERSION=0.1.0            the version, from app/__init__.py (the one place it is written)
;   /DBUNDLE_DIR=...\dist\pulsa the PyInstaller one-folder bundle to install
;   /DOUT_FILE=...\Pulsa-Setup-0.1.0.exe
;   /DICON=...\resources\icons\pulsa.ico
;
; Per-machine install under Program Files (admin rights), Start-menu shortcuts, an optional desktop
; shortcut, an uninstaller listed in Apps & features. Installing over an older version removes the old
; program files first and keeps the data. The shop's data (database, key file, backups, logs) lives in
; the user's data folder (%LOCALAPPDATA%\Pulsa), never under Program Files: the uninstaller keeps it
; unless the owner ticks "Hapus data" (silent: uninstall.exe /S /HAPUSDATA).

Unicode true
ManifestDPIAware true
!ifdef COMPRESSOR
  !if "${COMPRESSOR}" == "none"
    SetCompress off  ; tests: /DCOMPRESSOR=none builds in seconds instead of minutes
  !else
    SetCompressor /FINAL ${COMPRESSOR}
  !endif
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "makensis /DVERSION=x.y.z is required (scripts/build.py passes it)"
!endif
!ifndef BUNDLE_DIR
  !define BUNDLE_DIR "..\..\dist\pulsa"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "..\..\dist\Pulsa-Setup-${VERSION}.exe"
!endif
!ifndef ICON
  !define ICON "..\..\resources\icons\pulsa.ico"
!endif

!define APP_NAME "Pulsa"
!define APP_PUBLISHER "Pulsa"
!define APP_EXE "pulsa.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Pulsa"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
RequestExecutionLevel admin
BrandingText "${APP_NAME} ${VERSION}"

; the version resource of Setup.exe itself
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME} Setup"
VIAddVersionKey /LANG=0 "CompanyName" "${APP_PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_LANGDLL_REGISTRY_ROOT HKLM
!define MUI_LANGDLL_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

; the first language is the default one
!insertmacro MUI_LANGUAGE "Indonesian"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString SecProgram ${LANG_INDONESIAN} "Program Pulsa"
LangString SecProgram ${LANG_ENGLISH} "Pulsa program"
LangString SecDesktop ${LANG_INDONESIAN} "Pintasan di desktop"
LangString SecDesktop ${LANG_ENGLISH} "Desktop shortcut"
LangString SecRemoveData ${LANG_INDONESIAN} "Hapus data (database, kunci toko, cadangan, log)"
LangString SecRemoveData ${LANG_ENGLISH} "Remove data (database, shop key, backups, logs)"
LangString SelfTestName ${LANG_INDONESIAN} "Uji mandiri Pulsa"
LangString SelfTestName ${LANG_ENGLISH} "Pulsa self-test"
LangString NeedsX64 ${LANG_INDONESIAN} "Pulsa membutuhkan Windows 64-bit."
LangString NeedsX64 ${LANG_ENGLISH} "Pulsa needs 64-bit Windows."
LangString StillRunning ${LANG_INDONESIAN} "Pulsa masih berjalan. Tutup program (menu Berkas > Keluar), lalu klik OK."
LangString StillRunning ${LANG_ENGLISH} "Pulsa is still running. Close it (File > Quit), then click OK."

Var DataDir

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP|MB_OK "$(NeedsX64)" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  ; an older version: install over it, where it is (unless /D= says otherwise)
  ReadRegStr $0 HKLM "${UNINSTALL_KEY}" "InstallLocation"
  ${If} $0 != ""
  ${AndIf} $INSTDIR == "$PROGRAMFILES64\${APP_NAME}"
    StrCpy $INSTDIR $0
  ${EndIf}
  !insertmacro MUI_LANGDLL_DISPLAY
FunctionEnd

Function RemoveOldProgram
  ; the files an older version put here (data never lives here, so nothing of the shop's is lost)
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\pulsa.exe"
  Delete "$INSTDIR\pulsa-cli.exe"
  Delete "$INSTDIR\pulsa"  ; the program's name in a bundle built on Linux (the Wine test installs that one)
  Delete "$INSTDIR\uninstall.exe"
FunctionEnd

Section "!$(SecProgram)" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; the program must not run while its files are replaced (a running .exe cannot be opened for writing)
  check_running:
  ClearErrors
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    FileOpen $0 "$INSTDIR\${APP_EXE}" a
    ${If} ${Errors}
      MessageBox MB_OKCANCEL|MB_ICONEXCLAMATION "$(StillRunning)" /SD IDCANCEL IDOK check_running
      Abort
    ${EndIf}
    FileClose $0
  ${EndIf}
  Call RemoveOldProgram
  File /r "${BUNDLE_DIR}\*.*"
  File "/oname=pulsa.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APP_NAME}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\pulsa.ico" 0
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\$(SelfTestName).lnk" "$SYSDIR\cmd.exe" \
    '/k ""$INSTDIR\pulsa-cli.exe" --self-test"' "$INSTDIR\pulsa.ico" 0

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${APP_PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\pulsa.ico"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "$(SecDesktop)" SecDesktop
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\pulsa.ico" 0
SectionEnd

; --- uninstaller ---------------------------------------------------------------------------------


Section "un.$(SecProgram)" UnSecMain
  SectionIn RO
  Delete "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk"
  Delete "$SMPROGRAMS\${APP_NAME}\$(SelfTestName).lnk"
  Delete "$SMPROGRAMS\${APP_NAME}\*.lnk"
  RMDir "$SMPROGRAMS\${APP_NAME}"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\pulsa.exe"
  Delete "$INSTDIR\pulsa-cli.exe"
  Delete "$INSTDIR\pulsa"
  Delete "$INSTDIR\pulsa.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; "start with Windows" of the owner running the uninstaller (ui/autostart.py)
  DeleteRegValue HKCU "${RUN_KEY}" "Pulsa"
SectionEnd

Section /o "un.$(SecRemoveData)" SecRemoveData
  RMDir /r "$DataDir"
SectionEnd

; after the sections, so it can name ${SecRemoveData}
Function un.onInit
  SetRegView 64
  SetShellVarContext all
  !insertmacro MUI_UNGETLANGUAGE
  ; the shop's data: platformdirs' user_data_dir("Pulsa", "Pulsa") of the owner running the uninstaller
  SetShellVarContext current
  StrCpy $DataDir "$LOCALAPPDATA\Pulsa"
  SetShellVarContext all
  ; silent uninstall: /HAPUSDATA (or /REMOVEDATA) ticks "Hapus data"
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/HAPUSDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecRemoveData}
  ${EndIf}
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecRemoveData}
  ${EndIf}
FunctionEnd
