# The ordered list of protocol plug-ins.  Each NAME has src/proto/NAME/ with a
# NAME.c defining `const struct mk_proto mk_proto_NAME`.  Probe order is this
# order: specific, well-anchored probes first; false-positive-prone probes last.
set(MK_PROTOCOLS
  # layer 2
  lldp
  cdp
  # names and addresses (UDP)
  dhcp
  dns
  mdns
  llmnr
  nbns
  ssdp
  # office and remote access; text probes that can false-positive come last
  tls
  ssh
  http
  smb
  rdp
  vnc
  ftp
  telnet
  snmp
  ntp
  # (filled in as parsers land)
)

# Collects the parser sources and generates the registry from MK_PROTOCOLS.
function(mk_protocol_sources out_sources out_registry)
  set(sources "")
  set(decls "")
  set(entries "")
  foreach(p IN LISTS MK_PROTOCOLS)
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
