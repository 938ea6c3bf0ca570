# Test helpers shared by every component's tests.
#
#   netra_add_test(NAME n SOURCES ... [LIBS ...] [REDIS])
#     A cmocka test. With REDIS it runs against the suite's redis-server (the `redis` CTest
#     fixture) and finds its URL in NETRA_TEST_REDIS_URL.
#
#   netra_add_fuzz(NAME n SOURCES ... [LIBS ...] [SEEDS dir])
#     A libFuzzer target (LLVMFuzzerTestOneInput). With NETRA_FUZZ (clang) it is a real fuzzer run
#     for NETRA_FUZZ_SECONDS from its seeds; otherwise it is linked with a driver that replays the
#     seeds, so the seeds stay a regression test in every build.

set(NETRA_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs under ctest")
set(NETRA_TEST_REDIS_DIR ${CMAKE_BINARY_DIR}/test-redis)
set(NETRA_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared CACHE PATH "The shared data folder")

if(NETRA_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NETRA_FUZZ needs clang (-DCMAKE_C_COMPILER=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

function(netra_test_environment name)
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT
    "NETRA_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "NETRA_BINARY_DIR=${CMAKE_BINARY_DIR}"
    "NETRA_SHARED_DIR=${NETRA_SHARED_DIR}")
endfunction()

function(netra_add_test)
  cmake_parse_arguments(T "REDIS" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} netra_test_support PkgConfig::CMOCKA)
  if(T_REDIS)
    add_test(NAME ${T_NAME}
             COMMAND ${PROJECT_SOURCE_DIR}/tests/harness/with-env ${NETRA_TEST_REDIS_DIR}/env
                     $<TARGET_FILE:${T_NAME}>)
    set_tests_properties(${T_NAME} PROPERTIES FIXTURES_REQUIRED redis LABELS integration
                                              TIMEOUT 300)
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES LABELS unit TIMEOUT 120)
  endif()
  netra_test_environment(${T_NAME})
endfunction()

function(netra_add_fuzz)
  cmake_parse_arguments(F "" "NAME;SEEDS" "SOURCES;LIBS" ${ARGN})
  if(NETRA_FUZZ)
    add_executable(${F_NAME} ${F_SOURCES})
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    set(corpus ${CMAKE_BINARY_DIR}/fuzz-corpus/${F_NAME})
    file(MAKE_DIRECTORY ${corpus})
    add_test(NAME ${F_NAME}
             COMMAND ${F_NAME} -max_total_time=${NETRA_FUZZ_SECONDS} -rss_limit_mb=2048
                     -max_len=65536 -timeout=10 ${corpus} ${F_SEEDS})
    set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 600)
  else()
    add_executable(${F_NAME} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/fuzz_replay.c)
    add_test(NAME ${F_NAME} COMMAND ${F_NAME} ${F_SEEDS})
    set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 120)
  endif()
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  netra_test_environment(${F_NAME})
endfunction()
