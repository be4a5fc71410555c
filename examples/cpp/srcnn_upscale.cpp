// Runs srgan_cpp's SRCNN and pixel-shuffle op from a plain LibTorch program.
//
// usage: srcnn_upscale WEIGHTS.pt OUTPUT.pt
//   WEIGHTS.pt: srgan_cpp.models.save_state_dict(SRCNN(in_channels=1), path) (9-5-5, 64/32)
//   OUTPUT.pt:  a tuple (input, output, shuffle_grad) readable by torch.load(weights_only=True)
// It upsamples a synthetic 1x1x24x24 image pattern with the model, and checks that the
// pixel_shuffle op's autograd works from C++.
#include <srgan_cpp/srgan_cpp.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " WEIGHTS.pt OUTPUT.pt\n";
    return 2;
  }
  try {
    srgan_cpp::models::SRCNN model(srgan_cpp::models::SRCNNOptions().in_channels(1));
    srgan_cpp::nn::load_state_dict(*model, argv[1]);
    model->eval();

    // A smooth deterministic test pattern in [0, 1].
    auto coords = torch::linspace(0, 3.14159, 24, torch::kFloat);
    auto input = (torch::sin(coords).unsqueeze(1) * torch::cos(coords).unsqueeze(0) * 0.5 + 0.5).view({1, 1, 24, 24});
    torch::Tensor output;
    {
      torch::NoGradGuard no_grad;
      output = model->forward(input);
    }

    // The op's autograd from C++: d/dx sum(pixel_shuffle(x) * w) = pixel_unshuffle(w).
    auto x = torch::arange(16, torch::kFloat).view({1, 4, 2, 2}).requires_grad_(true);
    auto w = torch::arange(16, torch::kFloat).view({1, 1, 4, 4});
    (srgan_cpp::ops::pixel_shuffle(x, 2) * w).sum().backward();

    // A plain tuple: typed containers would carry JIT type tags that torch.load's
    // weights_only unpickler (rightly) refuses.
    const auto result = c10::ivalue::Tuple::create({input, output, x.grad()});
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(result));
    std::ofstream(argv[2], std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout << "srcnn_upscale: output " << output.sizes() << " mean " << output.mean().item<double>() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "srcnn_upscale: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
