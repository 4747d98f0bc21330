/**
 * What the PowerShell checker knows: cmdlets of the modules that ship with
 * Windows PowerShell 5.1 / PowerShell 7 and the common Windows feature
 * modules (ActiveDirectory, NetTCPIP, ScheduledTasks, Defender, …), the
 * default aliases, and the approved verbs (`Get-Verb`), which tell a
 * plausible `Verb-Noun` command from a typo.
 */

const CMDLETS = `
Add-Content Add-History Add-Member Add-PSSnapin Add-Type Clear-Content Clear-History Clear-Host Clear-Item Clear-ItemProperty
Clear-RecycleBin Clear-Variable Compare-Object Complete-Transaction Connect-PSSession Convert-Path ConvertFrom-Csv ConvertFrom-Json
ConvertFrom-Markdown ConvertFrom-SecureString ConvertFrom-StringData ConvertTo-Csv ConvertTo-Html ConvertTo-Json ConvertTo-SecureString
ConvertTo-Xml Copy-Item Copy-ItemProperty Debug-Process Disable-PSBreakpoint Disable-PSRemoting Disable-PSSessionConfiguration
Disconnect-PSSession Enable-PSBreakpoint Enable-PSRemoting Enable-PSSessionConfiguration Enter-PSHostProcess Enter-PSSession
Exit-PSHostProcess Exit-PSSession Export-Alias Export-Clixml Export-Csv Export-FormatData Export-ModuleMember Export-PSSession
ForEach-Object Format-Custom Format-Hex Format-List Format-Table Format-Wide Get-Acl Get-Alias Get-AuthenticodeSignature
Get-ChildItem Get-CimAssociatedInstance Get-CimClass Get-CimInstance Get-CimSession Get-Clipboard Get-CmsMessage Get-Command
Get-ComputerInfo Get-Content Get-Credential Get-Culture Get-Date Get-Event Get-EventLog Get-EventSubscriber Get-ExecutionPolicy
Get-FileHash Get-FormatData Get-Help Get-History Get-Host Get-HotFix Get-Item Get-ItemProperty Get-ItemPropertyValue Get-Job
Get-Location Get-Member Get-Module Get-PfxCertificate Get-Process Get-PSBreakpoint Get-PSCallStack Get-PSDrive Get-PSHostProcessInfo
Get-PSProvider Get-PSReadLineKeyHandler Get-PSReadLineOption Get-PSSession Get-PSSessionCapability Get-PSSessionConfiguration
Get-Random Get-Runspace Get-Service Get-TimeZone Get-TraceSource Get-Transaction Get-TypeData Get-UICulture Get-Unique Get-Uptime
Get-Variable Get-Verb Get-WinEvent Get-WmiObject Group-Object Import-Alias Import-Clixml Import-Csv Import-LocalizedData
Import-Module Import-PowerShellDataFile Import-PSSession Invoke-CimMethod Invoke-Command Invoke-Expression Invoke-History Invoke-Item
Invoke-RestMethod Invoke-WebRequest Invoke-WmiMethod Join-Path Join-String Limit-EventLog Measure-Command Measure-Object Move-Item
Move-ItemProperty New-Alias New-CimInstance New-CimSession New-CimSessionOption New-Event New-EventLog New-FileCatalog New-Guid
New-Item New-ItemProperty New-Module New-ModuleManifest New-Object New-PSDrive New-PSRoleCapabilityFile New-PSSession
New-PSSessionConfigurationFile New-PSSessionOption New-PSTransportOption New-Service New-TemporaryFile New-TimeSpan New-Variable
New-WebServiceProxy New-WinEvent Out-Default Out-File Out-GridView Out-Host Out-Null Out-Printer Out-String Pop-Location
Protect-CmsMessage Push-Location Read-Host Receive-Job Receive-PSSession Register-ArgumentCompleter Register-CimIndicationEvent
Register-EngineEvent Register-ObjectEvent Register-PSSessionConfiguration Register-WmiEvent Remove-Alias Remove-CimInstance
Remove-CimSession Remove-Computer Remove-Event Remove-EventLog Remove-Item Remove-ItemProperty Remove-Job Remove-Module
Remove-PSBreakpoint Remove-PSDrive Remove-PSReadLineKeyHandler Remove-PSSession Remove-Service Remove-TypeData Remove-Variable
Remove-WmiObject Rename-Computer Rename-Item Rename-ItemProperty Reset-ComputerMachinePassword Resolve-Path Restart-Computer
Restart-Service Resume-Job Resume-Service Save-Help Select-Object Select-String Select-Xml Send-MailMessage Set-Acl Set-Alias
Set-AuthenticodeSignature Set-CimInstance Set-Clipboard Set-Content Set-Date Set-ExecutionPolicy Set-Item Set-ItemProperty
Set-Location Set-PSBreakpoint Set-PSDebug Set-PSReadLineKeyHandler Set-PSReadLineOption Set-PSSessionConfiguration Set-Service
Set-StrictMode Set-TimeZone Set-TraceSource Set-Variable Set-WmiInstance Show-Command Show-EventLog Sort-Object Split-Path
Start-Job Start-Process Start-Service Start-Sleep Start-Transaction Start-Transcript Stop-Computer Stop-Job Stop-Process
Stop-Service Stop-Transcript Suspend-Job Suspend-Service Tee-Object Test-ComputerSecureChannel Test-Connection Test-FileCatalog
Test-Json Test-ModuleManifest Test-Path Test-PSSessionConfigurationFile Test-WSMan Trace-Command Unblock-File Undo-Transaction
Unprotect-CmsMessage Unregister-Event Unregister-PSSessionConfiguration Update-FormatData Update-Help Update-List Update-TypeData
Use-Transaction Wait-Debugger Wait-Event Wait-Job Wait-Process Where-Object Write-Debug Write-Error Write-EventLog Write-Host
Write-Information Write-Output Write-Progress Write-Verbose Write-Warning Add-Computer Checkpoint-Computer Clear-EventLog
Disable-ComputerRestore Enable-ComputerRestore Get-ComputerRestorePoint Restore-Computer Test-NetConnection Get-NetTCPConnection
Get-NetUDPEndpoint Get-NetIPAddress Get-NetIPConfiguration Get-NetIPInterface Get-NetAdapter Get-NetRoute Get-NetNeighbor
New-NetIPAddress Remove-NetIPAddress Set-NetIPInterface Get-NetConnectionProfile Set-NetConnectionProfile Get-NetFirewallRule
New-NetFirewallRule Set-NetFirewallRule Remove-NetFirewallRule Enable-NetFirewallRule Disable-NetFirewallRule Get-NetFirewallProfile
Set-NetFirewallProfile Get-NetFirewallSetting Get-NetFirewallPortFilter Get-NetFirewallApplicationFilter New-NetQosPolicy Get-NetQosPolicy
Remove-NetQosPolicy New-NetEventSession Add-NetEventPacketCaptureProvider Start-NetEventSession Stop-NetEventSession
Remove-NetEventSession Get-NetEventSession Resolve-DnsName Clear-DnsClientCache Get-DnsClientCache Get-DnsClient
Get-DnsClientServerAddress Set-DnsClientServerAddress Add-DnsClientNrptRule Get-DnsClientNrptRule Remove-DnsClientNrptRule
Get-SmbShare New-SmbShare Remove-SmbShare Get-SmbMapping New-SmbMapping Remove-SmbMapping Get-SmbSession Get-SmbConnection
Set-SmbServerConfiguration Get-SmbServerConfiguration Get-ScheduledTask Register-ScheduledTask Unregister-ScheduledTask
Set-ScheduledTask Start-ScheduledTask Stop-ScheduledTask Disable-ScheduledTask Enable-ScheduledTask New-ScheduledTaskAction
New-ScheduledTaskTrigger New-ScheduledTaskPrincipal New-ScheduledTaskSettingsSet New-ScheduledTask Get-ScheduledTaskInfo
Get-MpPreference Set-MpPreference Add-MpPreference Remove-MpPreference Get-MpComputerStatus Get-MpThreat Get-MpThreatDetection
Start-MpScan Update-MpSignature Remove-MpThreat Get-LocalUser New-LocalUser Set-LocalUser Remove-LocalUser Rename-LocalUser
Enable-LocalUser Disable-LocalUser Get-LocalGroup New-LocalGroup Remove-LocalGroup Get-LocalGroupMember Add-LocalGroupMember
Remove-LocalGroupMember Get-ADUser New-ADUser Set-ADUser Remove-ADUser Get-ADGroup New-ADGroup Get-ADGroupMember Add-ADGroupMember
Remove-ADGroupMember Get-ADComputer Get-ADDomain Get-ADForest Get-ADDomainController Get-ADObject Set-ADObject Get-ADTrust
Get-ADOrganizationalUnit Get-ADPrincipalGroupMembership Get-ADDefaultDomainPasswordPolicy Get-ADFineGrainedPasswordPolicy
Set-ADAccountPassword Unlock-ADAccount Enable-ADAccount Disable-ADAccount Search-ADAccount Get-ADServiceAccount Get-ADReplicationSite
Get-ADReplAccount Get-GPO Get-GPOReport New-GPO Set-GPRegistryValue Get-GPInheritance Get-WindowsFeature Install-WindowsFeature
Uninstall-WindowsFeature Add-WindowsFeature Get-WindowsOptionalFeature Enable-WindowsOptionalFeature Disable-WindowsOptionalFeature
Get-WindowsCapability Add-WindowsCapability Remove-WindowsCapability Get-WindowsPackage Get-AppxPackage Add-AppxPackage
Remove-AppxPackage Get-AppxProvisionedPackage Get-Package Install-Package Uninstall-Package Find-Package Get-PackageProvider
Install-PackageProvider Register-PackageSource Get-InstalledModule Install-Module Uninstall-Module Find-Module Update-Module
Save-Module Register-PSRepository Set-PSRepository Get-PSRepository Install-Script Find-Script Get-Volume Get-Disk Get-Partition
Get-PhysicalDisk Mount-DiskImage Dismount-DiskImage Get-DiskImage Format-Volume Get-BitLockerVolume Enable-BitLocker Disable-BitLocker
Suspend-BitLocker Get-Printer Add-Printer Remove-Printer Get-PrinterDriver Add-PrinterDriver Get-Counter Export-Counter Get-Tpm
Import-Certificate Export-Certificate Export-PfxCertificate Import-PfxCertificate New-SelfSignedCertificate Get-Certificate
Start-BitsTransfer Get-BitsTransfer Complete-BitsTransfer Remove-BitsTransfer Add-BitsFile Compress-Archive Expand-Archive
Get-WinUserLanguageList Set-WinUserLanguageList Get-WinSystemLocale Set-WinSystemLocale Get-WinHomeLocation Get-Culture
Get-VM New-VM Start-VM Stop-VM Remove-VM Set-VMFirmware Get-VMSwitch Get-WebSite New-WebSite Get-WebApplication
Set-WebConfigurationProperty Get-WebConfigurationProperty New-WebGlobalModule Remove-WebGlobalModule Get-WebGlobalModule
Get-IISSite Get-CimAssociatedInstance Get-PSReadLineOption Get-WSManInstance Set-WSManQuickConfig Connect-WSMan Get-Item
Get-EventSubscriber Invoke-CimMethod Get-ControlPanelItem Show-ControlPanelItem Get-StartApps Get-NetAdapterBinding
Disable-NetAdapterBinding Enable-NetAdapter Disable-NetAdapter Restart-NetAdapter Get-NetLbfoTeam Get-SmbClientConfiguration
Set-SmbClientConfiguration Get-Transaction Get-MpThreatCatalog Get-InboxRule New-InboxRule Set-InboxRule Remove-InboxRule
Get-Mailbox Set-Mailbox Get-MailboxPermission Add-MailboxPermission Remove-MailboxPermission Get-TransportAgent Install-TransportAgent
Enable-TransportAgent Disable-TransportAgent Uninstall-TransportAgent Get-TransportRule New-TransportRule Set-AdminAuditLogConfig
Set-MailboxAuditBypassAssociation Get-MessageTrace Search-UnifiedAuditLog Connect-ExchangeOnline Disconnect-ExchangeOnline
Get-AntiPhishRule Disable-AntiPhishRule Enable-AntiPhishRule Get-AntiPhishPolicy Connect-AzureAD Disconnect-AzureAD
Get-AzureADUser New-AzureADUser Remove-AzureADUser Set-AzureADUserPassword Get-AzureADDirectoryRole Add-AzureADDirectoryRoleMember
Remove-AzureADDirectoryRoleMember Get-AzureADApplication New-AzureADApplication Set-AzureADApplication Remove-AzureADApplication
Get-AzureADServicePrincipal New-AzureADServicePrincipal New-AzureADServiceAppRoleAssignment Get-AzureADTenantDetail
Get-AzureADDomain Remove-AzureADDomain New-AzureADApplicationKeyCredential Get-AzureADApplicationKeyCredential
Remove-AzureADApplicationKeyCredential New-AzureADServicePrincipalKeyCredential Get-AzureADServicePrincipalKeyCredential
Remove-AzureADServicePrincipalKeyCredential Connect-MsolService Get-MsolUser Add-MsolRoleMember Remove-MsolRoleMember
Get-MsolRole Get-MsolCompanyInformation Connect-AzAccount Disconnect-AzAccount Get-AzContext Set-AzContext Get-AzSubscription
Get-AzADUser Get-AzADServicePrincipal Get-AzRoleDefinition Get-AzRoleAssignment New-AzRoleAssignment Remove-AzRoleAssignment
Get-AzResource Get-AzResourceGroup Remove-AzResourceGroup Get-AzVM Get-AzStorageAccount Get-AzKeyVault Get-AzAccessToken
New-AzAutomationRunbook Remove-AzAutomationRunbook Remove-AzAutomationAccount Remove-AzEventHub Connect-AzureRmAccount
Connect-MgGraph Disconnect-MgGraph Get-MgContext Get-MgUser Get-MgServicePrincipal New-MgApplication Remove-MgApplication
New-MgServicePrincipal New-MgServicePrincipalAppRoleAssignment Invoke-MgGraphRequest Get-MgApplication Get-MgGroup
Set-AWSCredential Get-S3Bucket Get-EC2Instance Set-PowerCLIConfiguration Connect-VIServer Disconnect-VIServer Get-VMHost
Get-VMHostService Start-VMHostService Stop-VMHostService Get-EsxCli Get-AdvancedSetting Set-AdvancedSetting Get-AudioDevice
Set-AudioDevice Get-NetDomainTrust Get-NetForestTrust Get-ClusterNode Get-Cluster Get-DnsServerZone Get-DnsServerResourceRecord
Add-DnsServerResourceRecordA Get-DhcpServerv4Scope Get-DhcpServerv4Lease Get-SmbOpenFile Close-SmbOpenFile Get-WindowsUpdateLog
Get-AppLockerPolicy Set-AppLockerPolicy Get-ProcessMitigation Set-ProcessMitigation Get-ExploitGuardSetting Get-CimSession
Get-WinEvent New-EventLog Get-StorageFileServer Get-ShieldedVMProtector Get-Credential Get-PnpDevice Disable-PnpDevice
Enable-PnpDevice Get-NetView Get-Hotfix Get-SmbServerNetworkInterface Remove-FileShare Get-FileShare New-FileShare Get-StoragePool Get-VirtualDisk
Set-MpPreference Get-WmiObject Get-NetNat Get-NetIPv4Protocol Get-PSReadlineOption Set-PSReadlineOption Get-ExecutionPolicy
`;

const ALIASES = `
% ? ac asnp cat cd cfs chdir clc clear clhy cli clp cls clv cnsn compare copy cp cpi cpp curl cvpa dbp del diff dir dnsn ebp echo epal
epcsv epsn erase etsn exsn fc fhx fl foreach ft fw gal gbp gc gcb gci gcm gcs gdr ghy gi gin gjb gl gm gmo gp gps gpv group gsn gsnp gsv
gtz gu gv gwmi h history icm iex ihy ii ipal ipcsv ipmo ipsn irm ise iwmi iwr kill lp ls man md measure mi mount move mp mv nal ndr ni
nmo npssc nsn nv ogv oh popd ps pushd pwd r rbp rcjb rcsn rd rdr ren ri rjb rm rmdir rmo rni rnp rp rsn rsnp rujb rv rvpa rwmi sajb sal
saps sasv sbp sc scb select set shcm si sl sleep sls sort sp spjb spps spsv start stz sujb sv swmi tee trcm type wget where wjb write
gcim icim ncim rcim scim gcls ncso ncms
`;

/** Functions every PowerShell session defines (not cmdlets, but callable the same way). */
const BUILTIN_FUNCTIONS = 'mkdir more help prompt pause oss cd.. cd\\ tabexpansion2 clear-host get-verb importsystemmodules';

const APPROVED_VERBS = `
Add Approve Assert Backup Block Build Checkpoint Clear Close Compare Complete Compress Confirm Connect Convert ConvertFrom ConvertTo
Copy Debug Deny Deploy Disable Disconnect Dismount Edit Enable Enter Exit Expand Export Find Format Get Grant Group Hide Import
Initialize Install Invoke Join Limit Lock Measure Merge Mount Move New Open Optimize Out Ping Pop Protect Publish Push Read Receive
Redo Register Remove Rename Repair Request Reset Resize Resolve Restart Restore Resume Revoke Save Search Select Send Set Show Skip
Split Start Step Stop Submit Suspend Switch Sync Test Trace Unblock Undo Uninstall Unlock Unprotect Unpublish Unregister Update Use
Wait Watch Write
`;

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

export const POWERSHELL_CMDLETS: ReadonlySet<string> = new Set(words(CMDLETS).map((w) => w.toLowerCase()));
export const POWERSHELL_ALIASES: ReadonlySet<string> = new Set(words(ALIASES).map((w) => w.toLowerCase()));
export const POWERSHELL_FUNCTIONS: ReadonlySet<string> = new Set(words(BUILTIN_FUNCTIONS));
export const APPROVED_VERBS_LOWER: ReadonlySet<string> = new Set(words(APPROVED_VERBS).map((w) => w.toLowerCase()));

/** `Verb-Noun` with an approved verb (what PowerShell modules export). */
export function isVerbNoun(name: string): boolean {
  const dash = name.indexOf('-');
  if (dash <= 0 || dash === name.length - 1) return false;
  const verb = name.slice(0, dash).toLowerCase();
  return APPROVED_VERBS_LOWER.has(verb) && /^[A-Za-z][A-Za-z0-9]*$/.test(name.slice(dash + 1));
}

/**
 * PowerShell names that download or run code given as data: when a script
 * uses them, commands it calls later may be defined by that code, which no
 * static reading can see.
 */
export const CODE_LOADERS: ReadonlySet<string> = new Set(['iex', 'invoke-expression', 'import-module', 'ipmo', 'install-module', 'add-type', 'invoke-command', 'icm', 'add-pssnapin', 'asnp']);
