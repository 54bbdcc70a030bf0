#include "train/distributed_process_group.hpp"

// ProcessGroupGloo.hpp declares its class only when LibTorch was built with
// Gloo, which Debian's is (libtorch_cpu.so exports it). The macro is set here,
// in the one file that includes the header, so nothing else changes.
#if !__has_include(<gloo/config.h>)
#error "LibTorch's Gloo process group needs the Gloo headers: install Debian's libgloo-dev (setup.sh does)"
#endif
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::train {

namespace {

using Milliseconds = std::chrono::milliseconds;

Milliseconds to_milliseconds(double seconds) { return Milliseconds(static_cast<int64_t>(seconds * 1000.0 + 0.5)); }

// The first line of a c10 or Gloo message, without LibTorch's C++ backtrace.
std::string reason_of(const std::exception& e) {
  std::string text;
  if (auto* c10_error = dynamic_cast<const c10::Error*>(&e))
    text = c10_error->what_without_backtrace();
  else
    text = e.what();
  if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

}  // namespace

struct ProcessGroup::Impl {
  DistributedConfig config;
  c10::intrusive_ptr<c10d::TCPStore> tcp_store;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  std::string description;

  [[noreturn]] void fail(const std::string& what, const std::exception& e) const {
    throw Error(ErrorCode::io,
                fmt::format("distributed training, {}: {} failed: {}. Another rank has probably stopped "
                            "(crashed, was killed or lost the network); ranks wait at most {} s for each other",
                            description, what, reason_of(e), config.timeout_seconds));
  }

  void open_store() {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(config.master_port);
    options.isServer = config.rank == 0;
    options.waitWorkers = false;  // the wait below names the ranks that are missing
    options.timeout = to_milliseconds(config.timeout_seconds);
    try {
      tcp_store = c10::make_intrusive<c10d::TCPStore>(config.master_addr, options);
    } catch (const std::exception& e) {
      if (config.rank == 0)
        throw Error(ErrorCode::io,
                    fmt::format("distributed training, {}: cannot open the rendezvous store on port {}: {} "
                                "(is another run using the port? choose another --master-port)",
                                description, config.master_port, reason_of(e)));
      throw Error(
          ErrorCode::io,
          fmt::format("distributed training, {}: cannot reach rank 0's rendezvous store at {}:{} within "
                      "{} s: {} (is rank 0 running, and is the address reachable from this host?)",
                      description, config.master_addr, config.master_port, config.timeout_seconds, reason_of(e)));
    }
    store = c10::make_intrusive<c10d::PrefixStore>("emopiano", tcp_store);
  }

  // Every rank announces itself, then waits until all have: a rank that is
  // late is named in the error, which TCPStore's own wait cannot do.
  void rendezvous() {
    const std::string me = fmt::format("{} {} {}", config.world_size, host_name(), static_cast<long>(getpid()));
    std::vector<std::string> keys;
    try {
      if (store->add(fmt::format("claim/{}", config.rank), 1) > 1)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("distributed training, {}: another process already joined as rank {} "
                                "(give every process its own --rank)",
                                description, config.rank));
      store->set(fmt::format("join/{}", config.rank), std::vector<uint8_t>(me.begin(), me.end()));
      for (int r = 0; r < config.world_size; ++r) keys.push_back(fmt::format("join/{}", r));
      const auto deadline = std::chrono::steady_clock::now() + to_milliseconds(config.timeout_seconds);
      while (!store->check(keys)) {
        if (std::chrono::steady_clock::now() >= deadline) {
          std::string missing;
          for (int r = 0; r < config.world_size; ++r)
            if (!store->check({keys[static_cast<size_t>(r)]}))
              missing += (missing.empty() ? "" : ", ") + std::to_string(r);
          throw Error(ErrorCode::io,
                      fmt::format("distributed training, {}: rank(s) {} did not join within {} s "
                                  "(are all {} processes started, with the same --master-addr and --master-port?)",
                                  description, missing, config.timeout_seconds, config.world_size));
        }
        std::this_thread::sleep_for(Milliseconds(20));
      }
      // All ranks must agree on the world size, or the mesh would wait forever.
      for (int r = 0; r < config.world_size; ++r) {
        const auto v = store->get(keys[static_cast<size_t>(r)]);
        std::istringstream in(std::string(v.begin(), v.end()));
        int their_world = 0;
        std::string their_host;
        long their_pid = 0;
        in >> their_world >> their_host >> their_pid;
        if (their_world != config.world_size)
          throw Error(ErrorCode::invalid_argument,
                      fmt::format("distributed training, {}: rank {} (host {}, pid {}) was started with world "
                                  "size {}, this rank with {}",
                                  description, r, their_host, their_pid, their_world, config.world_size));
      }
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail("the rendezvous", e);
    }
  }

  void connect_gloo() {
    auto options = c10d::ProcessGroupGloo::Options::create(to_milliseconds(config.timeout_seconds));
    std::string interface = config.interface;
    if (interface.empty())
      if (const char* v = std::getenv("GLOO_SOCKET_IFNAME"); v && *v) interface = v;
    try {
      if (!interface.empty())
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
      else if (is_loopback(config.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    } catch (const std::exception& e) {
      throw Error(ErrorCode::io,
                  fmt::format("distributed training, {}: no network device for Gloo{}: {}", description,
                              interface.empty() ? "" : fmt::format(" on interface \"{}\"", interface), reason_of(e)));
    }
    // One worker thread: the collectives run one after another in the order
    // they are started, and the cores stay with the model.
    options->threads = 1;
    try {
      gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, config.rank, config.world_size, options);
    } catch (const std::exception& e) {
      fail("connecting the Gloo mesh", e);
    }
  }
};

struct ProcessGroup::Pending::State {
  c10::intrusive_ptr<c10d::Work> work;
  const Impl* group = nullptr;
  std::string what;
};

ProcessGroup::Pending::Pending() = default;
ProcessGroup::Pending::~Pending() = default;
ProcessGroup::Pending::Pending(Pending&&) noexcept = default;
ProcessGroup::Pending& ProcessGroup::Pending::operator=(Pending&&) noexcept = default;
bool ProcessGroup::Pending::valid() const { return state_ != nullptr; }

void ProcessGroup::Pending::wait() {
  if (!state_) return;
  auto state = std::move(state_);
  try {
    state->work->wait();
  } catch (const std::exception& e) {
    state->group->fail(state->what, e);
  }
}

ProcessGroup::ProcessGroup(const DistributedConfig& config) : impl_(std::make_unique<Impl>()) {
  config.validate();
  impl_->config = config;
  impl_->description = fmt::format("rank {} of {} (rendezvous {}:{})", config.rank, config.world_size,
                                   config.master_addr, config.master_port);
  impl_->open_store();
  impl_->rendezvous();
  impl_->connect_gloo();
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const { return impl_->config.rank; }
int ProcessGroup::world_size() const { return impl_->config.world_size; }
const DistributedConfig& ProcessGroup::config() const { return impl_->config; }
std::string ProcessGroup::describe() const { return impl_->description; }

ProcessGroup::Pending ProcessGroup::allreduce_sum_async(torch::Tensor tensor, const char* what) {
  Pending p;
  p.state_ = std::make_unique<Pending::State>();
  p.state_->group = impl_.get();
  p.state_->what = what;
  std::vector<torch::Tensor> tensors{std::move(tensor)};
  try {
    p.state_->work = impl_->gloo->allreduce(tensors);
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
  return p;
}

void ProcessGroup::allreduce_sum(torch::Tensor tensor, const char* what) {
  allreduce_sum_async(std::move(tensor), what).wait();
}

void ProcessGroup::allreduce_max(torch::Tensor tensor, const char* what) {
  std::vector<torch::Tensor> tensors{std::move(tensor)};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  try {
    impl_->gloo->allreduce(tensors, options)->wait();
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
}

void ProcessGroup::broadcast(std::vector<torch::Tensor> tensors, int root, const char* what) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  try {
    // One tensor per call: Gloo's broadcast takes one per device.
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t};
      works.push_back(impl_->gloo->broadcast(one, options));
    }
    for (auto& w : works) w->wait();
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
}

}  // namespace emopiano::train
