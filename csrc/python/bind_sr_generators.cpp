// Bindings of the SR generators: MSRResNet, RRDBNet, SRVGGNetCompact, EDSR.
#include "models/edsr/edsr.h"
#include "models/msrresnet/msrresnet.h"
#include "models/rrdbnet/rrdbnet.h"
#include "models/srvgg/srvgg_compact.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_sr_generators(py::module_& m) {
  using namespace srgan_cpp::models;  // NOLINT: local to this function in a .cpp file
  {
    py::class_<MSRResNetImpl, nn::Module, std::shared_ptr<MSRResNetImpl>> cls(m, "MSRResNet");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t num_feat, int64_t num_block, int64_t upscale) {
              return std::make_shared<MSRResNetImpl>(MSRResNetOptions()
                                                         .num_in_ch(num_in_ch)
                                                         .num_out_ch(num_out_ch)
                                                         .num_feat(num_feat)
                                                         .num_block(num_block)
                                                         .upscale(upscale));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_out_ch") = 3, py::arg("num_feat") = 64, py::arg("num_block") = 16,
            py::arg("upscale") = 4);
    def_forward<MSRResNetImpl>(cls);
  }
  {
    py::class_<RRDBNetImpl, nn::Module, std::shared_ptr<RRDBNetImpl>> cls(m, "RRDBNet");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t scale, int64_t num_feat, int64_t num_block,
                        int64_t num_grow_ch) {
              return std::make_shared<RRDBNetImpl>(RRDBNetOptions()
                                                       .num_in_ch(num_in_ch)
                                                       .num_out_ch(num_out_ch)
                                                       .scale(scale)
                                                       .num_feat(num_feat)
                                                       .num_block(num_block)
                                                       .num_grow_ch(num_grow_ch));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_out_ch") = 3, py::arg("scale") = 4, py::arg("num_feat") = 64,
            py::arg("num_block") = 23, py::arg("num_grow_ch") = 32);
    cls.def_property_readonly("unshuffle_factor", &RRDBNetImpl::unshuffle_factor);
    def_forward<RRDBNetImpl>(cls);
  }
  {
    py::class_<SRVGGNetCompactImpl, nn::Module, std::shared_ptr<SRVGGNetCompactImpl>> cls(m, "SRVGGNetCompact");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t num_feat, int64_t num_conv, int64_t upscale,
                        const std::string& act_type) {
              return std::make_shared<SRVGGNetCompactImpl>(SRVGGNetCompactOptions()
                                                               .num_in_ch(num_in_ch)
                                                               .num_out_ch(num_out_ch)
                                                               .num_feat(num_feat)
                                                               .num_conv(num_conv)
                                                               .upscale(upscale)
                                                               .act_type(act_type));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_out_ch") = 3, py::arg("num_feat") = 64, py::arg("num_conv") = 16,
            py::arg("upscale") = 4, py::arg("act_type") = "prelu");
    def_forward<SRVGGNetCompactImpl>(cls);
  }
  {
    py::class_<EDSRImpl, nn::Module, std::shared_ptr<EDSRImpl>> cls(m, "EDSR");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t num_feat, int64_t num_block, int64_t upscale,
                        double res_scale, double img_range, const std::vector<double>& rgb_mean) {
              return std::make_shared<EDSRImpl>(EDSROptions()
                                                    .num_in_ch(num_in_ch)
                                                    .num_out_ch(num_out_ch)
                                                    .num_feat(num_feat)
                                                    .num_block(num_block)
                                                    .upscale(upscale)
                                                    .res_scale(res_scale)
                                                    .img_range(img_range)
                                                    .rgb_mean(rgb_mean));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_out_ch") = 3, py::arg("num_feat") = 64, py::arg("num_block") = 16,
            py::arg("upscale") = 4, py::arg("res_scale") = 1.0, py::arg("img_range") = 255.0,
            py::arg("rgb_mean") = std::vector<double>{0.4488, 0.4371, 0.4040});
    def_forward<EDSRImpl>(cls);
  }
}

}  // namespace srgan_cpp::python
