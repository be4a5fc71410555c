// Bindings of HetSRWGAN's generator and WGAN critic.
#include "models/hetsrwgan/hetsrwgan_critic.h"
#include "models/hetsrwgan/hetsrwgan_generator.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_hetsrwgan_models(py::module_& m) {
  using models::HetSRWGANCriticImpl;
  using models::HetSRWGANGeneratorImpl;
  {
    py::class_<HetSRWGANGeneratorImpl, nn::Module, std::shared_ptr<HetSRWGANGeneratorImpl>> cls(m,
                                                                                                "HetSRWGANGenerator");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_out_ch, int64_t num_feat, int64_t num_block, int64_t parts,
                        int64_t upscale, const std::string& act, double negative_slope, double res_scale) {
              return std::make_shared<HetSRWGANGeneratorImpl>(models::HetSRWGANGeneratorOptions()
                                                                  .num_in_ch(num_in_ch)
                                                                  .num_out_ch(num_out_ch)
                                                                  .num_feat(num_feat)
                                                                  .num_block(num_block)
                                                                  .parts(parts)
                                                                  .upscale(upscale)
                                                                  .act(act)
                                                                  .negative_slope(negative_slope)
                                                                  .res_scale(res_scale));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_out_ch") = 3, py::arg("num_feat") = 64, py::arg("num_block") = 16,
            py::arg("parts") = 4, py::arg("upscale") = 4, py::arg("act") = "prelu", py::arg("negative_slope") = 0.2,
            py::arg("res_scale") = 1.0);
    def_forward<HetSRWGANGeneratorImpl>(cls);
  }
  {
    py::class_<HetSRWGANCriticImpl, nn::Module, std::shared_ptr<HetSRWGANCriticImpl>> cls(m, "HetSRWGANCritic");
    cls.def(py::init([](int64_t num_in_ch, int64_t num_feat, int64_t num_stages, int64_t linear_feat,
                        const std::string& norm, double negative_slope) {
              return std::make_shared<HetSRWGANCriticImpl>(models::HetSRWGANCriticOptions()
                                                               .num_in_ch(num_in_ch)
                                                               .num_feat(num_feat)
                                                               .num_stages(num_stages)
                                                               .linear_feat(linear_feat)
                                                               .norm(norm)
                                                               .negative_slope(negative_slope));
            }),
            py::arg("num_in_ch") = 3, py::arg("num_feat") = 64, py::arg("num_stages") = 5,
            py::arg("linear_feat") = 100, py::arg("norm") = "none", py::arg("negative_slope") = 0.2);
    def_forward<HetSRWGANCriticImpl>(cls);
  }
}

}  // namespace srgan_cpp::python
