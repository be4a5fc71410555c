#pragma once
// The autograd names every op's `torch::autograd::Function` uses, declared once for the
// srgan_cpp namespace (aliases, not `using namespace`):
//
//   class RaganFn : public AutogradFunction<RaganFn> {
//     static variable_list forward(AutogradContext* ctx, ...);  ...
//   };
#include <torch/autograd.h>

namespace srgan_cpp {

using AutogradContext = torch::autograd::AutogradContext;
using variable_list = torch::autograd::variable_list;
template <typename Fn>
using AutogradFunction = torch::autograd::Function<Fn>;

}  // namespace srgan_cpp
