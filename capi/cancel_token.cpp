// The cancel token: an emopiano::CancelToken another thread may set while
// generation or training runs.
#include "cancel_token.hpp"

#include <new>

#include "capi_support.hpp"

using namespace emopiano::capi;

extern "C" {

int emopiano_cancel_token_new(emopiano_cancel_token** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    *out = new emopiano_cancel_token{};
  });
}

int emopiano_cancel_token_cancel(emopiano_cancel_token* token) {
  return guarded([&] {
    require(token, "token");
    token->token.cancel();
  });
}

int emopiano_cancel_token_reset(emopiano_cancel_token* token) {
  return guarded([&] {
    require(token, "token");
    token->token.reset();
  });
}

int emopiano_cancel_token_is_cancelled(int32_t* out_cancelled, const emopiano_cancel_token* token) {
  return guarded([&] {
    require(out_cancelled, "out_cancelled");
    require(token, "token");
    *out_cancelled = token->token.cancelled() ? 1 : 0;
  });
}

void emopiano_cancel_token_free(emopiano_cancel_token* token) { delete token; }

}  // extern "C"
