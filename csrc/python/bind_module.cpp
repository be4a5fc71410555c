#include "python/bind_module.h"

#include "nn/state_dict_wrappers.h"

namespace srgan_cpp::python {

void bind_module_base(py::module_& m) {
  // How checkpoints are unwrapped, defined once in C++ and read by srgan_cpp.models.checkpoint.
  py::tuple wrappers(nn::kStateDictWrappers.size());
  for (size_t i = 0; i < nn::kStateDictWrappers.size(); ++i) wrappers[i] = py::str(nn::kStateDictWrappers[i]);
  m.attr("STATE_DICT_WRAPPERS") = wrappers;
  m.attr("MAX_WRAPPER_DEPTH") = nn::kMaxWrapperDepth;
  py::class_<nn::Module, std::shared_ptr<nn::Module>>(m, "_Module")
      // One entry per module, pre-order (the order of named_parameters()):
      // (qualified name, C++ type name, [(param name, tensor)], [(buffer name, tensor)], [child names]).
      .def("module_tree",
           [](nn::Module& self) {
             py::list out;
             self.apply([&](const std::string& name, torch::nn::Module& sub) {
               std::vector<std::pair<std::string, at::Tensor>> params, buffers;
               for (const auto& p : sub.named_parameters(/*recurse=*/false)) params.emplace_back(p.key(), p.value());
               for (const auto& b : sub.named_buffers(/*recurse=*/false)) buffers.emplace_back(b.key(), b.value());
               std::vector<std::string> children;
               for (const auto& c : sub.named_children()) children.push_back(c.key());
               out.append(py::make_tuple(name, sub.name(), params, buffers, children));
             });
             return out;
           })
      .def("rebind", &nn::Module::rebind, py::arg("params"), py::arg("buffers"))
      .def("train", [](nn::Module& self, bool on) { self.train(on); }, py::arg("mode") = true)
      .def_property_readonly("is_training", [](const nn::Module& self) { return self.is_training(); })
      .def("named_parameters",
           [](const nn::Module& self) {
             std::vector<std::pair<std::string, at::Tensor>> out;
             for (const auto& p : self.named_parameters()) out.emplace_back(p.key(), p.value());
             return out;
           })
      .def("load_state_dict_file",
           [](nn::Module& self, const std::string& path) { nn::load_state_dict(self, path); }, py::arg("path"));
}

}  // namespace srgan_cpp::python
