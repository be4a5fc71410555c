#pragma once
// pybind11 helpers that expose srgan_cpp::nn::Module trees to the Python wrapper
// (python/srgan_cpp/models/_cpp_module.py), which mirrors them as torch.nn.Modules, and the
// generic binding of a model class (bind_model): one line per model in bind_models.cpp.
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "nn/module.h"

namespace srgan_cpp::python {

namespace py = pybind11;

void bind_module_base(py::module_& m);

// Adds forward() and bound_forward() to a bound model class. bound_forward re-points the
// C++ tree at the Python wrapper's current tensors, sets train/eval and runs forward, all
// under the module's lock and without the GIL.
template <typename Impl, typename PyClass>
void def_forward(PyClass& cls) {
  cls.def("forward", [](Impl& self, const at::Tensor& x) { return self.forward(x); },
          py::call_guard<py::gil_scoped_release>());
  cls.def(
      "bound_forward",
      [](Impl& self, const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& buffers, bool training,
         const at::Tensor& x) {
        std::lock_guard<std::mutex> lock(self.forward_mutex());
        self.rebind(params, buffers);
        self.train(training);
        return self.forward(x);
      },
      py::call_guard<py::gil_scoped_release>());
}

// Adds bound_<name>(params, buffers, training, x): like bound_forward, for a model's other
// forward methods (DRCN's intermediate predictions, LapSRN's pyramid, SCN's sparse code).
template <typename Impl, typename PyClass, typename Method>
void def_bound_method(PyClass& cls, const char* name, Method method) {
  cls.def(
      name,
      [method](Impl& self, const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& buffers,
               bool training, const at::Tensor& x) {
        std::lock_guard<std::mutex> lock(self.forward_mutex());
        self.rebind(params, buffers);
        self.train(training);
        return (self.*method)(x);
      },
      py::call_guard<py::gil_scoped_release>());
}

// Options built from keyword arguments: every field of Options::fields (nn/options.h) is
// required and nothing else is accepted, so the defaults live in the Python class's
// signature only. Missing, unknown or mistyped arguments raise TypeError naming them.
template <typename Options>
Options options_from_kwargs(const std::string& model, const py::kwargs& kwargs) {
  Options options;
  size_t used = 0;
  options.fields([&](const char* name, auto& field) {
    using T = std::decay_t<decltype(field)>;
    TORCH_CHECK_TYPE(kwargs.contains(name), model, ": missing argument `", name, "`");
    try {
      field = kwargs[name].template cast<T>();
    } catch (const py::cast_error&) {
      TORCH_CHECK_TYPE(false, model, ": argument `", name, "` has the wrong type (",
                       std::string(py::str(py::type::of(kwargs[name]).attr("__name__"))), ")");
    }
    ++used;
  });
  if (used != kwargs.size()) {
    std::string known;
    options.fields([&](const char* name, auto&) { known += std::string(known.empty() ? "" : ", ") + name; });
    for (const auto& item : kwargs) {
      bool found = false;
      options.fields([&](const char* name, auto&) { found = found || py::str(item.first).cast<std::string>() == name; });
      TORCH_CHECK_TYPE(found, model, ": unexpected argument `", py::str(item.first).cast<std::string>(),
                       "` (arguments: ", known, ")");
    }
  }
  return options;
}

// Binds a model class `Impl` constructed from its options (the type its options() returns:
// nn::ModuleWithOptions): __init__(**kwargs) taking every option explicitly, forward /
// bound_forward, and option_defaults() (the C++ defaults, for the test that compares them
// with the Python signature's). Returns the class, for model-specific properties.
template <typename Impl, typename Options = std::decay_t<decltype(std::declval<const Impl&>().options())>>
py::class_<Impl, nn::Module, std::shared_ptr<Impl>> bind_model(py::module_& m, const char* name) {
  py::class_<Impl, nn::Module, std::shared_ptr<Impl>> cls(m, name);
  const std::string model(name);
  cls.def(py::init([model](const py::kwargs& kwargs) {
    return std::make_shared<Impl>(options_from_kwargs<Options>(model, kwargs));
  }));
  cls.def_static("option_defaults", [] {
    py::dict out;
    Options defaults;
    defaults.fields([&](const char* option, auto& value) { out[option] = value; });
    return out;
  });
  def_forward<Impl>(cls);
  return cls;
}

}  // namespace srgan_cpp::python
