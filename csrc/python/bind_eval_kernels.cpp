// Plain functions (not dispatcher ops) for the evaluation hot paths: they are CPU-only and
// non-differentiable, called by srgan_cpp.data.imresize and srgan_cpp.metrics.ssim on
// NumPy arrays and CPU tensors. The GIL is released so DataLoader threads can overlap.
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include "data/imresize/imresize.h"
#include "metrics/ssim/ssim.h"

namespace srgan_cpp::python {

namespace py = pybind11;

void bind_eval_kernels(py::module_& m) {
  m.def("imresize_bhwc", &data::imresize_bhwc, py::arg("x"), py::arg("weights_h"), py::arg("indices_h"),
        py::arg("weights_w"), py::arg("indices_w"), py::arg("h_first"), py::arg("int_max") = 0.0,
        py::call_guard<py::gil_scoped_release>(),
        "MATLAB bicubic resize passes of a (B, H, W, C) uint8/float32/float64 CPU tensor with "
        "precomputed taps; see csrc/data/imresize/imresize.h");
  m.def("resize_contributions", &data::resize_contributions, py::arg("in_length"), py::arg("out_length"),
        py::arg("scale"), py::arg("antialias") = true, py::arg("symmetric") = true,
        "MATLAB imresize contributions(): (weights, indices) of a 1-D bicubic resize");
  m.def("imresize_bhwc_scale", &data::imresize_bhwc_scale, py::arg("x"), py::arg("scale_h"), py::arg("scale_w"),
        py::arg("antialias") = true, py::arg("symmetric") = true, py::call_guard<py::gil_scoped_release>(),
        "MATLAB imresize by scale of a (B, H, W, C) CPU tensor, taps computed in C++");
  m.def("ssim_per_image", &metrics::ssim_per_image, py::arg("x"), py::arg("y"), py::arg("window"), py::arg("c1"),
        py::arg("c2"), py::arg("value_scale") = 1.0, py::arg("color") = 0, py::call_guard<py::gil_scoped_release>(),
        "Mean SSIM per image of (N, C, H, W) uint8/float CPU tensors; see csrc/metrics/ssim/ssim.h");
}

}  // namespace srgan_cpp::python
