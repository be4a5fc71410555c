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
]
