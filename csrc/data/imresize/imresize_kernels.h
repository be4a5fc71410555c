#pragma once
// The two 1-D resize passes of imresize (imresize_cpu.cpp). Internal to the imresize folder.
#include <ATen/core/Tensor.h>

namespace srgan_cpp::data::imresize_detail {

// out(b, i, w, c) = finish(sum_k weights[i, k] * x(b, indices[i, k], w, c)): resize along
// H of x (B, H, W, C) whose (W, C) rows are contiguous. out: contiguous (B, OH, W, C).
void resize_h_cpu(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max,
                  at::Tensor& out);

// out(b, h, i, c) = finish(sum_k weights[i, k] * x(b, h, indices[i, k], c)): resize along
// W, same conventions. out: contiguous (B, H, OW, C).
void resize_w_cpu(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max,
                  at::Tensor& out);

}  // namespace srgan_cpp::data::imresize_detail
