#pragma once
// Umbrella header for LibTorch programs: #include <srgan_cpp/srgan_cpp.h>
#include "models/hetsrwgan/het_residual_block.h"
#include "models/hetsrwgan/hetsrwgan_critic.h"
#include "models/hetsrwgan/hetsrwgan_generator.h"
#include "models/psrgan/psrgan_generator.h"
#include "models/srcnn/srcnn.h"
#include "nn/conv2d.h"
#include "nn/het_conv2d.h"
#include "nn/module.h"
#include "ops/gradient_cosine/gradient_cosine.h"
#include "ops/het_conv/het_conv.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"
#include "ops/ragan_loss/ragan_loss.h"
