#pragma once
// The `reduction` argument shared by the loss ops, parsed once so every op spells its
// error the same way.
#include <c10/util/Exception.h>
#include <string>

namespace srgan_cpp {

enum class LossReduction : int { None = 0, Mean = 1, Sum = 2 };

inline LossReduction parse_loss_reduction(const std::string& reduction, const char* op) {
  if (reduction == "mean") return LossReduction::Mean;
  if (reduction == "sum") return LossReduction::Sum;
  if (reduction == "none") return LossReduction::None;
  TORCH_CHECK_VALUE(false, op, ": expected `reduction` to be one of 'mean', 'sum', 'none', got '", reduction, "'");
}

}  // namespace srgan_cpp
