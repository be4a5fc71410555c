#include "models/srcnn/srcnn.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_srcnn(py::module_& m) {
  using models::SRCNNImpl;
  py::class_<SRCNNImpl, nn::Module, std::shared_ptr<SRCNNImpl>> cls(m, "SRCNN");
  cls.def(py::init([](int64_t in_channels, int64_t features1, int64_t features2, int64_t kernel1, int64_t kernel2,
                      int64_t kernel3, bool same_padding) {
            return std::make_shared<SRCNNImpl>(models::SRCNNOptions()
                                                   .in_channels(in_channels)
                                                   .features1(features1)
                                                   .features2(features2)
                                                   .kernel1(kernel1)
                                                   .kernel2(kernel2)
                                                   .kernel3(kernel3)
                                                   .same_padding(same_padding));
          }),
          py::arg("in_channels") = 1, py::arg("features1") = 64, py::arg("features2") = 32, py::arg("kernel1") = 9,
          py::arg("kernel2") = 5, py::arg("kernel3") = 5, py::arg("same_padding") = true);
  cls.def_property_readonly("border", &SRCNNImpl::border);
  def_forward<SRCNNImpl>(cls);
}

}  // namespace srgan_cpp::python
