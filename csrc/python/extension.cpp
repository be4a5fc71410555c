// The Python extension srgan_cpp._C. Loading it loads libsrgan_cpp, whose static
// initialisers register the ops with the dispatcher (torch.ops.srgan_cpp.*).
#include "common/device_kernels.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {
void bind_srcnn(py::module_& m);
void bind_hetsrwgan(py::module_& m);
void bind_sr_generators(py::module_& m);
void bind_eval_kernels(py::module_& m);
void bind_hetsrwgan_models(py::module_& m);
void bind_psrgan(py::module_& m);
void bind_discriminators(py::module_& m);
void bind_family_b(py::module_& m);
}

namespace {

// Maps c10 errors thrown by the C++ models to the matching Python exceptions, without the
// C++ backtrace (TORCH_CHECK_VALUE -> ValueError, TORCH_CHECK_TYPE -> TypeError, ...).
// torch's own translator is not shared with this module's pybind11 internals.
void translate_c10_errors(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const c10::ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what_without_backtrace());
  } catch (const c10::TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what_without_backtrace());
  } catch (const c10::IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what_without_backtrace());
  } catch (const c10::NotImplementedError& e) {
    PyErr_SetString(PyExc_NotImplementedError, e.what_without_backtrace());
  } catch (const c10::OutOfMemoryError& e) {
    PyErr_SetString(PyExc_MemoryError, e.what_without_backtrace());
  } catch (const c10::Error& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what_without_backtrace());
  }
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  namespace py = pybind11;
  py::register_local_exception_translator(&translate_c10_errors);
  m.doc() = "srgan_cpp C++ core: model classes; ops are under torch.ops.srgan_cpp";
  m.def("built_with_cuda", &srgan_cpp::built_with_cuda, "Whether this build has CUDA kernels");
  srgan_cpp::python::bind_module_base(m);
  srgan_cpp::python::bind_srcnn(m);
  srgan_cpp::python::bind_hetsrwgan(m);
  srgan_cpp::python::bind_sr_generators(m);
  srgan_cpp::python::bind_eval_kernels(m);
  srgan_cpp::python::bind_hetsrwgan_models(m);
  srgan_cpp::python::bind_psrgan(m);
  srgan_cpp::python::bind_discriminators(m);
  srgan_cpp::python::bind_family_b(m);
}
