#pragma once
// Public C++ API of the LISTA shrinkage op (SCN, Wang et al. 2015; LISTA, Gregor & LeCun
// 2010). Goes through the dispatcher, so autograd and CPU/CUDA selection apply from C++.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace srgan_cpp::ops {

// The element-wise soft threshold h_theta with one threshold per channel, on the sum of two
// tensors when `addend` is given (one LISTA stage, z_{k+1} = h_theta(W y + S z_k)):
//   a = input (+ addend);  out[n, c, h, w] = sign(a) * max(|a| - threshold[c], 0).
// input (and addend: same shape, dtype and device) (N, C, H, W) float32/64/16 or bfloat16,
// NCHW or channels_last; threshold (C,) of any floating dtype on the same device (a float32
// parameter with bfloat16 activations is fine). Gradients flow to all three.
at::Tensor lista_shrinkage(const at::Tensor& input, const at::Tensor& threshold,
                           const c10::optional<at::Tensor>& addend = c10::nullopt);

}  // namespace srgan_cpp::ops
