#include "nn/upsampler.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/prelu.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/upsample_nearest2d.h>

#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::nn {

UpsamplerImpl::UpsamplerImpl(const UpsamplerOptions& o)
    : ModuleWithOptions<UpsamplerOptions>("srgan_cpp::nn::Upsampler", o) {
  const int64_t s = o.scale();
  TORCH_CHECK_VALUE(s == 3 || (s >= 2 && (s & (s - 1)) == 0), "Upsampler: expected `scale` a power of 2 or 3, got ",
                    s);
  TORCH_CHECK_VALUE(o.channels() > 0, "Upsampler: expected `channels` > 0, got ", o.channels());
  TORCH_CHECK_VALUE(o.mode() == "pixel_shuffle" || o.mode() == "transposed_conv" || o.mode() == "nearest_conv",
                    "Upsampler: expected `mode` 'pixel_shuffle', 'transposed_conv' or 'nearest_conv', got '",
                    o.mode(), "'");
  TORCH_CHECK_VALUE(o.activation() == "none" || o.activation() == "relu" || o.activation() == "leaky_relu" ||
                        o.activation() == "prelu",
                    "Upsampler: expected `activation` 'none', 'relu', 'leaky_relu' or 'prelu', got '", o.activation(),
                    "'");
  if (s == 3) {
    factors_.push_back(3);
  } else {
    for (int64_t k = s; k > 1; k /= 2) factors_.push_back(2);
  }
  const int64_t c = o.channels();
  for (size_t i = 0; i < factors_.size(); ++i) {
    const int64_t r = factors_[i];
    const std::string name = std::to_string(2 * i);
    if (o.mode() == "transposed_conv") {
      // x2: kernel 4, stride 2, padding 1 (LapSRN); x3: kernel 3, stride 3 - both give
      // exactly H * r and cover every output pixel with the same number of taps.
      const int64_t k = r == 2 ? 4 : 3, p = r == 2 ? 1 : 0;
      deconvs_.push_back(register_module(name, ConvTranspose2d(ConvTranspose2dOptions(c, c, k).stride(r).padding(p))));
    } else {
      const int64_t out = o.mode() == "pixel_shuffle" ? c * r * r : c;
      convs_.push_back(register_module(name, Conv2d(Conv2dOptions(c, out, 3).padding(1))));
    }
    if (o.activation() == "prelu") prelus_.push_back(register_module(std::to_string(2 * i + 1), PReLU(1)));
  }
}

at::Tensor UpsamplerImpl::activate(at::Tensor x, size_t stage) const {
  // In place: x is a freshly computed conv / transposed-conv output whose backward does not
  // need it (relu_ / leaky_relu_'s backward uses their own output).
  const std::string& act = options_.activation();
  if (act == "relu") return x.relu_();
  if (act == "leaky_relu") return at::leaky_relu_(x, options_.negative_slope());
  if (act == "prelu") return at::prelu(x, prelus_[stage]->weight());
  return x;
}

at::Tensor UpsamplerImpl::forward(const at::Tensor& input) const {
  TORCH_CHECK_VALUE(input.dim() == 4 && input.size(1) == options_.channels(), "Upsampler.forward: expected `input` "
                    "(N, ", options_.channels(), ", H, W), got shape ", input.sizes());
  at::Tensor x = input;
  const std::string& mode = options_.mode();
  for (size_t i = 0; i < factors_.size(); ++i) {
    const int64_t r = factors_[i];
    if (mode == "pixel_shuffle") {
      const Conv2dImpl& conv = *convs_[i];
      const at::Tensor y = at::conv2d(x, conv.weight(), at::Tensor(), {1, 1}, {1, 1});
      const std::string& act = options_.activation();
      x = ops::fused_pixel_shuffle(y, r, conv.bias(), act,
                                   act == "prelu" ? c10::optional<at::Tensor>(prelus_[i]->weight()) : c10::nullopt,
                                   options_.negative_slope(), c10::nullopt);
    } else if (mode == "transposed_conv") {
      x = activate(deconvs_[i]->forward(x), i);
    } else {
      const double rs = static_cast<double>(r);
      x = activate(convs_[i]->forward(at::upsample_nearest2d(x, c10::nullopt, std::vector<double>{rs, rs})), i);
    }
  }
  return x;
}

}  // namespace srgan_cpp::nn
