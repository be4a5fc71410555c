// Bindings of RCAN, RDN, DRRN, PAN and the attention blocks (channel, pixel, spatial). The
// Python classes (python/srgan_cpp/models/{rcan,rdn,drrn,pan}.py, nn/attention.py) hold the
// defaults and pass every argument.
#include "models/blocks/channel_attention.h"
#include "models/blocks/pixel_attention.h"
#include "models/blocks/spatial_attention.h"
#include "models/drrn/drrn.h"
#include "models/pan/pan.h"
#include "models/rcan/rcan.h"
#include "models/rdn/rdn.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_family_b(py::module_& m) {
  using namespace srgan_cpp::models;  // NOLINT: local to this function in a .cpp file
  {
    py::class_<RCANImpl, nn::Module, std::shared_ptr<RCANImpl>> cls(m, "RCAN");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t num_feat, int64_t num_group, int64_t num_block,
                        int64_t squeeze_factor, int64_t upscale, double res_scale, double img_range,
                        const std::vector<double>& rgb_mean) {
              return std::make_shared<RCANImpl>(RCANOptions()
                                                    .num_in_ch(num_in_ch)
                                                    .num_out_ch(num_out_ch)
                                                    .num_feat(num_feat)
                                                    .num_group(num_group)
                                                    .num_block(num_block)
                                                    .squeeze_factor(squeeze_factor)
                                                    .upscale(upscale)
                                                    .res_scale(res_scale)
                                                    .img_range(img_range)
                                                    .rgb_mean(rgb_mean));
            }),
            py::kw_only(), py::arg("num_in_ch"), py::arg("num_out_ch"), py::arg("num_feat"), py::arg("num_group"),
            py::arg("num_block"), py::arg("squeeze_factor"), py::arg("upscale"), py::arg("res_scale"),
            py::arg("img_range"), py::arg("rgb_mean"));
    def_forward<RCANImpl>(cls);
  }
  {
    py::class_<RDNImpl, nn::Module, std::shared_ptr<RDNImpl>> cls(m, "RDN");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t upscale, int64_t num_features,
                        int64_t num_blocks, int64_t num_layers, int64_t growth_rate, double img_range) {
              return std::make_shared<RDNImpl>(RDNOptions()
                                                   .num_in_ch(num_in_ch)
                                                   .num_out_ch(num_out_ch)
                                                   .upscale(upscale)
                                                   .num_features(num_features)
                                                   .num_blocks(num_blocks)
                                                   .num_layers(num_layers)
                                                   .growth_rate(growth_rate)
                                                   .img_range(img_range));
            }),
            py::kw_only(), py::arg("num_in_ch"), py::arg("num_out_ch"), py::arg("upscale"), py::arg("num_features"),
            py::arg("num_blocks"), py::arg("num_layers"), py::arg("growth_rate"), py::arg("img_range"));
    def_forward<RDNImpl>(cls);
  }
  {
    py::class_<DRRNImpl, nn::Module, std::shared_ptr<DRRNImpl>> cls(m, "DRRN");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_feat, int64_t num_blocks, int64_t num_units) {
              return std::make_shared<DRRNImpl>(
                  DRRNOptions().num_in_ch(num_in_ch).num_feat(num_feat).num_blocks(num_blocks).num_units(num_units));
            }),
            py::kw_only(), py::arg("num_in_ch"), py::arg("num_feat"), py::arg("num_blocks"), py::arg("num_units"));
    def_forward<DRRNImpl>(cls);
  }
  {
    py::class_<PANImpl, nn::Module, std::shared_ptr<PANImpl>> cls(m, "PAN");
    cls.def(py::init([](int64_t in_nc, int64_t out_nc, int64_t nf, int64_t unf, int64_t nb, int64_t scale) {
              return std::make_shared<PANImpl>(
                  PANOptions().in_nc(in_nc).out_nc(out_nc).nf(nf).unf(unf).nb(nb).scale(scale));
            }),
            py::kw_only(), py::arg("in_nc"), py::arg("out_nc"), py::arg("nf"), py::arg("unf"), py::arg("nb"),
            py::arg("scale"));
    def_forward<PANImpl>(cls);
  }
  {
    py::class_<ChannelAttentionImpl, nn::Module, std::shared_ptr<ChannelAttentionImpl>> cls(m, "ChannelAttention");
    cls.def(py::init([](int64_t num_feat, int64_t squeeze_factor) {
              return std::make_shared<ChannelAttentionImpl>(
                  ChannelAttentionOptions().num_feat(num_feat).squeeze_factor(squeeze_factor));
            }),
            py::kw_only(), py::arg("num_feat"), py::arg("squeeze_factor"));
    def_forward<ChannelAttentionImpl>(cls);
  }
  {
    py::class_<PixelAttentionImpl, nn::Module, std::shared_ptr<PixelAttentionImpl>> cls(m, "PixelAttention");
    cls.def(py::init([](int64_t num_feat) {
              return std::make_shared<PixelAttentionImpl>(PixelAttentionOptions().num_feat(num_feat));
            }),
            py::kw_only(), py::arg("num_feat"));
    def_forward<PixelAttentionImpl>(cls);
  }
  {
    py::class_<SpatialAttentionImpl, nn::Module, std::shared_ptr<SpatialAttentionImpl>> cls(m, "SpatialAttention");
    cls.def(py::init([](int64_t kernel_size) {
              return std::make_shared<SpatialAttentionImpl>(SpatialAttentionOptions().kernel_size(kernel_size));
            }),
            py::kw_only(), py::arg("kernel_size"));
    def_forward<SpatialAttentionImpl>(cls);
  }
}

}  // namespace srgan_cpp::python
