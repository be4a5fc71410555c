#pragma once
// Ordered containers of srgan_cpp::nn::Modules whose children are named "0", "1", ...
// exactly like torch.nn.Sequential / nn.ModuleList, so state_dict keys such as
// "body.3.conv1.weight" match checkpoints written by plain-PyTorch code.
// torch::nn::Sequential / ModuleList cannot be used: rebind() requires every submodule to be
// an srgan_cpp::nn::Module. Neither container has a forward of its own.
//
// * Repeated<Holder>: repeated blocks of one type (residual blocks, RRDBs), typed, so the
//   owning model iterates the container itself: `for (const auto& b : *body) x = b->forward(x);`.
// * Sequence: a flattened reference Sequential of mixed layers (conv, activation, shuffle...);
//   the owning model keeps typed handles to the layers it calls.
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
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

template <typename Holder>
class RepeatedImpl : public Module {
 public:
  using iterator = typename std::vector<Holder>::iterator;
  using const_iterator = typename std::vector<Holder>::const_iterator;

  RepeatedImpl() : Module("srgan_cpp::nn::Sequence") {}

  // Registers `block` under the next index and returns it.
  Holder push_back(Holder block) {
    register_module(std::to_string(next_index_++), block.ptr());
    blocks_.push_back(block);
    return block;
  }
  // Registers a module of another type under the next index, outside the iterated blocks:
  // for reference layouts that end a list of blocks with one other layer (PSRGAN's
  // body.sub.{nb} conv after its nb residual blocks).
  template <typename Other>
  Other push_back_other(Other module) {
    register_module(std::to_string(next_index_++), module.ptr());
    return module;
  }
  size_t size() const { return blocks_.size(); }
  const Holder& operator[](size_t i) const { return blocks_.at(i); }
  // Non-const access too: blocks whose forward is not const are called through `auto& b`.
  iterator begin() { return blocks_.begin(); }
  iterator end() { return blocks_.end(); }
  const_iterator begin() const { return blocks_.begin(); }
  const_iterator end() const { return blocks_.end(); }

 private:
  std::vector<Holder> blocks_;
  size_t next_index_ = 0;
};

// The holder (std::shared_ptr wrapper) of a RepeatedImpl, as TORCH_MODULE declares for
// non-template modules.
template <typename Holder>
using Repeated = torch::nn::ModuleHolder<RepeatedImpl<Holder>>;

}  // namespace srgan_cpp::nn
