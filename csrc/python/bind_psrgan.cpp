// Binding of the PSRGAN generator.
#include "models/psrgan/psrgan_generator.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_psrgan(py::module_& m) {
  using models::PSRGANGeneratorImpl;
  py::class_<PSRGANGeneratorImpl, nn::Module, std::shared_ptr<PSRGANGeneratorImpl>> cls(m, "PSRGANGenerator");
  cls.def(py::init([](int64_t in_nc, int64_t out_nc, int64_t nc, int64_t nb, int64_t upscale,
                      const std::string& act_mode, const std::string& upsample_mode) {
            return std::make_shared<PSRGANGeneratorImpl>(models::PSRGANGeneratorOptions()
                                                             .in_nc(in_nc)
                                                             .out_nc(out_nc)
                                                             .nc(nc)
                                                             .nb(nb)
                                                             .upscale(upscale)
                                                             .act_mode(act_mode)
                                                             .upsample_mode(upsample_mode));
          }),
          py::arg("in_nc") = 3, py::arg("out_nc") = 3, py::arg("nc") = 64, py::arg("nb") = 16, py::arg("upscale") = 2,
          py::arg("act_mode") = "R", py::arg("upsample_mode") = "upconv");
  def_forward<PSRGANGeneratorImpl>(cls);
}

}  // namespace srgan_cpp::python
