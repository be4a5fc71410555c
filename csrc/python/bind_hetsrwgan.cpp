#include "models/hetsrwgan/het_residual_block.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_hetsrwgan(py::module_& m) {
  using models::HetResidualBlockImpl;
  py::class_<HetResidualBlockImpl, nn::Module, std::shared_ptr<HetResidualBlockImpl>> cls(m, "HetResidualBlock");
  cls.def(py::init([](int64_t channels, int64_t parts, const std::string& activation, double negative_slope,
                      double res_scale, bool bias) {
            return std::make_shared<HetResidualBlockImpl>(models::HetResidualBlockOptions()
                                                              .channels(channels)
                                                              .parts(parts)
                                                              .activation(activation)
                                                              .negative_slope(negative_slope)
                                                              .res_scale(res_scale)
                                                              .bias(bias));
          }),
          py::arg("channels") = 64, py::arg("parts") = 4, py::arg("activation") = "relu",
          py::arg("negative_slope") = 0.2, py::arg("res_scale") = 1.0, py::arg("bias") = true);
  def_forward<HetResidualBlockImpl>(cls);
}

}  // namespace srgan_cpp::python
