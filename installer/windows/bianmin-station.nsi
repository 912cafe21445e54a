; 便民站 Bianmin Station: the Windows installer (NSIS 3, Unicode).
;
; Packs the PyInstaller one-folder build (bianmin-station.spec) into one setup
; program.  On the Windows build machine, from the repository root:
;
;   makensis -DVERSION=0.1.0 installer\windows\bianmin-station.nsi
;
; VERSION is required (the version in pyproject.toml).  DIST is the built folder,
; default dist\bianmin-station beside the repository root; OUTFILE the setup program.
; tests/test_windows_installer.py compiles this script with Debian's makensis
; against a stand-in folder; it has never been run on Windows (installer/README.md).
;
; Per machine: the program goes to Program Files and the shortcuts to all users.
; Each user's data stays where the program keeps it (station/paths.py: platformdirs'
; user_data_dir, %LOCALAPPDATA%\bianmin-station), and the uninstaller keeps it
; unless the person uninstalling ticks the box for it.

Unicode true
ManifestDPIAware true
ManifestSupportedOS all  ; without it Windows 8.1 and later report themselves as 8
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "VERSION is not defined: makensis -DVERSION=0.1.0 installer\windows\bianmin-station.nsi"
!endif
!ifndef VI_VERSION
  !define VI_VERSION "${VERSION}.0"  ; Windows' file version has four numbers
!endif
!ifndef DIST
  !define DIST "..\..\dist\bianmin-station"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\bianmin-station-${VERSION}-setup.exe"
!endif

!define APP_NAME "便民站"
!define APP_NAME_EN "Bianmin Station"
!define APP_KEY "BianminStation"  ; install folder and registry key: ASCII on purpose
!define PUBLISHER "便民站项目 Bianmin Station project"
!define GUI_EXE "bianmin-station-gui.exe"
!define CLI_EXE "station.exe"
; station/paths.py APP_NAME; platformdirs puts user_data_dir (and user_config_dir)
; at %LOCALAPPDATA%\<it> on Windows.
!define DATA_FOLDER "bianmin-station"
!define DOCUMENTS_FOLDER "便民站"  ; printed documents: Documents\便民站, never removed
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_KEY}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "WinVer.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_KEY}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

!if /FileExists "bianmin-station.ico"
  !define MUI_ICON "bianmin-station.ico"
  !define MUI_UNICON "bianmin-station.ico"
!endif
!define MUI_ABORTWARNING
!define MUI_LANGDLL_ALLLANGUAGES
!define MUI_LANGDLL_REGISTRY_ROOT HKLM
!define MUI_LANGDLL_REGISTRY_KEY "${UNINST_KEY}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"
; No "run now" box on the finish page: it would start the program as the elevated
; installer's account, and the data folder would be made in that account's profile.

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS  ; the box that also removes the data folder
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"  ; the first language is the default
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString MSG_NEED_X64 ${LANG_SIMPCHINESE} "便民站需要 64 位的 Windows。这台电脑是 32 位系统，无法安装。"
LangString MSG_NEED_X64 ${LANG_ENGLISH} "Bianmin Station needs 64-bit Windows. This PC runs a 32-bit system and cannot install it."
LangString MSG_NEED_WIN81 ${LANG_SIMPCHINESE} "便民站需要 Windows 8.1 或更新的版本（建议 Windows 10 或 11）。这台电脑的 Windows 太旧（例如 Windows 7），程序自带的 Python 无法在上面运行。请升级 Windows，或改装统信UOS、银河麒麟后使用 .deb 安装包。"
LangString MSG_NEED_WIN81 ${LANG_ENGLISH} "Bianmin Station needs Windows 8.1 or later (Windows 10 or 11 recommended). The Windows on this PC is too old (for example Windows 7): the Python the program carries does not run on it. Upgrade Windows, or install UOS or Kylin and use the .deb package."
LangString SEC_APP ${LANG_SIMPCHINESE} "便民站程序"
LangString SEC_APP ${LANG_ENGLISH} "Bianmin Station program"
LangString SEC_UNAPP ${LANG_SIMPCHINESE} "删除便民站程序和快捷方式"
LangString SEC_UNAPP ${LANG_ENGLISH} "Remove the program and its shortcuts"
LangString SEC_UNDATA ${LANG_SIMPCHINESE} "同时删除本用户的办件数据（无法恢复）"
LangString SEC_UNDATA ${LANG_ENGLISH} "Also delete this user's case data (cannot be undone)"
LangString DESC_UNAPP ${LANG_SIMPCHINESE} "删除安装文件夹中的程序、开始菜单和桌面上的“便民站”快捷方式。办件数据保留，重新安装后可以继续使用。"
LangString DESC_UNAPP ${LANG_ENGLISH} "Removes the program from its folder and the 便民站 shortcuts from the Start menu and the desktop. Case data is kept: a new install goes on with it."
LangString DESC_UNDATA ${LANG_SIMPCHINESE} "不勾选时保留数据。勾选后删除当前 Windows 用户的数据文件夹 %LOCALAPPDATA%\${DATA_FOLDER}（案件、扫描件、密钥、设置），删除后无法恢复。其他 Windows 用户的数据和打印的文件（文档\${DOCUMENTS_FOLDER}）不会删除。"
LangString DESC_UNDATA ${LANG_ENGLISH} "Unticked, the data is kept. Ticked, the data folder of the current Windows user, %LOCALAPPDATA%\${DATA_FOLDER} (cases, scans, keys, settings), is deleted and cannot be restored. Other Windows users' data and printed documents (Documents\${DOCUMENTS_FOLDER}) are not deleted."
LangString CONFIRM_UNDATA ${LANG_SIMPCHINESE} "确定删除 $LOCALAPPDATA\${DATA_FOLDER} 吗？其中的案件、扫描件和密钥将无法恢复。如果还没有备份，请选“否”。"
LangString CONFIRM_UNDATA ${LANG_ENGLISH} "Delete $LOCALAPPDATA\${DATA_FOLDER}? Its cases, scans and keys cannot be restored. If you have no backup yet, choose No."
LangString KEPT_DATA ${LANG_SIMPCHINESE} "办件数据已保留：$LOCALAPPDATA\${DATA_FOLDER}"
LangString KEPT_DATA ${LANG_ENGLISH} "Case data kept: $LOCALAPPDATA\${DATA_FOLDER}"

VIProductVersion "${VI_VERSION}"
VIFileVersion "${VI_VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "Apache-2.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME_EN}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME_EN} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Apache-2.0"

Function .onInit
  SetRegView 64  ; first: the remembered language is read from the 64-bit registry
  !insertmacro MUI_LANGDLL_DISPLAY
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "$(MSG_NEED_X64)" /SD IDOK
    Abort
  ${EndIf}
  ${IfNot} ${AtLeastWin8.1}
    MessageBox MB_OK|MB_ICONSTOP "$(MSG_NEED_WIN81)" /SD IDOK
    Abort
  ${EndIf}
  SetShellVarContext all
FunctionEnd

Section "!$(SEC_APP)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the program's own files; no one's data lives here.
  RMDir /r "$INSTDIR\_internal"
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0

  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_NAME} ${APP_NAME_EN}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE}"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MUI_UNGETLANGUAGE
FunctionEnd

Section "!un.$(SEC_UNAPP)" SecUnApp
  SectionIn RO
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  ; Only what the installer put there: never RMDir /r "$INSTDIR" (it may be a folder
  ; someone chose that holds other files).
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
SectionEnd

; /o: not ticked unless the person uninstalling ticks it (and silent uninstalls, /S,
; never do): the data folder is kept.
Section /o "un.$(SEC_UNDATA)" SecUnData
  SetShellVarContext current
  MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "$(CONFIRM_UNDATA)" /SD IDNO IDNO keep_data
  RMDir /r "$LOCALAPPDATA\${DATA_FOLDER}"
  keep_data:
SectionEnd

Section "-un.report"
  SetShellVarContext current
  ${If} ${FileExists} "$LOCALAPPDATA\${DATA_FOLDER}\*.*"
    DetailPrint "$(KEPT_DATA)"
  ${EndIf}
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnApp} "$(DESC_UNAPP)"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnData} "$(DESC_UNDATA)"
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
