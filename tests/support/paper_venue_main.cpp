// paper-venue: the paper-venue double as a process, for end-to-end tests of the tools. It serves
// on 127.0.0.1 (an ephemeral port), prints one line per endpoint on stdout ("name=url"), then
// "ready", and runs until SIGTERM or SIGINT, when it closes every connection and exits 0. The
// control endpoint (POST <control_url>/<switch>?...) scripts it while it runs; see
// paper_venue_control.cpp for the switches.
//
//   paper-venue [--tls CA_FILE] [--key KEY] [--secret SECRET] [--bars SYMBOL=CSV_FILE]...
//               [--play-ms N] [--text-frames] [--start RFC3339] [--cash AMOUNT]
//               [--account-number PA...] [--no-pdt-fields] [--auth-timeout-ms N]
//               [--symbol-limit N] [--no-sip] [--port N]
//
// --tls makes a test CA and a certificate for 127.0.0.1 at start-up and writes the CA
// certificate (PEM) to CA_FILE for the client to trust. A bad command line exits 2.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/paper_venue.hpp"
#include "support/tls_material.hpp"

namespace {

using trader::testing::PaperVenue;
using trader::testing::PaperVenueOptions;

struct Arguments {
  PaperVenueOptions options;
  std::string ca_file;
  std::vector<std::pair<std::string, std::string>> bars;  // symbol, file
  int play_ms = 0;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Arguments parse(int argc, char** argv) {
  Arguments args;
  args.options.control = true;
  const std::vector<std::string> words(argv + 1, argv + argc);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= words.size()) throw std::invalid_argument(word + " needs a value");
      return words[++i];
    };
    if (word == "--tls") {
      args.ca_file = value();
    } else if (word == "--key") {
      args.options.api_key = value();
    } else if (word == "--secret") {
      args.options.secret_key = value();
    } else if (word == "--bars") {
      const std::string& spec = value();
      const std::size_t equals = spec.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw std::invalid_argument("--bars wants SYMBOL=FILE, not '" + spec + "'");
      }
      args.bars.emplace_back(spec.substr(0, equals), spec.substr(equals + 1));
    } else if (word == "--play-ms") {
      args.play_ms = std::stoi(value());
    } else if (word == "--text-frames") {
      args.options.trade_frames = trader::testing::Frames::text;
    } else if (word == "--start") {
      args.options.start_time = trader::core::parse_timestamp(value());
    } else if (word == "--cash") {
      args.options.book.cash = trader::core::Decimal::parse(value());
    } else if (word == "--account-number") {
      args.options.book.account_number = value();
    } else if (word == "--no-pdt-fields") {
      args.options.book.legacy_account_fields = false;
    } else if (word == "--auth-timeout-ms") {
      args.options.data_auth_timeout = std::chrono::milliseconds(std::stoi(value()));
    } else if (word == "--symbol-limit") {
      args.options.symbol_limit = static_cast<std::size_t>(std::stoul(value()));
    } else if (word == "--port") {
      const int port = std::stoi(value());
      if (port < 0 || port > 65535) throw std::invalid_argument("--port wants 0..65535");
      args.options.port = static_cast<std::uint16_t>(port);
    } else if (word == "--no-sip") {
      args.options.sip_permitted = false;
    } else {
      throw std::invalid_argument("unknown argument '" + word + "'");
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Arguments args;
  std::vector<std::pair<std::string, std::vector<trader::testing::VenueBar>>> bars;
  try {
    args = parse(argc, argv);
    for (const auto& [symbol, file] : args.bars) {
      bars.emplace_back(symbol, trader::testing::bars_from_csv(read_text(file)));
    }
  } catch (const std::exception& error) {
    std::cerr << "paper-venue: " << error.what() << "\n";
    return 2;
  }
  try {
    if (!args.ca_file.empty()) {
      const trader::testing::TestCertificateAuthority authority("paper-venue test CA");
      args.options.tls = authority.issue({"127.0.0.1", "localhost"});
      std::ofstream out(args.ca_file, std::ios::binary | std::ios::trunc);
      out << authority.certificate_pem();
      if (!out.flush()) throw std::runtime_error("cannot write " + args.ca_file);
    }
    PaperVenue venue(args.options);
    for (auto& [symbol, symbol_bars] : bars) venue.add_bars(symbol, std::move(symbol_bars));
    if (args.play_ms > 0) venue.play(std::chrono::milliseconds(args.play_ms));
    std::printf("trading_url=%s\n", venue.base_url().c_str());
    std::printf("data_stream_url=%s\n", venue.data_stream_url("iex").c_str());
    std::printf("data_stream_sip_url=%s\n", venue.data_stream_url("sip").c_str());
    std::printf("trade_stream_url=%s\n", venue.trade_stream_url().c_str());
    std::printf("control_url=%s/_control\n", venue.base_url().c_str());
    std::printf("ready\n");
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop_signals, &received);
  } catch (const std::exception& error) {
    std::cerr << "paper-venue: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
