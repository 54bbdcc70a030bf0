#include "cli/alsa_midi_out.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"

#if defined(EMOPIANO_HAVE_ALSA)
#include <alsa/asoundlib.h>
#endif

namespace emopiano::cli {

#if defined(EMOPIANO_HAVE_ALSA)

struct AlsaMidiOut::Impl {
  snd_seq_t* seq = nullptr;
  int port = -1;
  int queue = -1;

  ~Impl() {
    if (seq) snd_seq_close(seq);
  }
  void check(int rc, const char* what) const {
    if (rc < 0) throw Error(ErrorCode::io, fmt::format("ALSA sequencer: {}: {}", what, snd_strerror(rc)));
  }
  void output(snd_seq_event_t& ev) {
    snd_seq_ev_set_source(&ev, port);
    snd_seq_ev_set_subs(&ev);
    check(snd_seq_event_output(seq, &ev), "sending an event");
  }
  void at(snd_seq_event_t& ev, double seconds) {
    snd_seq_real_time_t t;
    t.tv_sec = static_cast<unsigned>(seconds);
    t.tv_nsec = static_cast<unsigned>((seconds - static_cast<double>(t.tv_sec)) * 1e9);
    snd_seq_ev_schedule_real(&ev, queue, 0, &t);
  }
};

AlsaMidiOut::AlsaMidiOut(const std::string& destination) : impl_(std::make_unique<Impl>()) {
  Impl& a = *impl_;
  const int rc = snd_seq_open(&a.seq, "default", SND_SEQ_OPEN_OUTPUT, 0);
  if (rc < 0) {
    a.seq = nullptr;
    throw Error(ErrorCode::io, fmt::format("--alsa: this machine has no ALSA sequencer ({}; is /dev/snd/seq there "
                                           "and the snd-seq module loaded?)",
                                           snd_strerror(rc)));
  }
  snd_seq_set_client_name(a.seq, "emopiano");
  a.port = snd_seq_create_simple_port(a.seq, "emopiano live", SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ,
                                      SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_APPLICATION);
  a.check(a.port, "creating the port");
  if (!destination.empty()) {
    snd_seq_addr_t addr;
    a.check(snd_seq_parse_address(a.seq, &addr, destination.c_str()), ("finding " + destination).c_str());
    a.check(snd_seq_connect_to(a.seq, a.port, addr.client, addr.port), ("connecting to " + destination).c_str());
  }
  a.queue = snd_seq_alloc_named_queue(a.seq, "emopiano live");
  a.check(a.queue, "allocating a queue");
  a.check(snd_seq_start_queue(a.seq, a.queue, nullptr), "starting the queue");
  a.check(snd_seq_drain_output(a.seq), "starting the queue");
}

AlsaMidiOut::~AlsaMidiOut() = default;

void AlsaMidiOut::send(const std::vector<Note>& notes, const std::vector<PedalEvent>& pedal) {
  Impl& a = *impl_;
  for (const Note& n : notes) {
    snd_seq_event_t ev;
    snd_seq_ev_clear(&ev);
    snd_seq_ev_set_noteon(&ev, n.channel, n.pitch, n.velocity);
    a.at(ev, n.start_seconds);
    a.output(ev);
    snd_seq_ev_clear(&ev);
    snd_seq_ev_set_noteoff(&ev, n.channel, n.pitch, 0);
    a.at(ev, n.end_seconds);
    a.output(ev);
  }
  for (const PedalEvent& p : pedal) {
    snd_seq_event_t ev;
    snd_seq_ev_clear(&ev);
    snd_seq_ev_set_controller(&ev, 0, 64, p.value);
    a.at(ev, p.seconds);
    a.output(ev);
  }
  a.check(snd_seq_drain_output(a.seq), "sending events");
}

void AlsaMidiOut::all_notes_off() {
  Impl& a = *impl_;
  snd_seq_drop_output(a.seq);         // what was scheduled and not yet played
  for (int controller : {64, 123}) {  // pedal up, all notes off
    snd_seq_event_t ev;
    snd_seq_ev_clear(&ev);
    snd_seq_ev_set_controller(&ev, 0, controller, 0);
    snd_seq_ev_set_direct(&ev);
    snd_seq_ev_set_source(&ev, a.port);
    snd_seq_ev_set_subs(&ev);
    snd_seq_event_output_direct(a.seq, &ev);
  }
}

std::string AlsaMidiOut::port_name() const { return fmt::format("{}:{}", snd_seq_client_id(impl_->seq), impl_->port); }

#else

struct AlsaMidiOut::Impl {};

AlsaMidiOut::AlsaMidiOut(const std::string&) {
  throw Error(ErrorCode::unsupported,
              "--alsa: this emopiano was built without ALSA (install libasound2-dev and build again)");
}
AlsaMidiOut::~AlsaMidiOut() = default;
void AlsaMidiOut::send(const std::vector<Note>&, const std::vector<PedalEvent>&) {}
void AlsaMidiOut::all_notes_off() {}
std::string AlsaMidiOut::port_name() const { return {}; }

#endif

}  // namespace emopiano::cli
