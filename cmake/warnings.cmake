# Warning flags for every mieruka target; -Werror with MK_WERROR (CI sets it).
function(mk_target_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wformat=2 -Wvla
      -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter)
  if(MK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
