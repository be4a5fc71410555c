# Imported targets for torch, made from the files of its Python package rather than from
# torch's own CMake package (TorchConfig.cmake -> Caffe2Config.cmake). A CUDA build of
# torch - PyPI's default - makes that package look for a CUDA toolkit and stop when none
# of its version is found ("Your installed Caffe2 version uses CUDA but I cannot find the
# CUDA libraries"), which would stop even a CPU-only build of srgan_cpp. What a LibTorch
# extension needs from torch is only its headers, its libraries and its C++ ABI flag, the
# same things torch.utils.cpp_extension uses.
#
# Used by srgan_cpp's own build and installed beside srgan_cppConfig.cmake, so programs
# that find_package(srgan_cpp) get the same targets:
#
#   srgan_cpp_torch_targets(ROOT <torch package dir> CXX11_ABI <0|1> [CUDA])
#     srgan_cpp::torch        torch's headers and c10, torch_cpu, torch; _GLIBCXX_USE_CXX11_ABI
#     srgan_cpp::torch_cuda   c10_cuda and torch_cuda (with CUDA only; no toolkit needed)

# The paths of torch's libraries <name>..., to link.
function(_srgan_cpp_torch_libraries out root)
  set(_found "")
  foreach(_name IN LISTS ARGN)
    set(_path "${root}/lib/${CMAKE_SHARED_LIBRARY_PREFIX}${_name}${CMAKE_SHARED_LIBRARY_SUFFIX}")
    if(NOT EXISTS "${_path}")
      message(FATAL_ERROR "srgan_cpp: torch at ${root} has no ${_name} library (${_path}); reinstall torch")
    endif()
    list(APPEND _found "${_path}")
  endforeach()
  set(${out} "${_found}" PARENT_SCOPE)
endfunction()

function(srgan_cpp_torch_targets)
  cmake_parse_arguments(PARSE_ARGV 0 _arg "CUDA" "ROOT;CXX11_ABI" "")
  if(TARGET srgan_cpp::torch)
    return()
  endif()
  if(NOT EXISTS "${_arg_ROOT}/include/torch/csrc/api/include/torch/torch.h")
    message(FATAL_ERROR "srgan_cpp: no torch C++ headers under ${_arg_ROOT}/include; reinstall torch")
  endif()
  _srgan_cpp_torch_libraries(_libs "${_arg_ROOT}" c10 torch_cpu torch)
  add_library(srgan_cpp::torch INTERFACE IMPORTED)
  set_target_properties(srgan_cpp::torch PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_arg_ROOT}/include;${_arg_ROOT}/include/torch/csrc/api/include"
    INTERFACE_COMPILE_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=${_arg_CXX11_ABI}"
    INTERFACE_LINK_LIBRARIES "${_libs}")
  # Keep torch's libraries linked even where nothing references them directly, as torch's
  # own CMake package does: libtorch and libtorch_cuda register ATen's kernels from static
  # initialisers. (A link option, not flags around the libraries: CMake de-duplicates
  # repeated link items, which would unbalance such brackets.)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    set_property(TARGET srgan_cpp::torch PROPERTY INTERFACE_LINK_OPTIONS "LINKER:--no-as-needed")
  endif()
  if(_arg_CUDA)
    _srgan_cpp_torch_libraries(_cuda_libs "${_arg_ROOT}" c10_cuda torch_cuda)
    add_library(srgan_cpp::torch_cuda INTERFACE IMPORTED)
    set_target_properties(srgan_cpp::torch_cuda PROPERTIES INTERFACE_LINK_LIBRARIES "srgan_cpp::torch;${_cuda_libs}")
  endif()
endfunction()
