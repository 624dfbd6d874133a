# -DMK_SANITIZE=address,undefined builds everything with those sanitizers; the
# test build does this.  UBSan is made fatal so a report fails the test.
if(MK_SANITIZE)
  add_compile_options(-fsanitize=${MK_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MK_SANITIZE})
endif()
if(MK_FUZZ)
  # The library under test must be instrumented too, or libFuzzer sees almost no
  # coverage (lesson from the trial build in shared/design/style.md).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
