# The ordered list of protocol plug-ins.  Each NAME has src/proto/NAME/ with a
# NAME.c defining `const struct mk_proto mk_proto_NAME`.  Probe order is this
# order: specific, well-anchored probes first; false-positive-prone probes last.
set(MK_PROTOCOLS
  # layer 2
  lldp
  cdp
  profinet_dcp
  # industrial, binary with strict header checks
  modbus
  opcua
  dnp3
  iec104
  enip
  cip
  s7comm
  s7comm_plus
  iec61850_mms
  slmp
  melsoft
  fins
  ads
  hart_ip
  c37118
  cclink_ief_basic
  goose
  bacnet
  mqtt
  capwap
  ipsec
  openvpn
  jetdirect
  # names and addresses (UDP)
  dhcp
  dns
  mdns
  llmnr
  nbns
  ssdp
  # office and remote access; text probes that can false-positive come last
  tls
  # AnyDesk is TLS on its own ports: after tls, so only its port hint makes it win
  anydesk
  ssh
  # TeamViewer before the HTTP parsers: its HTTP fallback (port 80 hint) is named first
  teamviewer
  ipp
  http
  smb
  rdp
  vnc
  ftp
  telnet
  snmp
  ntp
  keyence_kv
  tristation
  # (filled in as parsers land)
)

# Collects the parser sources and generates the registry from MK_PROTOCOLS.
# A parser directory not yet in the list still builds, probed after all listed
# ones (a note says so): work on a new parser needs no edit of this shared file
# until it is placed in the probe order.
function(mk_protocol_sources out_sources out_registry)
  set(sources "")
  set(decls "")
  set(entries "")
  set(all ${MK_PROTOCOLS})
  file(GLOB dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/proto/*)
  list(SORT dirs)
  foreach(d IN LISTS dirs)
    get_filename_component(n ${d} NAME)
    if(IS_DIRECTORY ${d} AND EXISTS ${d}/${n}.c AND NOT n IN_LIST MK_PROTOCOLS)
      message(STATUS "protocol '${n}' is not in MK_PROTOCOLS (cmake/protocols.cmake): probed last")
      list(APPEND all ${n})
    endif()
  endforeach()
  set(MK_PROTOCOLS_ALL ${all} PARENT_SCOPE)
  foreach(p IN LISTS all)
    if(NOT EXISTS ${CMAKE_SOURCE_DIR}/src/proto/${p}/${p}.c)
      message(FATAL_ERROR "cmake/protocols.cmake lists '${p}' but src/proto/${p}/${p}.c is missing")
    endif()
    file(GLOB psrc CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/proto/${p}/*.c)
    list(APPEND sources ${psrc})
    string(APPEND decls "extern const struct mk_proto mk_proto_${p};\n")
    string(APPEND entries "\t&mk_proto_${p},\n")
  endforeach()
  file(GLOB shared CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/proto/*.c)
  list(APPEND sources ${shared})
  set(gen ${CMAKE_BINARY_DIR}/generated/registry_gen.c)
  file(WRITE ${gen}.tmp "/* Generated from cmake/protocols.cmake - do not edit. */\n#include \"mieruka/proto.h\"\n\n${decls}\nconst struct mk_proto *const mk_proto_registry[] = {\n${entries}\tNULL,\n};\nconst size_t mk_proto_registry_count = sizeof(mk_proto_registry) / sizeof(mk_proto_registry[0]) - 1;\n")
  configure_file(${gen}.tmp ${gen} COPYONLY)
  set(${out_sources} ${sources} PARENT_SCOPE)
  set(${out_registry} ${gen} PARENT_SCOPE)
endfunction()
