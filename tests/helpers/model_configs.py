"""Small configurations of every built-in architecture, for tests that loop over the registry."""
from __future__ import annotations

__all__ = ["TINY"]

#: (registry name, constructor kwargs): several per architecture where the geometry differs.
TINY = [
    ("SRCNN", dict(in_channels=1, features=(4, 2), kernel_sizes="9-1-5", padding="valid")),
    ("SRCNN", dict(in_channels=3, features=(4, 2), kernel_sizes=(3, 1, 3))),
    ("MSRResNet", dict(num_feat=4, num_block=1, upscale=3)),
    ("RRDBNet", dict(num_feat=4, num_block=1, num_grow_ch=2, scale=4)),
    ("RRDBNet", dict(num_feat=4, num_block=1, num_grow_ch=2, scale=2)),
    ("RRDBNet", dict(num_in_ch=1, num_out_ch=1, num_feat=4, num_block=1, num_grow_ch=2, scale=1)),
    ("SRVGGNetCompact", dict(num_feat=4, num_conv=1, upscale=2)),
    ("SRVGGNetCompact", dict(num_feat=4, num_conv=2, upscale=3, act_type="leakyrelu")),
    ("EDSR", dict(num_feat=4, num_block=1, upscale=2)),
    ("HetSRWGANGenerator", dict(num_feat=4, num_block=1, parts=2, upscale=2)),
    ("PSRGANGenerator", dict(nc=4, nb=1)),
    ("VGGStyleDiscriminator", dict(num_feat=2)),
    ("UNetDiscriminatorSN", dict(num_feat=2)),
    ("VGGDiscriminator96", dict(base_nc=2)),
    ("HetSRWGANCritic", dict(num_feat=2, num_stages=2)),
    ("HetSRWGANCritic", dict(num_feat=2, num_stages=2, norm="layer")),
    ("SCN", dict(num_filters=4, code_size=4, num_stages=2)),
    ("FSRCNN", dict(d=4, s=2, m=1, scale=3)),
    ("FSRCNN", dict(in_channels=3, d=4, s=2, m=1, scale=2)),
    ("DRCN", dict(num_features=4, num_recursions=2)),
    ("VDSR", dict(num_features=4, num_layers=3)),
    ("LapSRN", dict(num_features=4, depth=1, scale=4)),
    ("RCAN", dict(num_feat=4, num_group=1, num_block=1, squeeze_factor=2, upscale=2)),
    ("RDN", dict(num_features=4, num_blocks=2, num_layers=1, growth_rate=2, upscale=3)),
    ("DRRN", dict(num_feat=4, num_blocks=2, num_units=2)),
    ("PAN", dict(nf=4, unf=2, nb=1, scale=4)),
    ("PAN", dict(nf=4, unf=2, nb=1, scale=3)),
]
