#include "models/discriminators/unet_discriminator_sn.h"

#include <ATen/ops/upsample_bilinear2d.h>

#include <string>

#include "models/blocks/sr_common.h"
#include "models/discriminators/discriminator_checks.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;

// F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False).
at::Tensor upsample2x(const at::Tensor& x) {
  return at::upsample_bilinear2d(x, {x.size(2) * 2, x.size(3) * 2}, false, 2.0, 2.0);
}
}  // namespace

UNetDiscriminatorSNImpl::UNetDiscriminatorSNImpl(const UNetDiscriminatorSNOptions& o)
    : nn::ModuleWithOptions<UNetDiscriminatorSNOptions>("srgan_cpp::models::UNetDiscriminatorSN", o) {
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0, "UNetDiscriminatorSN: expected positive `num_in_ch` and "
                    "`num_feat`, got ", o.num_in_ch(), " and ", o.num_feat());
  const int64_t f = o.num_feat();
  conv0 = register_module("conv0", nn::Conv2d(nn::Conv2dOptions(o.num_in_ch(), f, 3).padding(1)));
  // (in, out, kernel) of conv1..conv8; the 4x4 ones have stride 2.
  const int64_t spec[8][3] = {{f, 2 * f, 4},     {2 * f, 4 * f, 4}, {4 * f, 8 * f, 4}, {8 * f, 4 * f, 3},
                              {4 * f, 2 * f, 3}, {2 * f, f, 3},     {f, f, 3},         {f, f, 3}};
  for (int i = 0; i < 8; ++i) {
    const int64_t k = spec[i][2];
    const auto conv = nn::Conv2dOptions(spec[i][0], spec[i][1], k).stride(k == 4 ? 2 : 1).padding(1).bias(false);
    sn.push_back(register_module("conv" + std::to_string(i + 1), nn::SpectralNormConv2d(conv)));
  }
  conv9 = register_module("conv9", nn::Conv2d(nn::Conv2dOptions(f, 1, 3).padding(1)));
}

at::Tensor UNetDiscriminatorSNImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "UNetDiscriminatorSN";
  check_discriminator_input(input, op, options_.num_in_ch(), conv0->weight());
  TORCH_CHECK_VALUE(input.size(2) % 8 == 0 && input.size(3) % 8 == 0, op,
                    ": expected `input` height and width divisible by 8 (three stride-2 levels are upsampled "
                    "back and added; pad or crop), got shape ", input.sizes());
  auto act = [](const at::Tensor& t) { return leaky_relu_inplace(t, kSlope); };
  const bool skip = options_.skip_connection();
  const at::Tensor x0 = act(conv0->forward(input));
  const at::Tensor x1 = act(sn[0]->forward(x0));
  const at::Tensor x2 = act(sn[1]->forward(x1));
  const at::Tensor x3 = act(sn[2]->forward(x2));
  // The skip additions are out of place: the in-place LeakyReLU's backward needs its output.
  at::Tensor x4 = act(sn[3]->forward(upsample2x(x3)));
  if (skip) x4 = x4 + x2;
  at::Tensor x5 = act(sn[4]->forward(upsample2x(x4)));
  if (skip) x5 = x5 + x1;
  at::Tensor x6 = act(sn[5]->forward(upsample2x(x5)));
  if (skip) x6 = x6 + x0;
  at::Tensor out = act(sn[6]->forward(x6));
  out = act(sn[7]->forward(out));
  return conv9->forward(out);
}

}  // namespace srgan_cpp::models
