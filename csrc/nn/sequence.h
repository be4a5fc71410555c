#pragma once
// An ordered container of srgan_cpp::nn::Modules whose children are named "0", "1", ...
// exactly like torch.nn.Sequential / nn.ModuleList, so state_dict keys such as
// "body.3.conv1.weight" match checkpoints written by plain-PyTorch code.
// torch::nn::Sequential cannot be used: rebind() requires every submodule to be an
// srgan_cpp::nn::Module. It has no forward of its own (layers have different signatures);
// the owning model iterates over typed handles it keeps alongside.
#include <torch/nn/pimpl.h>

#include <memory>
#include <vector>

#include "nn/module.h"

namespace srgan_cpp::nn {

class SequenceImpl : public Module {
 public:
  SequenceImpl() : Module("srgan_cpp::nn::Sequence") {}

  // Registers `child` under the next index and returns it (typed, for the caller to keep).
  template <typename Holder>
  Holder push_back(Holder child) {
    register_module(std::to_string(children_.size()), child.ptr());
    children_.push_back(child.ptr());
    return child;
  }
  size_t size() const { return children_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const { return children_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> children_;
};
TORCH_MODULE(Sequence);

}  // namespace srgan_cpp::nn
