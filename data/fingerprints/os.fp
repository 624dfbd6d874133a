; os.fp - passive OS guesses for the asset ledger (read by src/inventory/fingerprint.c).
;
; Format (p0f-style): a [section] line, then entries of
;   label = s:OS label      (s: specific - this exact signature identifies the OS family)
;   label = g:OS label      (g: generic - a family-level hint, easily wrong)
;   conf  = NN              (optional confidence 0..100 for the label; defaults below)
;   sig   = signature       (one or more per label)
; Lines starting with ';' or '#' are comments.  Every label says where it came from.
;
; Sections: [dhcp] sig = the option 55 list; [ttl] sig = an initial TTL class;
; [ssh] sig = a token the SSH version string contains (case-sensitive substring,
; printable ASCII; the first matching entry in file order wins).
;
; Defaults: [dhcp] s: 80, g: 50; [ttl] 20; [ssh] 30.  The inventory prefers a
; DHCP match over OS facts from protocols over an SSH banner token over the TTL
; class.

[dhcp]
; The DHCP parameter request list (option 55) exactly as the client sent it,
; order included: each DHCP client library asks for its own options in its own
; order, so an exact list is a good family-level signal (RFC 2132 section 9.8).

; Seen: shared/captures/profinet/profinet_io_cm_mixed_1.pcap frame 1237 (and
; _mixed_2.pcapng frame 1211): vendor class "MSFT 5.0", host LT-US-DSWANSON,
; IP TTL 128.  gamelinux/prads etc/dhcp.fp lists the same list for Windows 7 and
; XP SP3; public fingerbank-derived lists use it for Windows 7 to 10.
label = s:Windows
conf  = 80
sig   = 1,15,3,6,44,46,47,31,33,121,249,43
sig   = 1,15,3,6,44,46,47,31,33,121,249,43,252

; Public fingerprint lists (fingerbank.org-derived, several open-source
; classifiers agree): Windows 10 and 11 (DHCP client with options 119 and 252).
; Not yet seen in shared/captures.
label = s:Windows 10/11
sig   = 1,3,6,15,31,33,43,44,46,47,119,121,249,252

; gamelinux/prads etc/dhcp.fp: Windows XP SP3 (DISCOVER and INFORM).
label = s:Windows XP
sig   = 1,15,3,6,44,46,47,31,33,249,43
sig   = 1,15,3,6,44,46,47,31,33,249,43,252

; Seen: shared/captures/office/dhcp-option-108.pcapng frame 1, host
; "MacBookPro": macOS 13+ asks for option 108 (IPv6-only preferred, RFC 8925)
; and 114 (captive portal, RFC 8910).
label = s:macOS
sig   = 1,121,3,6,15,108,114,119,252,95,44,46
; Public fingerprint lists: macOS 10.x-12 (same list without 108/114).
sig   = 1,121,3,6,15,119,252,95,44,46

; Public fingerprint lists: iOS/iPadOS (the macOS list without the NetBIOS
; options 95/44/46).  Some lists say only "Apple", hence generic.
label = g:iOS
sig   = 1,121,3,6,15,119,252

; Public fingerprint lists: Android 8-10 (and 1,33,... on older releases).
label = s:Android
sig   = 1,3,6,15,26,28,51,58,59,43
sig   = 1,33,3,6,15,28,51,58,59

; Seen: shared/captures/office/dhcp-mud.pcap frame 1, vendor class
; "dhcpcd-6.11.5:Linux-4.1.18-v7+:armv7l:BCM2709", host raspberrypi.
label = s:Linux (dhcpcd)
sig   = 1,121,33,3,6,12,15,28,42,51,54,58,59,100,101,119
; dhcpcd's list without the MUD URL options (100, 101): extrapolated from the
; frame above, not seen.
sig   = 1,121,33,3,6,12,15,28,42,51,54,58,59,119

; gamelinux/prads etc/dhcp.fp: Ubuntu 10.04 (ISC dhclient with Debian's
; dhclient.conf request line); public lists use it for Debian/Ubuntu dhclient.
label = s:Linux (dhclient)
sig   = 1,28,2,3,15,6,119,12,44,47,26,121,42
; gamelinux/prads etc/dhcp.fp: Red Hat 4 / CentOS 4 / Fedora 3-5 dhclient.
sig   = 1,28,2,3,15,6,12,40,41,42

; Seen: shared/captures/office/dhcp-rfc4388.pcap frame 1 (IP TTL 64): ISC
; dhclient order (1,28,2 first) with the NIS options 40/41 that Red Hat's
; configuration requests.  One capture only, hence generic.
label = g:Linux (dhclient)
sig   = 1,28,2,121,15,6,12,40,41,42,26,119,3

; gamelinux/prads etc/dhcp.fp: udhcp 1.15.3 on OpenWrt (BusyBox udhcpc, used by
; many embedded Linux devices).
label = g:Linux (BusyBox udhcpc)
sig   = 1,3,6,12,15,17,28,42

; systemd src/libsystemd-network/sd-dhcp-client.c default_req_opts (1,3,12,15,6).
; systemd-networkd appends options from its configuration, so real lists are
; often longer; this matches only the bare default.
label = g:Linux (systemd-networkd)
sig   = 1,3,12,15,6

; Seen: shared/captures/office/dhcpv4v6-rfc5970-rfc8572.pcap frame 6, vendor
; class "Arista" (zero-touch provisioning).
label = s:Arista EOS
sig   = 26,1,28,3,15,6,7,12,143,121

; Seen: shared/captures/profinet/profinet_io_cm_mixed_1.pcap frame 118, host
; "siemens-x208-switch", MAC 00:0e:8c (Siemens AG), IP TTL 32.  A three-option
; list is short enough for other embedded stacks to share it, hence generic.
label = g:Siemens SCALANCE X firmware
sig   = 1,28,3

[ssh]
; Tokens in the SSH version string "SSH-protoversion-softwareversion SP
; comments" (RFC 4253 section 4.2) that name an operating system.  Hints only:
; a banner is trivially changed (sshd's VersionAddendum, Debian's DebianBanner
; option), hence generic labels and the low default confidence (30).  Order
; matters: the first token found wins, so a more telling token comes before a
; shorter one it contains.  Matching is case-sensitive: Ubuntu releases before
; 12.04 sent "Debian-1ubuntu3" and match Debian here.
;
; Source of the entries below: the software version and comment fields of
; OpenSSH distribution packages (Debian, Ubuntu and Raspbian patch their package
; version into the comment) and Microsoft's Win32-OpenSSH port.

; Ubuntu's openssh package: "Ubuntu-<package revision>".  Seen:
; shared/captures/office/ssh__ssh1-ssh2-fingerprints.pcap frames 4 and 6
; ("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1").
label = g:Ubuntu
sig   = Ubuntu

; Debian's openssh package: "Debian-<package revision>".  Seen:
; shared/captures/office/ssh__server-pre-banner-data.pcap frame 12
; ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5") and ssh__sshguess.pcap frame 6.
label = g:Debian
sig   = Debian

; Raspbian's (Raspberry Pi OS) openssh package: "Raspbian-<package revision>".
; Not yet seen in shared/captures.
label = g:Raspbian
sig   = Raspbian

; FreeBSD's base-system OpenSSH: "FreeBSD-<date>".  Not yet seen in
; shared/captures.
label = g:FreeBSD
sig   = FreeBSD

; Microsoft Win32-OpenSSH (github.com/PowerShell/Win32-OpenSSH): software
; version "OpenSSH_for_Windows_<version>".  Not yet seen in shared/captures.
label = g:Windows
sig   = OpenSSH_for_Windows
; Other banners naming Windows (kept from the parser's former built-in table).
sig   = Windows

; Cisco IOS SSH servers: software version "Cisco-<version>" (kept from the
; parser's former built-in table).  Not yet seen in shared/captures.
label = g:Cisco IOS
sig   = Cisco

[ttl]
; Initial TTL (IPv4) or hop limit (IPv6), from the observed value rounded up to
; the next of 32, 64, 128, 255 (routers on the way only decrease it).  Only
; packets to unicast destinations count: mDNS, DHCP and multicast use fixed
; TTLs whatever the OS.  Family-level hints with low confidence: many embedded
; stacks copy one of these values.

; RFC 1700-era default kept by Linux, the BSDs, macOS/iOS, Android (sysctl
; net.ipv4.ip_default_ttl = 64).
label = g:Linux/Unix-like
sig   = 64

; Windows NT and later default (DefaultTTL 128).
label = g:Windows
sig   = 128

; Cisco IOS, many RTOS stacks (VxWorks) and network devices use 255.
label = g:network device / RTOS
sig   = 255

; Windows 95 used 32 (gamelinux/prads etc/dhcp.fp); seen from a Siemens
; SCALANCE X208 switch in shared/captures/profinet/profinet_io_cm_mixed_1.pcap
; frame 118.
label = g:embedded / legacy stack
sig   = 32
