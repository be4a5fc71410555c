#include "nn/module.h"

#include <torch/serialize.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "nn/state_dict_wrappers.h"

namespace srgan_cpp::nn {

void Module::rebind(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& buffers) {
  size_t pi = 0, bi = 0;
  apply([&](const std::string& prefix, torch::nn::Module& m) {
    auto* ours = dynamic_cast<Module*>(&m);
    TORCH_CHECK(ours != nullptr, "srgan_cpp: submodule '", prefix, "' (", m.name(),
                ") is not an srgan_cpp::nn::Module and cannot share parameters with Python");
    for (auto& item : ours->parameters_) {
      TORCH_CHECK_VALUE(pi < params.size(), "srgan_cpp: rebind got ", params.size(), " parameters, the model has more");
      const at::Tensor& t = params[pi++];
      TORCH_CHECK_VALUE(t.defined() && t.sizes() == item.value().sizes(), "srgan_cpp: parameter '", prefix,
                        prefix.empty() ? "" : ".", item.key(), "' must have shape ", item.value().sizes(), ", got ",
                        t.defined() ? t.sizes() : at::IntArrayRef{});
      item.value() = t;
    }
    for (auto& item : ours->named_buffers(/*recurse=*/false)) {
      TORCH_CHECK_VALUE(bi < buffers.size(), "srgan_cpp: rebind got ", buffers.size(), " buffers, the model has more");
      const at::Tensor& t = buffers[bi++];
      TORCH_CHECK_VALUE(t.defined() && t.sizes() == item.value().sizes(), "srgan_cpp: buffer '", prefix,
                        prefix.empty() ? "" : ".", item.key(), "' must have shape ", item.value().sizes());
      item.value().set_data(t);
    }
  });
  TORCH_CHECK_VALUE(pi == params.size() && bi == buffers.size(), "srgan_cpp: rebind got ", params.size(),
                    " parameters and ", buffers.size(), " buffers, the model has ", pi, " and ", bi);
}

void load_state_dict(torch::nn::Module& module, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  TORCH_CHECK_VALUE(file.good(), "srgan_cpp::nn::load_state_dict: cannot open `path` '", path, "'");
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  c10::IValue loaded;
  try {
    loaded = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    TORCH_CHECK_VALUE(false, "srgan_cpp::nn::load_state_dict: '", path,
                      "' is not a state dict written by torch.save: ", e.what_without_backtrace());
  }
  TORCH_CHECK_VALUE(loaded.isGenericDict(), "srgan_cpp::nn::load_state_dict: '", path,
                    "' does not hold a dict of tensors");
  c10::Dict<c10::IValue, c10::IValue> dict = loaded.toGenericDict();
  // Unwrap {"params_ema" | "params" | "state_dict" | "model": {...}} as srgan_cpp.models.load
  // does, at most kMaxWrapperDepth levels: a wrapper that refers to itself is refused.
  std::vector<c10::Dict<c10::IValue, c10::IValue>> seen;
  for (int depth = 0;; ++depth) {
    for (const auto& d : seen) {
      TORCH_CHECK_VALUE(!d.is(dict), "srgan_cpp::nn::load_state_dict: refused '", path,
                        "': the checkpoint's state-dict wrapper refers to itself");
    }
    seen.push_back(dict);
    const char* inner = nullptr;
    for (const char* wrapper : kStateDictWrappers) {
      const auto it = dict.find(c10::IValue(std::string(wrapper)));
      if (it != dict.end() && it->value().isGenericDict()) {
        inner = wrapper;
        break;
      }
    }
    if (inner == nullptr) break;
    TORCH_CHECK_VALUE(depth < kMaxWrapperDepth, "srgan_cpp::nn::load_state_dict: refused '", path,
                      "': the checkpoint nests state-dict wrappers more than ", kMaxWrapperDepth, " deep");
    dict = dict.at(c10::IValue(std::string(inner))).toGenericDict();
  }
  std::map<std::string, c10::IValue> entries;
  for (const auto& entry : dict) {
    TORCH_CHECK_VALUE(entry.key().isString(), "srgan_cpp::nn::load_state_dict: '", path,
                      "' has a non-string key: not a state dict");
    entries.emplace(entry.key().toStringRef(), entry.value());
  }
  // DataParallel / DDP prefixes: strip `module.` while every key has it.
  const std::string prefix = "module.";
  while (!entries.empty() && std::all_of(entries.begin(), entries.end(), [&](const auto& e) {
    return e.first.compare(0, prefix.size(), prefix) == 0;
  })) {
    std::map<std::string, c10::IValue> stripped;
    for (auto& e : entries) stripped.emplace(e.first.substr(prefix.size()), std::move(e.second));
    entries.swap(stripped);
  }
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  auto copy_into = [&](const std::string& key, at::Tensor& dst) {
    expected.insert(key);
    const auto it = entries.find(key);
    TORCH_CHECK_VALUE(it != entries.end(), "srgan_cpp::nn::load_state_dict: missing key '", key, "' in '", path, "'");
    TORCH_CHECK_VALUE(it->second.isTensor(), "srgan_cpp::nn::load_state_dict: '", key, "' is not a tensor");
    const at::Tensor src = it->second.toTensor();
    TORCH_CHECK_VALUE(src.sizes() == dst.sizes(), "srgan_cpp::nn::load_state_dict: size mismatch for '", key,
                      "': file has ", src.sizes(), ", model has ", dst.sizes());
    dst.copy_(src);
  };
  for (auto& item : module.named_parameters()) copy_into(item.key(), item.value());
  // Buffers module by module, so that non-persistent ones (not in the state dict) are skipped.
  module.apply([&](const std::string& name, torch::nn::Module& sub) {
    const auto* ours = dynamic_cast<const Module*>(&sub);
    for (auto& item : sub.named_buffers(/*recurse=*/false)) {
      if (ours != nullptr && !ours->is_persistent_buffer(item.key())) continue;
      copy_into(name.empty() ? item.key() : name + "." + item.key(), item.value());
    }
  });
  for (const auto& entry : entries) {
    TORCH_CHECK_VALUE(expected.count(entry.first) == 1, "srgan_cpp::nn::load_state_dict: unexpected key '",
                      entry.first, "' in '", path, "'");
  }
}

}  // namespace srgan_cpp::nn
