#include "models/srvgg/srvgg_compact.h"

#include <ATen/ops/upsample_nearest2d.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "nn/prelu.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

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

at::Tensor SRVGGNetCompactImpl::activate(size_t i, const at::Tensor& x) const {
  if (auto* p = dynamic_cast<nn::PReLUImpl*>(acts[i].get())) return p->forward(x);
  return static_cast<nn::ActivationImpl*>(acts[i].get())->forward(x);
}

at::Tensor SRVGGNetCompactImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "SRVGGNetCompact.forward";
  check_sr_input(input, op, options_.num_in_ch(), convs.front()->weight());
  at::Tensor out = input;
  for (size_t i = 0; i + 1 < convs.size(); ++i) out = activate(i, convs[i]->forward(out));
  const int64_t r = options_.upscale();
  const double s = static_cast<double>(r);
  const at::Tensor base = at::upsample_nearest2d(input, {input.size(2) * r, input.size(3) * r}, s, s);
  // last conv's bias + pixel shuffle + residual add in one fused pass.
  return ops::fused_pixel_shuffle(conv_without_bias(*convs.back(), out), r, convs.back()->bias(), "none",
                                  c10::nullopt, 0.0, base);
}

}  // namespace srgan_cpp::models
