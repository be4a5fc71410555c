#pragma once
// Registration of an op and its backward `<name>_backward`:
//
//   SRGAN_CPP_REGISTER_WITH_BACKWARD("ragan_loss", &forward_impl, &backward_impl)
//
// The same checked, device-generic bodies (they pick their kernel with run_on_device) serve
// the CPU and the CUDA keys, so a CPU-only build answers CUDA tensors with a clear error
// instead of the dispatcher's "no kernel" message; the BackendSelect key checks that every
// tensor argument is on one device before any kernel runs (common/same_device.h).
#include <torch/library.h>

#include "common/same_device.h"

#define SRGAN_CPP_IMPL_WITH_BACKWARD_ON_(KEY, NAME, FORWARD, BACKWARD) \
  TORCH_LIBRARY_IMPL(srgan_cpp, KEY, m) {                              \
    m.impl(NAME, FORWARD);                                             \
    m.impl(NAME "_backward", BACKWARD);                                \
  }

#define SRGAN_CPP_REGISTER_WITH_BACKWARD(NAME, FORWARD, BACKWARD) \
  SRGAN_CPP_IMPL_WITH_BACKWARD_ON_(CPU, NAME, FORWARD, BACKWARD)  \
  SRGAN_CPP_IMPL_WITH_BACKWARD_ON_(CUDA, NAME, FORWARD, BACKWARD) \
  TORCH_LIBRARY_IMPL(srgan_cpp, BackendSelect, m) {               \
    SRGAN_CPP_CHECK_SAME_DEVICE(m, NAME);                         \
    SRGAN_CPP_CHECK_SAME_DEVICE(m, NAME "_backward");             \
  }
