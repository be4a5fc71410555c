#pragma once
// pybind11 helpers that expose srgan_cpp::nn::Module trees to the Python wrapper
// (python/srgan_cpp/models/_cpp_module.py), which mirrors them as torch.nn.Modules.
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include <mutex>

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

}  // namespace srgan_cpp::python
