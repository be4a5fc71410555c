#pragma once
// srgan_cpp::nn::Module: the base of every C++ layer and model in srgan_cpp.
//
// Layers read their parameters from the module's parameter table on each call (param())
// instead of caching tensor handles in fields. That lets rebind() re-point a whole module
// tree at tensors owned elsewhere - the nn.Parameters of the Python wrapper - so Python
// optimizers, .to(), load_state_dict(assign=True), deepcopy and functional_call all act on
// exactly the tensors the C++ forward uses.
#include <torch/nn/module.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace srgan_cpp::nn {

class Module : public torch::nn::Module {
 public:
  explicit Module(std::string name) : torch::nn::Module(std::move(name)) {}
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // This module's own parameter / buffer `name` (throws if there is none).
  const at::Tensor& param(const std::string& name) const { return parameters_[name]; }
  // Buffers live in torch::nn::Module's private table, so they are looked up by name.
  at::Tensor buffer(const std::string& name) const { return named_buffers(/*recurse=*/false)[name]; }
  // An optional parameter (e.g. a conv bias): undefined when not registered.
  at::Tensor param_or_undefined(const std::string& name) const {
    const at::Tensor* t = parameters_.find(name);
    return t ? *t : at::Tensor();
  }

  // Replaces every parameter and buffer of this tree, in named_parameters() /
  // named_buffers() order. Shapes must match; dtype and device may change. Parameters are
  // re-pointed (same tensor object as the caller's, so gradients land there); buffers,
  // which receive no gradients, take the caller's storage through set_data.
  void rebind(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& buffers);

  // A buffer that follows .to() but is not part of the state dict, like PyTorch's
  // register_buffer(name, t, persistent=False): load_state_dict neither expects nor accepts
  // it. (EDSR's `mean`: BasicSR keeps it as a plain attribute, so its files lack the key.)
  at::Tensor& register_non_persistent_buffer(std::string name, at::Tensor tensor) {
    non_persistent_buffers_.insert(name);
    return register_buffer(std::move(name), std::move(tensor));
  }
  bool is_persistent_buffer(const std::string& name) const { return non_persistent_buffers_.count(name) == 0; }

  // Serialises rebind+forward when one module object is shared by several threads.
  std::mutex& forward_mutex() const { return forward_mutex_; }

 private:
  mutable std::mutex forward_mutex_;
  std::set<std::string> non_persistent_buffers_;
};

// A Module configured by an options struct, as every srgan_cpp layer, block and model is:
// it keeps the options it was built with and gives them back through options() (the Python
// binding, describe() and the tests read them there).
template <typename Options>
class ModuleWithOptions : public Module {
 public:
  const Options& options() const { return options_; }

 protected:
  ModuleWithOptions(std::string name, const Options& options) : Module(std::move(name)), options_(options) {}

  Options options_;
};

// Loads a state dict written by `torch.save(dict(model.state_dict()), path)` (or
// srgan_cpp.models.save_state_dict / srgan_cpp.models.save) into `module`, strictly: every
// parameter and persistent buffer must be present with the module's shape, and nothing
// else. BasicSR-style wrappers ({"params_ema" | "params" | "state_dict" | "model": dict},
// preferred in that order, nested) and DataParallel `module.` prefixes are removed first.
// The file is read with LibTorch's restricted unpickler, which builds only tensors and
// containers and never runs code from the file.
void load_state_dict(torch::nn::Module& module, const std::string& path);

}  // namespace srgan_cpp::nn
