/**
 * Windows programs the generators know by name: where they live, the
 * OriginalFileName their PE version resource carries (what Sysmon logs even
 * when the file is renamed), and their role, which decides how a rule about
 * them is generalised and how loud it may be:
 *
 * - `shell`: command interpreters and script hosts;
 * - `lolbin`: signed system binaries attackers use to download, decode or
 *   proxy-execute code (LOLBAS), where the suspicious argument is the signal;
 * - `admin`: administration and discovery commands admins run every day;
 * - `office`, `server`, `browser`: unusual parents of a shell;
 * - `system`: core processes (their name in a user path is masquerading).
 *
 * This is the built-in core; `catalog.ts` adds the image names and
 * OriginalFileNames SigmaHQ rules mention when the rule set is installed.
 */

export type BinaryRole = 'shell' | 'lolbin' | 'admin' | 'office' | 'server' | 'browser' | 'system' | 'tool';

export interface KnownBinary {
  /** File name, lower case, e.g. `certutil.exe`. */
  name: string;
  /** Folder it ships in, e.g. `C:\Windows\System32`; undefined for third-party tools. */
  dir?: string;
  originalFileName?: string;
  role: BinaryRole;
}

const S32 = 'C:\\Windows\\System32';
const WIN = 'C:\\Windows';
const WBEM = 'C:\\Windows\\System32\\wbem';
const NET4 = 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319';
const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16';

/** name|originalFileName|role|dir ( `-` = none ). */
const TABLE = `
cmd.exe|Cmd.Exe|shell|${S32}
powershell.exe|PowerShell.EXE|shell|${S32}\\WindowsPowerShell\\v1.0
pwsh.exe|pwsh.dll|shell|C:\\Program Files\\PowerShell\\7
powershell_ise.exe|powershell_ise.EXE|shell|${S32}\\WindowsPowerShell\\v1.0
wscript.exe|wscript.exe|shell|${S32}
cscript.exe|cscript.exe|shell|${S32}
mshta.exe|MSHTA.EXE|shell|${S32}
conhost.exe|CONHOST.EXE|system|${S32}
certutil.exe|CertUtil.exe|lolbin|${S32}
bitsadmin.exe|bitsadmin.exe|lolbin|${S32}
rundll32.exe|RUNDLL32.EXE|lolbin|${S32}
regsvr32.exe|REGSVR32.EXE|lolbin|${S32}
msiexec.exe|msiexec.exe|lolbin|${S32}
regasm.exe|RegAsm.exe|lolbin|${NET4}
regsvcs.exe|RegSvcs.exe|lolbin|${NET4}
installutil.exe|InstallUtil.exe|lolbin|${NET4}
msbuild.exe|MSBuild.exe|lolbin|${NET4}
csc.exe|csc.exe|lolbin|${NET4}
cmstp.exe|CMSTP.EXE|lolbin|${S32}
odbcconf.exe|odbcconf.exe|lolbin|${S32}
mavinject.exe|mavinject64.exe|lolbin|${S32}
forfiles.exe|forfiles.exe|lolbin|${S32}
pcalua.exe|pcalua.exe|lolbin|${S32}
hh.exe|HH.exe|lolbin|${WIN}
control.exe|CONTROL.EXE|lolbin|${S32}
esentutl.exe|esentutl.exe|lolbin|${S32}
expand.exe|EXPAND.EXE|lolbin|${S32}
extrac32.exe|extrac32.exe|lolbin|${S32}
makecab.exe|makecab.exe|lolbin|${S32}
findstr.exe|FINDSTR.EXE|admin|${S32}
replace.exe|REPLACE.EXE|lolbin|${S32}
xcopy.exe|XCOPY.EXE|admin|${S32}
robocopy.exe|robocopy.exe|admin|${S32}
curl.exe|curl.exe|lolbin|${S32}
tar.exe|bsdtar|lolbin|${S32}
ftp.exe|ftp.exe|lolbin|${S32}
desktopimgdownldr.exe|desktopimgdownldr.exe|lolbin|${S32}
wmic.exe|wmic.exe|lolbin|${WBEM}
mofcomp.exe|mofcomp.exe|lolbin|${WBEM}
wmiprvse.exe|WmiPrvSE.exe|server|${WBEM}
scrcons.exe|SCRCONS.EXE|server|${WBEM}
schtasks.exe|schtasks.exe|admin|${S32}
at.exe|AT.EXE|admin|${S32}
sc.exe|sc.exe|admin|${S32}
reg.exe|reg.exe|admin|${S32}
regedit.exe|REGEDIT.EXE|admin|${WIN}
net.exe|net.exe|admin|${S32}
net1.exe|net1.exe|admin|${S32}
netsh.exe|netsh.exe|admin|${S32}
netstat.exe|netstat.exe|admin|${S32}
nltest.exe|nltestrk.exe|admin|${S32}
nslookup.exe|nslookup.exe|admin|${S32}
ipconfig.exe|ipconfig.exe|admin|${S32}
arp.exe|arp.exe|admin|${S32}
route.exe|route.exe|admin|${S32}
ping.exe|ping.exe|admin|${S32}
tracert.exe|tracert.exe|admin|${S32}
systeminfo.exe|sysinfo.exe|admin|${S32}
hostname.exe|hostname.exe|admin|${S32}
whoami.exe|whoami.exe|admin|${S32}
quser.exe|quser.exe|admin|${S32}
qwinsta.exe|qwinsta.exe|admin|${S32}
query.exe|query.exe|admin|${S32}
tasklist.exe|tasklist.exe|admin|${S32}
taskkill.exe|taskkill.exe|admin|${S32}
vssadmin.exe|VSSADMIN.EXE|admin|${S32}
wbadmin.exe|WBADMIN.EXE|admin|${S32}
bcdedit.exe|bcdedit.exe|admin|${S32}
wevtutil.exe|wevtutil.exe|admin|${S32}
fsutil.exe|fsutil.exe|admin|${S32}
icacls.exe|iCACLS.EXE|admin|${S32}
cacls.exe|CACLS.EXE|admin|${S32}
takeown.exe|takeown.exe|admin|${S32}
attrib.exe|ATTRIB.EXE|admin|${S32}
cipher.exe|CIPHER.EXE|admin|${S32}
diskshadow.exe|diskshadow.exe|admin|${S32}
ntdsutil.exe|ntdsutil.exe|admin|${S32}
dsquery.exe|dsquery.exe|admin|${S32}
gpresult.exe|gprslt.exe|admin|${S32}
gpupdate.exe|GPUpdate.exe|admin|${S32}
klist.exe|klist.exe|admin|${S32}
setspn.exe|setspn.exe|admin|${S32}
cmdkey.exe|cmdkey.exe|admin|${S32}
vaultcmd.exe|VAULTCMD.EXE|admin|${S32}
auditpol.exe|AUDITPOL.EXE|admin|${S32}
driverquery.exe|drvqry.exe|admin|${S32}
fltmc.exe|fltMC.exe|admin|${S32}
dism.exe|DISM.EXE|admin|${S32}
pnputil.exe|PnPutil.exe|admin|${S32}
winrm.cmd|-|admin|${S32}
winrs.exe|winrs.exe|admin|${S32}
mstsc.exe|mstsc.exe|admin|${S32}
runas.exe|RUNAS.EXE|admin|${S32}
shutdown.exe|shutdown.exe|admin|${S32}
sdbinst.exe|sdbinst.exe|lolbin|${S32}
bitsadmin32.exe|-|lolbin|-
wusa.exe|wusa.exe|admin|${S32}
msdt.exe|msdt.exe|lolbin|${S32}
msconfig.exe|MSCONFIG.EXE|admin|${S32}
eventvwr.exe|eventvwr.exe|lolbin|${S32}
fodhelper.exe|FodHelper.EXE|lolbin|${S32}
computerdefaults.exe|ComputerDefaults.exe|lolbin|${S32}
sdclt.exe|sdclt.exe|lolbin|${S32}
slui.exe|slui.exe|lolbin|${S32}
wsreset.exe|wsreset.exe|lolbin|${S32}
consent.exe|consent.exe|system|${S32}
explorer.exe|EXPLORER.EXE|system|${WIN}
svchost.exe|svchost.exe|system|${S32}
lsass.exe|lsass.exe|system|${S32}
services.exe|services.exe|system|${S32}
winlogon.exe|WINLOGON.EXE|system|${S32}
csrss.exe|CSRSS.Exe|system|${S32}
smss.exe|smss.exe|system|${S32}
wininit.exe|WinInit.exe|system|${S32}
spoolsv.exe|spoolsv.exe|system|${S32}
taskhostw.exe|taskhostw.exe|system|${S32}
taskeng.exe|taskeng.exe|system|${S32}
dllhost.exe|dllhost.exe|system|${S32}
searchindexer.exe|SearchIndexer.exe|system|${S32}
werfault.exe|WerFault.exe|system|${S32}
wermgr.exe|wermgr.exe|system|${S32}
notepad.exe|NOTEPAD.EXE|admin|${S32}
calc.exe|CALC.EXE|admin|${S32}
msedge.exe|msedge.exe|browser|C:\\Program Files (x86)\\Microsoft\\Edge\\Application
chrome.exe|chrome.exe|browser|C:\\Program Files\\Google\\Chrome\\Application
firefox.exe|firefox.exe|browser|C:\\Program Files\\Mozilla Firefox
iexplore.exe|IEXPLORE.EXE|browser|C:\\Program Files\\Internet Explorer
winword.exe|WinWord.exe|office|${OFFICE}
excel.exe|Excel.exe|office|${OFFICE}
powerpnt.exe|POWERPNT.EXE|office|${OFFICE}
outlook.exe|Outlook.exe|office|${OFFICE}
msaccess.exe|MSACCESS.EXE|office|${OFFICE}
mspub.exe|MSPUB.EXE|office|${OFFICE}
onenote.exe|OneNote.exe|office|${OFFICE}
acrord32.exe|AcroRd32.exe|office|C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader
w3wp.exe|w3wp.exe|server|${S32}\\inetsrv
httpd.exe|httpd.exe|server|-
nginx.exe|nginx.exe|server|-
tomcat.exe|-|server|-
sqlservr.exe|sqlservr.exe|server|C:\\Program Files\\Microsoft SQL Server
umworkerprocess.exe|UMWorkerProcess.exe|server|-
psexec.exe|psexec.c|tool|-
psexesvc.exe|psexesvc.exe|tool|-
procdump.exe|procdump|tool|-
adfind.exe|AdFind.exe|tool|-
rclone.exe|rclone.exe|tool|-
7z.exe|7z.exe|tool|C:\\Program Files\\7-Zip
7za.exe|7za.exe|tool|-
winrar.exe|WinRAR.exe|tool|C:\\Program Files\\WinRAR
rar.exe|Command line RAR|tool|C:\\Program Files\\WinRAR
anydesk.exe|AnyDesk.exe|tool|-
teamviewer.exe|TeamViewer.exe|tool|-
ngrok.exe|ngrok.exe|tool|-
plink.exe|Plink|tool|-
mimikatz.exe|mimikatz.exe|tool|-
rubeus.exe|Rubeus.exe|tool|-
sharphound.exe|SharpHound.exe|tool|-
nmap.exe|nmap.exe|tool|-
python.exe|python.exe|tool|-
wget.exe|wget.exe|tool|-
ssh.exe|ssh.exe|tool|${S32}\\OpenSSH
scp.exe|scp.exe|tool|${S32}\\OpenSSH
sftp.exe|sftp.exe|tool|${S32}\\OpenSSH
`;

/** More System32 programs (administration, diagnostics, deployment): names only. */
const SYSTEM32_MORE = `
nbtstat find where tree doskey chcp w32tm clip atbroker secedit ldifde certreq pktmon infdefaultinstall wuauclt gpscript finger taskmgr
timeout rpcping wlrmdr scriptrunner print more sort fc comp choice subst label format chkdsk diskpart sfc cleanmgr logman tracerpt
msinfo32 dxdiag mountvol manage-bde relog typeperf openfiles getmac msg tscon tsdiscon rwinsta logoff powercfg reagentc mmc regini
pathping netsh route ftp telnet tftp certmgr auditpol bitsadmin iscsicli wecutil winmgmt wsmprovhost wbemtest dnscmd repadmin dcdiag
csvde ntdsutil dsget dsmod dsadd dsrm netdom nltest klist ksetup ktpass setx compact makecab expand extrac32 cmdl32 conhost
rekeywiz cscript wscript msdt mstsc shadow query quser qprocess qappsrv change reset sc systeminfo whoami wevtutil wmic mshta
regedt32 rundll32 dllhost verclsid presentationhost ieexec cdb ntsd dnx rcsi csi fsi tracker te bginfo sqldumper sqlps mftrace
appvlp msohtmed winrs winrm ssh-keygen ssh-agent icacls takeown cipher fondue ftype assoc wusa pnputil bcdboot bcdedit bootrec
diskperf defrag fsquirt hdwwiz lodctr unlodctr lpq lpr mrinfo nslookup netstat arp ipconfig hostname ping tracert shutdown
schtasks at tasklist taskkill vssadmin wbadmin mpcmdrun cmstp control odbcconf regsvr32 msiexec certutil esentutl replace xcopy robocopy
`;

/** Programs commonly installed on admin and developer machines (and in attack tooling), on PATH. */
const COMMON_CLIS = `
az aws gcloud kubectl docker git python python3 py pip node npm npx java javaw dotnet choco winget scoop sqlcmd openssl terraform
ruby gem perl php go cargo rustc putty pscp psftp plink winscp filezilla 7z 7za winrar rar unrar tar curl wget nc ncat socat nmap
masscan procdump psexec psexec64 pskill pslist psloggedon psservice pssuspend sdelete sysmon sysmon64 autoruns autorunsc tcpview
procexp procmon handle sigcheck strings accesschk adfind rclone megacmd ngrok chisel anydesk teamviewer screenconnect atera
vncviewer wt code notepad++ gup
`;

function table(): Map<string, KnownBinary> {
  const m = new Map<string, KnownBinary>();
  for (const line of TABLE.trim().split('\n')) {
    const [name, ofn, role, dir] = line.split('|') as [string, string, BinaryRole, string];
    const b: KnownBinary = { name, role };
    if (ofn !== '-') b.originalFileName = ofn;
    if (dir !== '-') b.dir = dir;
    m.set(name, b);
  }
  for (const n of SYSTEM32_MORE.split(/\s+/).filter(Boolean)) {
    const name = `${n}.exe`;
    if (!m.has(name)) m.set(name, { name, role: 'admin', dir: S32 });
  }
  for (const n of COMMON_CLIS.split(/\s+/).filter(Boolean)) {
    const name = `${n}.exe`;
    if (!m.has(name)) m.set(name, { name, role: 'tool' });
  }
  return m;
}

export const WINDOWS_BINARIES: ReadonlyMap<string, KnownBinary> = table();

/**
 * cmd.exe built-in commands: they run inside cmd.exe and create no process
 * of their own (so a rule on `Image` can never see them).
 */
export const CMD_BUILTINS: ReadonlySet<string> = new Set(
  'assoc break call cd chdir cls color copy date del dir dpath echo endlocal erase exit for ftype goto if keys md mkdir mklink move path pause popd prompt pushd rd rem ren rename rmdir set setlocal shift start time title type ver verify vol'.split(' '),
);

/** Roles whose child shells are suspicious in themselves (the parent–child pattern). */
export const UNUSUAL_PARENT_ROLES: ReadonlySet<BinaryRole> = new Set(['office', 'server', 'browser']);
/** Specific programs that are unusual parents of a shell although their role is another. */
export const UNUSUAL_PARENTS: ReadonlySet<string> = new Set(['wscript.exe', 'cscript.exe', 'mshta.exe', 'rundll32.exe', 'regsvr32.exe', 'wmiprvse.exe', 'msiexec.exe', 'services.exe']);

/** Windows folders a normal user can write to: a program or payload there is a signal. */
export const USER_WRITABLE_MARKERS: readonly string[] = [
  '\\AppData\\Local\\Temp\\',
  '\\AppData\\Roaming\\',
  '\\AppData\\Local\\',
  '\\Windows\\Temp\\',
  '\\Users\\Public\\',
  '\\ProgramData\\',
  '\\PerfLogs\\',
  '\\Downloads\\',
  '\\Desktop\\',
  '\\Start Menu\\Programs\\Startup\\',
  '\\$Recycle.Bin\\',
];

/** Linux folders used for staging (world-writable or hidden). */
export const LINUX_STAGING_MARKERS: readonly string[] = ['/tmp/', '/dev/shm/', '/var/tmp/', '/run/user/'];

/** System DLLs whose exports are proxy-executed (`rundll32 comsvcs.dll,MiniDump`): generic, not report-specific. */
export const PROXY_DLLS: ReadonlySet<string> = new Set(
  'comsvcs.dll shell32.dll url.dll advpack.dll ieadvpack.dll zipfldr.dll pcwutl.dll setupapi.dll syssetup.dll shdocvw.dll ieframe.dll mshtml.dll javascript: vbscript: scrobj.dll desk.cpl keymgr.dll dfshim.dll shimgvw.dll photoviewer.dll davclnt.dll user32.dll printui.dll'.split(' '),
);
