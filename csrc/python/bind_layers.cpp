// Bindings of the single C++ layers (BatchNorm2d, Linear, SpectralNormConv2d: Python
// srgan_cpp.nn.layers; Upsampler: srgan_cpp.nn.upsampler) and of the Winograd convolution
// (srgan_cpp.nn.winograd). Every argument is explicit: the Python side holds the defaults.
#include "nn/batch_norm2d.h"
#include "nn/linear.h"
#include "nn/spectral_norm_conv2d.h"
#include "nn/upsampler.h"
#include "nn/winograd_conv3x3.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_layers(py::module_& m) {
  {
    py::class_<nn::BatchNorm2dImpl, nn::Module, std::shared_ptr<nn::BatchNorm2dImpl>> cls(m, "BatchNorm2d");
    cls.def(py::init([](int64_t num_features, double eps, double momentum) {
              return std::make_shared<nn::BatchNorm2dImpl>(
                  nn::BatchNorm2dOptions(num_features).eps(eps).momentum(momentum));
            }),
            py::arg("num_features"), py::arg("eps"), py::arg("momentum"));
    def_forward<nn::BatchNorm2dImpl>(cls);
  }
  {
    py::class_<nn::LinearImpl, nn::Module, std::shared_ptr<nn::LinearImpl>> cls(m, "Linear");
    cls.def(py::init([](int64_t in_features, int64_t out_features, bool bias) {
              return std::make_shared<nn::LinearImpl>(in_features, out_features, bias);
            }),
            py::arg("in_features"), py::arg("out_features"), py::arg("bias"));
    def_forward<nn::LinearImpl>(cls);
  }
  {
    py::class_<nn::SpectralNormConv2dImpl, nn::Module, std::shared_ptr<nn::SpectralNormConv2dImpl>> cls(
        m, "SpectralNormConv2d");
    cls.def(py::init([](int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                        int64_t padding, bool bias, double eps, int64_t n_power_iterations) {
              return std::make_shared<nn::SpectralNormConv2dImpl>(
                  nn::Conv2dOptions(in_channels, out_channels, kernel_size).stride(stride).padding(padding).bias(bias),
                  eps, n_power_iterations);
            }),
            py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride"),
            py::arg("padding"), py::arg("bias"), py::arg("eps"), py::arg("n_power_iterations"));
    def_forward<nn::SpectralNormConv2dImpl>(cls);
  }
  {
    py::class_<nn::UpsamplerImpl, nn::Module, std::shared_ptr<nn::UpsamplerImpl>> cls(m, "Upsampler");
    cls.def(py::init([](int64_t channels, int64_t scale, const std::string& mode, const std::string& activation,
                        double negative_slope) {
              return std::make_shared<nn::UpsamplerImpl>(
                  nn::UpsamplerOptions(channels, scale).mode(mode).activation(activation).negative_slope(negative_slope));
            }),
            py::kw_only(), py::arg("channels"), py::arg("scale"), py::arg("mode"), py::arg("activation"),
            py::arg("negative_slope"));
    def_forward<nn::UpsamplerImpl>(cls);
  }
  m.def("set_winograd_enabled", &nn::set_winograd_enabled, py::arg("enabled"));
  m.def("winograd_enabled", &nn::winograd_enabled);
  m.def("clear_winograd_weight_cache", &nn::clear_winograd_weight_cache);
  m.def(
      "winograd_conv3x3_applies",
      [](const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias) {
        return nn::winograd_conv3x3_applies(input, weight, bias.value_or(at::Tensor()));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"));
  // act: "none", "leaky_relu" (negative_slope) or "prelu" (prelu_weight).
  m.def(
      "winograd_conv3x3",
      [](const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
         const std::string& act, double negative_slope, const c10::optional<at::Tensor>& prelu_weight) {
        TORCH_CHECK_VALUE(act == "none" || act == "leaky_relu" || act == "prelu",
                          "winograd_conv3x3: expected `act` 'none', 'leaky_relu' or 'prelu', got '", act, "'");
        nn::ConvEpilogue epi;
        if (act == "leaky_relu") epi = nn::ConvEpilogue::leaky_relu(negative_slope);
        if (act == "prelu") epi = nn::ConvEpilogue::prelu(prelu_weight.value_or(at::Tensor()));
        const at::Tensor b = bias.value_or(at::Tensor());
        TORCH_CHECK_VALUE(nn::winograd_conv3x3_applies(input, weight, b, epi),
                          "winograd_conv3x3: these arguments take at::conv2d (see winograd_conv3x3_applies): input ",
                          input.sizes(), " ", input.scalar_type(), ", weight ", weight.sizes());
        return nn::winograd_conv3x3(input, weight, b, epi);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("act"), py::arg("negative_slope"),
      py::arg("prelu_weight"));
}

}  // namespace srgan_cpp::python
