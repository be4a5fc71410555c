// The Python extension srgan_cpp._C. Loading it loads libsrgan_cpp, whose static
// initialisers register the ops with the dispatcher (torch.ops.srgan_cpp.*).
#include "common/device_kernels.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {
void bind_srcnn(py::module_& m);
}

PYBIND11_MODULE(_C, m) {
  namespace py = pybind11;
  m.doc() = "srgan_cpp C++ core: model classes; ops are under torch.ops.srgan_cpp";
  m.def("built_with_cuda", &srgan_cpp::built_with_cuda, "Whether this build has CUDA kernels");
  srgan_cpp::python::bind_module_base(m);
  srgan_cpp::python::bind_srcnn(m);
}
