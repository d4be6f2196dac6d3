# gitopsd_embed_text(TARGET NAMESPACE FUNCTION HEADER FILES...): a static library TARGET whose
# generated source defines, in NAMESPACE, `std::span<const EmbeddedText> FUNCTION()` with the
# name and text of each file (HEADER declares it and EmbeddedText). The source is regenerated at
# build time when a file changes. The texts are written as hexadecimal byte arrays, so any
# content is safe (no raw-string delimiter can clash).
set(GITOPSD_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_generate.cmake)

function(gitopsd_embed_text target namespace function header)
  set(files ${ARGN})
  string(JOIN "|" joined ${files})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DNAMESPACE=${namespace} -DFUNCTION=${function}
            -DHEADER=${header} "-DFILES=${joined}" -P ${GITOPSD_EMBED_SCRIPT}
    DEPENDS ${files} ${GITOPSD_EMBED_SCRIPT}
    VERBATIM
    COMMENT "Embedding ${target}")
  add_library(${target} STATIC ${output})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/lib)
endfunction()
