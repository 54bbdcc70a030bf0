// The private half of a pimpl class of the public API (Model, Sampler,
// EmotionClassifier, EmotionVae), for the library's own code and its tests.
// Public headers only befriend ImplAccess and never hand out Impl&, so
// programs using the installed headers cannot reach it.
#pragma once

namespace emopiano {
namespace detail {

struct ImplAccess {
  template <class Public>
  static auto& of(const Public& object) {
    return *object.impl_;
  }
};

}  // namespace detail

// impl_of(model).net, impl_of(sampler).observer, ...
template <class Public>
auto& impl_of(const Public& object) {
  return detail::ImplAccess::of(object);
}

}  // namespace emopiano
