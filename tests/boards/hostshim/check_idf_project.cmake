# check_idf_project.cmake - read an exported ESP-IDF project's CMake files
# with stand-ins for ESP-IDF's functions (cmake -P, no ESP-IDF needed).
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   cmake -DPROJECT_DIR=DIR -DSTUB_DIR=tests/boards/hostshim/idf -DOUT=FILE
#         -P check_idf_project.cmake
#
# Fails (FATAL_ERROR) when a file names a missing source, when a C file of
# main/ is not listed, or when the project() call is missing. Writes
# "src NAME" and "def DEFINITION" lines to OUT for the host build.
cmake_minimum_required(VERSION 3.16)
file(WRITE "${OUT}" "")
set(QZ_PROJECT_SEEN FALSE)

function(project name)
  set(QZ_PROJECT_SEEN TRUE PARENT_SCOPE)
  file(APPEND "${OUT}" "project ${name}\n")
endfunction()

function(idf_component_register)
  cmake_parse_arguments(A "" "" "SRCS;INCLUDE_DIRS;REQUIRES;PRIV_REQUIRES" ${ARGN})
  if(NOT A_SRCS)
    message(FATAL_ERROR "idf_component_register without SRCS")
  endif()
  foreach(s IN LISTS A_SRCS)
    if(NOT EXISTS "${COMPONENT_DIR}/${s}")
      message(FATAL_ERROR "main/CMakeLists.txt lists ${s}, which is not there")
    endif()
    file(APPEND "${OUT}" "src ${s}\n")
  endforeach()
  file(GLOB all RELATIVE "${COMPONENT_DIR}" "${COMPONENT_DIR}/*.c")
  foreach(c IN LISTS all)
    if(NOT c IN_LIST A_SRCS)
      message(FATAL_ERROR "main/${c} is not listed in SRCS")
    endif()
  endforeach()
  foreach(r IN LISTS A_REQUIRES)
    file(APPEND "${OUT}" "requires ${r}\n")
  endforeach()
  set(COMPONENT_LIB "__idf_main" PARENT_SCOPE)
endfunction()

function(target_compile_definitions tgt scope)
  if(NOT tgt STREQUAL "__idf_main")
    message(FATAL_ERROR "compile definitions for ${tgt}, not the component")
  endif()
  foreach(d IN LISTS ARGN)
    file(APPEND "${OUT}" "def ${d}\n")
  endforeach()
endfunction()

function(target_compile_options tgt scope)
  foreach(o IN LISTS ARGN)
    file(APPEND "${OUT}" "opt ${o}\n")
  endforeach()
endfunction()

set(ENV{IDF_PATH} "${STUB_DIR}")
include("${PROJECT_DIR}/CMakeLists.txt")
if(NOT QZ_PROJECT_SEEN)
  message(FATAL_ERROR "CMakeLists.txt does not call project()")
endif()
set(COMPONENT_DIR "${PROJECT_DIR}/main")
include("${PROJECT_DIR}/main/CMakeLists.txt")
