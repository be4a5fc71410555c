// Bindings of every model and block class: one bind_model line each (see bind_module.h);
// the Python classes in python/srgan_cpp/models/ hold the defaults and pass every argument.
#include "models/blocks/channel_attention.h"
#include "models/blocks/pixel_attention.h"
#include "models/blocks/spatial_attention.h"
#include "models/discriminators/unet_discriminator_sn.h"
#include "models/discriminators/vgg_discriminator96.h"
#include "models/discriminators/vgg_style_discriminator.h"
#include "models/drcn/drcn.h"
#include "models/drrn/drrn.h"
#include "models/edsr/edsr.h"
#include "models/fsrcnn/fsrcnn.h"
#include "models/hetsrwgan/het_residual_block.h"
#include "models/hetsrwgan/hetsrwgan_critic.h"
#include "models/hetsrwgan/hetsrwgan_generator.h"
#include "models/lapsrn/lapsrn.h"
#include "models/msrresnet/msrresnet.h"
#include "models/pan/pan.h"
#include "models/psrgan/psrgan_generator.h"
#include "models/rcan/rcan.h"
#include "models/rdn/rdn.h"
#include "models/rrdbnet/rrdbnet.h"
#include "models/scn/scn.h"
#include "models/srcnn/srcnn.h"
#include "models/srvgg/srvgg_compact.h"
#include "models/vdsr/vdsr.h"
#include "python/bind_module.h"

namespace srgan_cpp::python {

void bind_models(py::module_& m) {
  using namespace srgan_cpp::models;  // NOLINT: local to this function in a .cpp file
  bind_model<SRCNNImpl>(m, "SRCNN").def_property_readonly("border", &SRCNNImpl::border);
  bind_model<MSRResNetImpl>(m, "MSRResNet");
  bind_model<RRDBNetImpl>(m, "RRDBNet")
      .def_property_readonly("unshuffle_factor", &RRDBNetImpl::unshuffle_factor);
  bind_model<SRVGGNetCompactImpl>(m, "SRVGGNetCompact");
  bind_model<EDSRImpl>(m, "EDSR");
  bind_model<HetResidualBlockImpl>(m, "HetResidualBlock");
  bind_model<HetSRWGANGeneratorImpl>(m, "HetSRWGANGenerator");
  bind_model<HetSRWGANCriticImpl>(m, "HetSRWGANCritic");
  bind_model<PSRGANGeneratorImpl>(m, "PSRGANGenerator");
  bind_model<VGGStyleDiscriminatorImpl>(m, "VGGStyleDiscriminator");
  bind_model<UNetDiscriminatorSNImpl>(m, "UNetDiscriminatorSN");
  bind_model<VGGDiscriminator96Impl>(m, "VGGDiscriminator96");
  auto scn = bind_model<SCNImpl>(m, "SCN");
  def_bound_method<SCNImpl>(scn, "bound_sparse_code", &SCNImpl::sparse_code);
  bind_model<FSRCNNImpl>(m, "FSRCNN");
  auto drcn = bind_model<DRCNImpl>(m, "DRCN");
  def_bound_method<DRCNImpl>(drcn, "bound_forward_all", &DRCNImpl::forward_all);
  py::class_<VDSRBlockImpl, nn::Module, std::shared_ptr<VDSRBlockImpl>>(m, "VDSRBlock");
  bind_model<VDSRImpl>(m, "VDSR");
  auto lapsrn = bind_model<LapSRNImpl>(m, "LapSRN");
  def_bound_method<LapSRNImpl>(lapsrn, "bound_forward_pyramid", &LapSRNImpl::forward_pyramid);
  bind_model<RCANImpl>(m, "RCAN");
  bind_model<RDNImpl>(m, "RDN");
  bind_model<DRRNImpl>(m, "DRRN");
  bind_model<PANImpl>(m, "PAN");
  bind_model<ChannelAttentionImpl>(m, "ChannelAttention");
  bind_model<PixelAttentionImpl>(m, "PixelAttention");
  bind_model<SpatialAttentionImpl>(m, "SpatialAttention");
}

}  // namespace srgan_cpp::python
