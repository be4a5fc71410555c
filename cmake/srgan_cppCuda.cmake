# Whether this build gets CUDA kernels, and for which GPUs.
#
# srgan_cpp_choose_cuda(<mode> <torch version> <torch CUDA version or "">)
#   Sets SRGAN_CPP_WITH_CUDA in the caller and prints one line saying which build was
#   chosen and why. <mode> is SRGAN_CPP_CUDA:
#     AUTO  CUDA kernels when torch is a CUDA build and a CUDA toolkit of the same major
#           version is found (nvcc on PATH, or named by CUDACXX / CMAKE_CUDA_COMPILER);
#           CPU-only when torch is CPU-only or no toolkit is found; an error when the
#           toolkit's major version differs from torch's (a CUDA extension compiled by
#           another major version does not load beside torch's own CUDA runtime).
#     ON    CUDA kernels or an error that says what is missing.
#     OFF   CPU-only, whatever is installed.
#
# srgan_cpp_cuda_architectures()
#   Sets CMAKE_CUDA_ARCHITECTURES unless the user did (-DCMAKE_CUDA_ARCHITECTURES=... or
#   the CUDAARCHS environment variable, both read by CMake itself): from
#   TORCH_CUDA_ARCH_LIST when that is set (PyTorch's convention, e.g. "8.6" or
#   "7.5;8.9+PTX"), else the default below.

# Machine code (SASS) for Turing (sm_75: T4, RTX 20xx), Ampere (sm_80: A100; sm_86: RTX 30xx,
# A10/A40), Ada (sm_89: RTX 40xx, L4, L40) and Hopper (sm_90: H100/H200), plus PTX for sm_90
# that the driver compiles for newer GPUs (Blackwell) when the module first loads. sm_75
# is the oldest architecture CUDA 13 still supports (it dropped sm_50 to sm_72); every
# toolkit that matches a supported torch (CUDA 11.8 and later) knows all five.
set(SRGAN_CPP_DEFAULT_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90")

function(srgan_cpp_choose_cuda mode torch_version torch_cuda)
  set(_nvcc "")
  if(NOT mode STREQUAL "OFF" AND NOT torch_cuda STREQUAL "")
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
      set(_nvcc "${CMAKE_CUDA_COMPILER}")
    endif()
  endif()
  srgan_cpp_cuda_decision("${mode}" "${torch_version}" "${torch_cuda}" "${_nvcc}")
  set(SRGAN_CPP_WITH_CUDA ${SRGAN_CPP_WITH_CUDA} PARENT_SCOPE)
endfunction()

# The decision itself, given the nvcc found ("" for none); also runs in script mode
# (cmake -P), which is how tests/test_build_cuda_choice.py checks every case.
function(srgan_cpp_cuda_decision mode torch_version torch_cuda nvcc)
  set(_with OFF)
  set(_fix "")
  if(NOT mode MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "srgan_cpp: SRGAN_CPP_CUDA must be AUTO, ON or OFF, got '${mode}'")
  endif()
  if(mode STREQUAL "OFF")
    set(_why "SRGAN_CPP_CUDA=OFF")
  elseif(torch_cuda STREQUAL "")
    set(_why "torch ${torch_version} is a CPU-only build")
    set(_cuda_fix "install a CUDA build of torch")
    set(_fix "for CUDA kernels ${_cuda_fix}")
  else()
    string(REGEX MATCH "^[0-9]+" _torch_major "${torch_cuda}")
    set(_cuda_fix "for CUDA kernels install a CUDA ${_torch_major}.x toolkit (CUDACXX=<its bin/nvcc> if it is not first on PATH)")
    set(_fix "${_cuda_fix}; SRGAN_CPP_CUDA=OFF builds CPU-only without this message")
    if(nvcc STREQUAL "")
      set(_why "torch ${torch_version} uses CUDA ${torch_cuda} and no CUDA toolkit was found (no nvcc on PATH, CUDACXX unset)")
    else()
      execute_process(COMMAND "${nvcc}" --version OUTPUT_VARIABLE _out ERROR_QUIET)
      string(REGEX MATCH "release ([0-9]+)\\.([0-9]+)" _ "${_out}")
      set(_nvcc_major "${CMAKE_MATCH_1}")
      set(_found "${nvcc} (CUDA ${CMAKE_MATCH_1}.${CMAKE_MATCH_2})")
      if(_nvcc_major STREQUAL "")
        set(_why "torch ${torch_version} uses CUDA ${torch_cuda}, and ${nvcc} did not report a CUDA release")
      elseif(_nvcc_major STREQUAL _torch_major)
        set(_with ON)
        set(_why "torch ${torch_version} uses CUDA ${torch_cuda} and ${_found} matches it")
      else()
        set(_why "torch ${torch_version} uses CUDA ${torch_cuda}, and the CUDA toolkit found is ${_found}")
        if(mode STREQUAL "AUTO")
          message(FATAL_ERROR "srgan_cpp: ${_why}: ${_cuda_fix}, or a torch built for CUDA ${_nvcc_major}; "
                              "for a CPU-only build set SRGAN_CPP_CUDA=OFF")
        endif()
      endif()
    endif()
  endif()
  if(mode STREQUAL "ON" AND NOT _with)
    message(FATAL_ERROR "srgan_cpp: SRGAN_CPP_CUDA=ON, but ${_why}: ${_cuda_fix}")
  endif()
  if(_with)
    message(STATUS "srgan_cpp: CUDA build: ${_why}")
  elseif(_fix STREQUAL "")
    message(STATUS "srgan_cpp: CPU-only build: ${_why}")
  else()
    message(STATUS "srgan_cpp: CPU-only build: ${_why}; ${_fix}")
  endif()
  set(SRGAN_CPP_WITH_CUDA ${_with} PARENT_SCOPE)
endfunction()

function(srgan_cpp_cuda_architectures)
  if(DEFINED CMAKE_CUDA_ARCHITECTURES OR DEFINED ENV{CUDAARCHS})
    return()
  endif()
  set(_archs "${SRGAN_CPP_DEFAULT_CUDA_ARCHITECTURES}")
  if(DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT "$ENV{TORCH_CUDA_ARCH_LIST}" STREQUAL "")
    string(REPLACE " " ";" _list "$ENV{TORCH_CUDA_ARCH_LIST}")
    set(_archs "")
    foreach(_a IN LISTS _list)
      if(_a STREQUAL "")
        continue()
      endif()
      if(NOT _a MATCHES "^([0-9]+)\\.([0-9])(\\+PTX)?$")
        message(FATAL_ERROR "srgan_cpp: TORCH_CUDA_ARCH_LIST entry '${_a}' is not of the form 8.6 or 8.6+PTX")
      endif()
      if(CMAKE_MATCH_3)
        list(APPEND _archs "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")  # SASS and PTX
      else()
        list(APPEND _archs "${CMAKE_MATCH_1}${CMAKE_MATCH_2}-real")
      endif()
    endforeach()
  endif()
  set(CMAKE_CUDA_ARCHITECTURES "${_archs}" PARENT_SCOPE)
endfunction()
