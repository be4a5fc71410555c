// Bindings of the first half of the SR model family (issue 13): SCN, FSRCNN, DRCN, VDSR,
// LapSRN, and the Upsampler layer. Every argument is explicit (no defaults here: they live
// in the Python classes' signatures, python/srgan_cpp/models/<model>.py).
#include "models/drcn/drcn.h"
#include "models/fsrcnn/fsrcnn.h"
#include "models/lapsrn/lapsrn.h"
#include "models/scn/scn.h"
#include "models/vdsr/vdsr.h"
#include "nn/upsampler.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {
namespace {

// bound_<name>(params, buffers, training, x): like bound_forward, for a model's other
// forward methods (DRCN's intermediate predictions, LapSRN's pyramid).
template <typename Impl, typename PyClass, typename Method>
void def_bound_method(PyClass& cls, const char* name, Method method) {
  cls.def(
      name,
      [method](Impl& self, const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& buffers,
               bool training, const at::Tensor& x) {
        std::lock_guard<std::mutex> lock(self.forward_mutex());
        self.rebind(params, buffers);
        self.train(training);
        return (self.*method)(x);
      },
      py::call_guard<py::gil_scoped_release>());
}

template <typename Impl>
using Class = py::class_<Impl, nn::Module, std::shared_ptr<Impl>>;

}  // namespace

void bind_family_a(py::module_& m) {
  using namespace srgan_cpp::models;  // NOLINT: local to this function in a .cpp file
  {
    Class<SCNImpl> cls(m, "SCN");
    cls.def(py::init([](int64_t in_channels, int64_t num_filters, int64_t code_size, int64_t lr_patch,
                        int64_t hr_patch, int64_t num_stages, bool residual) {
              return std::make_shared<SCNImpl>(SCNOptions()
                                                   .in_channels(in_channels)
                                                   .num_filters(num_filters)
                                                   .code_size(code_size)
                                                   .lr_patch(lr_patch)
                                                   .hr_patch(hr_patch)
                                                   .num_stages(num_stages)
                                                   .residual(residual));
            }),
            py::kw_only(), py::arg("in_channels"), py::arg("num_filters"), py::arg("code_size"), py::arg("lr_patch"),
            py::arg("hr_patch"), py::arg("num_stages"), py::arg("residual"));
    def_forward<SCNImpl>(cls);
    def_bound_method<SCNImpl>(cls, "bound_sparse_code", &SCNImpl::sparse_code);
  }
  {
    Class<FSRCNNImpl> cls(m, "FSRCNN");
    cls.def(py::init([](int64_t in_channels, int64_t d, int64_t s, int64_t m_layers, int64_t scale) {
              return std::make_shared<FSRCNNImpl>(
                  FSRCNNOptions().in_channels(in_channels).d(d).s(s).m(m_layers).scale(scale));
            }),
            py::kw_only(), py::arg("in_channels"), py::arg("d"), py::arg("s"), py::arg("m"), py::arg("scale"));
    def_forward<FSRCNNImpl>(cls);
  }
  {
    Class<DRCNImpl> cls(m, "DRCN");
    cls.def(py::init([](int64_t in_channels, int64_t num_features, int64_t num_recursions) {
              return std::make_shared<DRCNImpl>(
                  DRCNOptions().in_channels(in_channels).num_features(num_features).num_recursions(num_recursions));
            }),
            py::kw_only(), py::arg("in_channels"), py::arg("num_features"), py::arg("num_recursions"));
    def_forward<DRCNImpl>(cls);
    def_bound_method<DRCNImpl>(cls, "bound_forward_all", &DRCNImpl::forward_all);
  }
  {
    Class<VDSRBlockImpl>(m, "VDSRBlock");
    Class<VDSRImpl> cls(m, "VDSR");
    cls.def(py::init([](int64_t in_channels, int64_t num_features, int64_t num_layers) {
              return std::make_shared<VDSRImpl>(
                  VDSROptions().in_channels(in_channels).num_features(num_features).num_layers(num_layers));
            }),
            py::kw_only(), py::arg("in_channels"), py::arg("num_features"), py::arg("num_layers"));
    def_forward<VDSRImpl>(cls);
  }
  {
    Class<LapSRNImpl> cls(m, "LapSRN");
    cls.def(py::init([](int64_t in_channels, int64_t num_features, int64_t depth, int64_t scale,
                        const std::string& upsampler, double negative_slope) {
              return std::make_shared<LapSRNImpl>(LapSRNOptions()
                                                      .in_channels(in_channels)
                                                      .num_features(num_features)
                                                      .depth(depth)
                                                      .scale(scale)
                                                      .upsampler(upsampler)
                                                      .negative_slope(negative_slope));
            }),
            py::kw_only(), py::arg("in_channels"), py::arg("num_features"), py::arg("depth"), py::arg("scale"),
            py::arg("upsampler"), py::arg("negative_slope"));
    def_forward<LapSRNImpl>(cls);
    def_bound_method<LapSRNImpl>(cls, "bound_forward_pyramid", &LapSRNImpl::forward_pyramid);
  }
  {
    Class<nn::UpsamplerImpl> cls(m, "Upsampler");
    cls.def(py::init([](int64_t channels, int64_t scale, const std::string& mode, const std::string& activation,
                        double negative_slope) {
              return std::make_shared<nn::UpsamplerImpl>(
                  nn::UpsamplerOptions(channels, scale).mode(mode).activation(activation).negative_slope(negative_slope));
            }),
            py::kw_only(), py::arg("channels"), py::arg("scale"), py::arg("mode"), py::arg("activation"),
            py::arg("negative_slope"));
    def_forward<nn::UpsamplerImpl>(cls);
  }
}

}  // namespace srgan_cpp::python
