// The Python extension srgan_cpp._C. Loading it loads libsrgan_cpp, whose static
// initialisers register the ops with the dispatcher (torch.ops.srgan_cpp.*).
#include "common/device_kernels.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {
void bind_models(py::module_& m);
void bind_layers(py::module_& m);
void bind_eval_kernels(py::module_& m);
}

namespace {

// Maps c10 errors thrown by the C++ models to the matching Python exceptions, without the
// C++ backtrace (TORCH_CHECK_VALUE -> ValueError, TORCH_CHECK_TYPE -> TypeError, ...).
// torch's own translator is not shared with this module's pybind11 internals.
// The Python exception type for a c10 error (its most derived known class).
PyObject* python_type_of(const c10::Error& e) {
  if (dynamic_cast<const c10::ValueError*>(&e) != nullptr) return PyExc_ValueError;
  if (dynamic_cast<const c10::TypeError*>(&e) != nullptr) return PyExc_TypeError;
  if (dynamic_cast<const c10::IndexError*>(&e) != nullptr) return PyExc_IndexError;
  if (dynamic_cast<const c10::NotImplementedError*>(&e) != nullptr) return PyExc_NotImplementedError;
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return PyExc_MemoryError;
  return PyExc_RuntimeError;
}

void translate_c10_errors(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const c10::Error& e) {
    PyErr_SetString(python_type_of(e), e.what_without_backtrace());
  }
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  namespace py = pybind11;
  py::register_local_exception_translator(&translate_c10_errors);
  m.doc() = "srgan_cpp C++ core: model classes; ops are under torch.ops.srgan_cpp";
  m.def("built_with_cuda", &srgan_cpp::built_with_cuda, "Whether this build has CUDA kernels");
  srgan_cpp::python::bind_module_base(m);
  srgan_cpp::python::bind_models(m);
  srgan_cpp::python::bind_layers(m);
  srgan_cpp::python::bind_eval_kernels(m);
}
