# signet_embed_files(OUT BASE_DIR DELIM PROLOGUE EPILOGUE FILE...): compiles text files into
# the binary. At configure time OUT is written as PROLOGUE, then one array element per file,
#     {"PATH", R"DELIM(TEXT)DELIM"},
# (PATH relative to BASE_DIR), then EPILOGUE. CMake re-runs, and OUT is written again, when
# one of the files changes; a glob with CONFIGURE_DEPENDS catches an added file. OUT keeps
# its timestamp when nothing changed, so nothing is rebuilt.
function(signet_embed_files out base_dir delim prologue epilogue)
  set(cc "${prologue}")
  foreach(f ${ARGN})
    file(RELATIVE_PATH rel ${base_dir} ${f})
    file(READ ${f} text)
    string(FIND "${text}" ")${delim}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${f} contains the raw string delimiter )${delim}\"")
    endif()
    string(APPEND cc "    {\"${rel}\", R\"${delim}(${text})${delim}\"},\n")
  endforeach()
  string(APPEND cc "${epilogue}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ARGN})
  file(WRITE ${out}.tmp "${cc}")
  file(COPY_FILE ${out}.tmp ${out} ONLY_IF_DIFFERENT)
  file(REMOVE ${out}.tmp)
endfunction()
