// Autocast rule of the LISTA shrinkage (see common/autocast.h): no cast. It is an
// element-wise op on two conv outputs, which autocast already produces in the autocast
// dtype, and it accepts a threshold of another floating dtype (the float32 parameter), so
// it runs in its input's dtype - casting the thresholds to bfloat16 would only lose their
// precision. The backward op is reached only through autograd.
#include "common/autocast.h"

namespace srgan_cpp::lista_detail {

SRGAN_CPP_AUTOCAST_RUNS_IN_INPUT_DTYPE("lista_shrinkage")

}  // namespace srgan_cpp::lista_detail
