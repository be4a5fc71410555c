#include "models/srvgg/srvgg_compact.h"

#include <ATen/ops/upsample_nearest2d.h>
#include <c10/core/MemoryFormat.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "nn/prelu.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

namespace {

// The input upsampled x r by nearest neighbour. For a channels_last input, as two broadcast
// copies (each pixel's C values r times along a row, then each row r times): the same values
// as at::upsample_nearest2d, about twice as fast on the 3-channel image (it is the model's
// residual, at output resolution).
at::Tensor nearest_upsample(const at::Tensor& input, int64_t r) {
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  if (C == 1 || !input.is_contiguous(c10::MemoryFormat::ChannelsLast)) {
    const double s = static_cast<double>(r);
    return at::upsample_nearest2d(input, {H * r, W * r}, s, s);
  }
  const at::Tensor nhwc = input.permute({0, 2, 3, 1});
  const at::Tensor rows = nhwc.unsqueeze(3).expand({N, H, W, r, C}).reshape({N, H, 1, W * r * C});
  return rows.expand({N, H, r, W * r * C}).reshape({N, H * r, W * r, C}).permute({0, 3, 1, 2});
}

}  // namespace

SRVGGNetCompactImpl::SRVGGNetCompactImpl(const SRVGGNetCompactOptions& o)
    : nn::ModuleWithOptions<SRVGGNetCompactOptions>("srgan_cpp::models::SRVGGNetCompact", o) {
  const std::string& act = o.act_type();
  TORCH_CHECK_VALUE(act == "prelu" || act == "relu" || act == "leakyrelu",
                    "SRVGGNetCompact: expected `act_type` 'prelu', 'relu' or 'leakyrelu', got '", act, "'");
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.num_conv() >= 0 && o.upscale() > 0,
                    "SRVGGNetCompact: expected positive num_in_ch/num_feat/upscale and num_conv >= 0, got ",
                    o.num_in_ch(), ", ", o.num_feat(), ", ", o.upscale(), ", ", o.num_conv());
  // The output adds the upsampled input, so the channel counts must agree.
  TORCH_CHECK_VALUE(o.num_out_ch() == o.num_in_ch(), "SRVGGNetCompact: the upsampled-input residual needs "
                    "`num_out_ch` == `num_in_ch`, got ", o.num_out_ch(), " and ", o.num_in_ch());
  const int64_t f = o.num_feat();
  body = register_module("body", nn::Sequence());
  auto add_act = [&] {
    if (act == "prelu") {
      acts.push_back(body->push_back(nn::PReLU(f)).ptr());
    } else {
      acts.push_back(body->push_back(nn::Activation(act == "relu" ? "relu" : "leaky_relu", 0.1)).ptr());
    }
  };
  convs.push_back(body->push_back(conv3x3(o.num_in_ch(), f)));
  add_act();
  for (int64_t i = 0; i < o.num_conv(); ++i) {
    convs.push_back(body->push_back(conv3x3(f, f)));
    add_act();
  }
  convs.push_back(body->push_back(conv3x3(f, o.num_out_ch() * o.upscale() * o.upscale())));
}

at::Tensor SRVGGNetCompactImpl::conv_activated(size_t i, const at::Tensor& x) const {
  if (auto* p = dynamic_cast<nn::PReLUImpl*>(acts[i].get())) {
    return nn::conv2d_activated(*convs[i], x, nn::ConvEpilogue::prelu(p->weight()));
  }
  const auto& a = static_cast<nn::ActivationImpl&>(*acts[i]);
  if (a.kind() != "leaky_relu") return a.forward(convs[i]->forward(x));
  return nn::conv2d_activated(*convs[i], x, nn::ConvEpilogue::leaky_relu(a.negative_slope()));
}

at::Tensor SRVGGNetCompactImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "SRVGGNetCompact.forward";
  check_sr_input(input, op, options_.num_in_ch(), convs.front()->weight());
  at::Tensor out = input;
  for (size_t i = 0; i + 1 < convs.size(); ++i) out = conv_activated(i, out);
  const int64_t r = options_.upscale();
  const at::Tensor base = nearest_upsample(input, r);
  // last conv's bias + pixel shuffle + residual add in one fused pass.
  return ops::fused_pixel_shuffle(conv_without_bias(*convs.back(), out), r, convs.back()->bias(), "none",
                                  c10::nullopt, 0.0, base);
}

}  // namespace srgan_cpp::models
