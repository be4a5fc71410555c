#pragma once
// Autocast rules of the ops, written with ATen's own machinery (at::autocast::WrapFunction,
// the wrapper behind every KERNEL_CPU / KERNEL_CUDA line of ATen's autocast_mode.cpp), so
// each op casts its tensor arguments exactly as PyTorch's own ops of its kind do:
//   lower_precision_fp - every floating argument to the autocast dtype (CPU: bfloat16 by
//                        default; CUDA: float16 or bfloat16), like conv2d, linear, prelu;
//   fp32               - every floating argument to float32, like the losses
//                        (mse_loss, binary_cross_entropy_with_logits, cosine_similarity).
// Only float32/float16/bfloat16 tensors on the autocast device are cast (float64 and other
// devices are left alone, as ATen does); the casts are autograd-visible, so gradients come
// back in each argument's own dtype. The op runs with autocast off for its device.
//
// `fn` is a function with the op's schema signature that calls the op through the
// dispatcher (the wrapper calls it with the Autocast key excluded).
#include <ATen/autocast_mode.h>
#include <torch/library.h>

#define SRGAN_CPP_AUTOCAST_KERNEL(DEVICE, POLICY, fn)                                                     \
  &::at::autocast::WrapFunction<::at::autocast::CastPolicy::POLICY, c10::DeviceType::DEVICE, decltype(fn), \
                                decltype(fn), &fn>::type::call

// Registers `fn` as the AutocastCPU and AutocastCUDA kernel of op `name` with cast policy POLICY.
#define SRGAN_CPP_REGISTER_AUTOCAST(name, POLICY, fn)                                \
  TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {                                   \
    m.impl(name, SRGAN_CPP_AUTOCAST_KERNEL(CPU, POLICY, fn));                        \
  }                                                                                 \
  TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {                                  \
    m.impl(name, SRGAN_CPP_AUTOCAST_KERNEL(CUDA, POLICY, fn));                       \
  }

// For ops that take one tensor and only move its values (pixel_shuffle and _unshuffle, like
// torch.nn.functional.pixel_shuffle): no cast, the op runs in its input's dtype.
#define SRGAN_CPP_AUTOCAST_RUNS_IN_INPUT_DTYPE(name)                                 \
  TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {                                   \
    m.impl(name, torch::CppFunction::makeFallthrough());                             \
  }                                                                                 \
  TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {                                  \
    m.impl(name, torch::CppFunction::makeFallthrough());                             \
  }
