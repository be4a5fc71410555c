#pragma once
// Naming an options struct's arguments once, for the Python binding.
//
// A model's options struct (TORCH_ARG fields) ends with SRGAN_CPP_OPTIONS(field, ...),
// listing every field; that defines `fields(visit)`, which calls `visit("name", field)` for
// each. The generic binding (csrc/python/bind_module.h) uses it to build the options from
// Python keyword arguments - every argument required, so the defaults live in the Python
// class's signature only - and to report the C++ defaults (a test compares them with the
// Python ones). Up to 12 fields.
#define SRGAN_CPP_OPTION_VISIT_(name) visit(#name, this->name##_);
#define SRGAN_CPP_FE1_(m, a) m(a)
#define SRGAN_CPP_FE2_(m, a, ...) m(a) SRGAN_CPP_FE1_(m, __VA_ARGS__)
#define SRGAN_CPP_FE3_(m, a, ...) m(a) SRGAN_CPP_FE2_(m, __VA_ARGS__)
#define SRGAN_CPP_FE4_(m, a, ...) m(a) SRGAN_CPP_FE3_(m, __VA_ARGS__)
#define SRGAN_CPP_FE5_(m, a, ...) m(a) SRGAN_CPP_FE4_(m, __VA_ARGS__)
#define SRGAN_CPP_FE6_(m, a, ...) m(a) SRGAN_CPP_FE5_(m, __VA_ARGS__)
#define SRGAN_CPP_FE7_(m, a, ...) m(a) SRGAN_CPP_FE6_(m, __VA_ARGS__)
#define SRGAN_CPP_FE8_(m, a, ...) m(a) SRGAN_CPP_FE7_(m, __VA_ARGS__)
#define SRGAN_CPP_FE9_(m, a, ...) m(a) SRGAN_CPP_FE8_(m, __VA_ARGS__)
#define SRGAN_CPP_FE10_(m, a, ...) m(a) SRGAN_CPP_FE9_(m, __VA_ARGS__)
#define SRGAN_CPP_FE11_(m, a, ...) m(a) SRGAN_CPP_FE10_(m, __VA_ARGS__)
#define SRGAN_CPP_FE12_(m, a, ...) m(a) SRGAN_CPP_FE11_(m, __VA_ARGS__)
#define SRGAN_CPP_FE_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, name, ...) name
#define SRGAN_CPP_FOR_EACH_(m, ...)                                                                             \
  SRGAN_CPP_FE_PICK_(__VA_ARGS__, SRGAN_CPP_FE12_, SRGAN_CPP_FE11_, SRGAN_CPP_FE10_, SRGAN_CPP_FE9_, SRGAN_CPP_FE8_, \
                     SRGAN_CPP_FE7_, SRGAN_CPP_FE6_, SRGAN_CPP_FE5_, SRGAN_CPP_FE4_, SRGAN_CPP_FE3_, SRGAN_CPP_FE2_,  \
                     SRGAN_CPP_FE1_)                                                                            \
  (m, __VA_ARGS__)

#define SRGAN_CPP_OPTIONS(...)                                   \
 public:                                                         \
  template <typename Visitor>                                    \
  void fields(Visitor&& visit) {                                 \
    SRGAN_CPP_FOR_EACH_(SRGAN_CPP_OPTION_VISIT_, __VA_ARGS__)    \
  }                                                              \
  static_assert(true, "SRGAN_CPP_OPTIONS needs a semicolon")
