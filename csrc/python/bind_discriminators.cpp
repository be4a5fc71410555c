// Bindings of the discriminators (VGGStyleDiscriminator, UNetDiscriminatorSN,
// VGGDiscriminator96) and of the layers they add (BatchNorm2d, Linear, SpectralNormConv2d).
#include "models/discriminators/unet_discriminator_sn.h"
#include "models/discriminators/vgg_discriminator96.h"
#include "models/discriminators/vgg_style_discriminator.h"
#include "nn/batch_norm2d.h"
#include "nn/linear.h"
#include "nn/spectral_norm_conv2d.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

namespace {

void bind_layers(py::module_& m) {
  {
    py::class_<nn::BatchNorm2dImpl, nn::Module, std::shared_ptr<nn::BatchNorm2dImpl>> cls(m, "BatchNorm2d");
    cls.def(py::init([](int64_t num_features, double eps, double momentum) {
              return std::make_shared<nn::BatchNorm2dImpl>(
                  nn::BatchNorm2dOptions(num_features).eps(eps).momentum(momentum));
            }),
            py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1);
    def_forward<nn::BatchNorm2dImpl>(cls);
  }
  {
    py::class_<nn::LinearImpl, nn::Module, std::shared_ptr<nn::LinearImpl>> cls(m, "Linear");
    cls.def(py::init([](int64_t in_features, int64_t out_features, bool bias) {
              return std::make_shared<nn::LinearImpl>(in_features, out_features, bias);
            }),
            py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true);
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
            py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
            py::arg("padding") = 0, py::arg("bias") = true, py::arg("eps") = 1e-12, py::arg("n_power_iterations") = 1);
    def_forward<nn::SpectralNormConv2dImpl>(cls);
  }
}

}  // namespace

void bind_discriminators(py::module_& m) {
  using namespace srgan_cpp::models;  // NOLINT: local to this function in a .cpp file
  bind_layers(m);
  {
    py::class_<VGGStyleDiscriminatorImpl, nn::Module, std::shared_ptr<VGGStyleDiscriminatorImpl>> cls(
        m, "VGGStyleDiscriminator");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_feat, int64_t input_size) {
              return std::make_shared<VGGStyleDiscriminatorImpl>(
                  VGGStyleDiscriminatorOptions().num_in_ch(num_in_ch).num_feat(num_feat).input_size(input_size));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_feat") = 64, py::arg("input_size") = 128);
    def_forward<VGGStyleDiscriminatorImpl>(cls);
  }
  {
    py::class_<UNetDiscriminatorSNImpl, nn::Module, std::shared_ptr<UNetDiscriminatorSNImpl>> cls(
        m, "UNetDiscriminatorSN");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_feat, bool skip_connection) {
              return std::make_shared<UNetDiscriminatorSNImpl>(
                  UNetDiscriminatorSNOptions().num_in_ch(num_in_ch).num_feat(num_feat).skip_connection(
                      skip_connection));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_feat") = 64, py::arg("skip_connection") = true);
    def_forward<UNetDiscriminatorSNImpl>(cls);
  }
  {
    py::class_<VGGDiscriminator96Impl, nn::Module, std::shared_ptr<VGGDiscriminator96Impl>> cls(
        m, "VGGDiscriminator96");
    cls.def(py::init([](int64_t in_nc, int64_t base_nc, const std::string& ac_type) {
              return std::make_shared<VGGDiscriminator96Impl>(
                  VGGDiscriminator96Options().in_nc(in_nc).base_nc(base_nc).ac_type(ac_type));
            }),
            py::arg("in_nc") = 3, py::arg("base_nc") = 64, py::arg("ac_type") = "BL");
    def_forward<VGGDiscriminator96Impl>(cls);
  }
}

}  // namespace srgan_cpp::python
