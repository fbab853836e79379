#include <trader/runtime/live_bar_feed.hpp>

#include <optional>

#include <trader/log/log.hpp>

namespace trader::runtime {

namespace {

class LiveBarFeed final : public BarFeed {
 public:
  LiveBarFeed(boost::asio::io_context& io, alpaca::MarketDataStreamOptions options,
              const data::SymbolTable& symbols, Clock& clock)
      : io_(io), options_(std::move(options)), symbols_(symbols), clock_(clock) {
    options_.symbols.clear();
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      options_.symbols.push_back(symbols_.name(data::SymbolId{static_cast<std::uint32_t>(i)}));
    }
    // An id no bar can carry marks a symbol outside the table.
    options_.symbol_id = [this](std::string_view symbol) {
      return symbols_.find(symbol).value_or(kUnknown);
    };
    if (options_.timers == nullptr) options_.timers = &clock_.timers();
  }
  ~LiveBarFeed() override { LiveBarFeed::stop(); }
  LiveBarFeed(const LiveBarFeed&) = delete;
  LiveBarFeed& operator=(const LiveBarFeed&) = delete;

  void start(std::function<void(const data::Bar& bar, bool updated)> on_bar,
             std::function<void()> /*on_end: a live feed never ends*/) override {
    on_bar_ = std::move(on_bar);
    stream_.emplace(io_, options_,
                    [this](std::string_view symbol, const data::Bar& bar, bool updated) {
                      last_message_ = clock_.now();
                      if (bar.symbol == kUnknown) {
                        log::warning("unknown_symbol_bar", {{"symbol", std::string(symbol)}});
                        return;
                      }
                      if (on_bar_) on_bar_(bar, updated);
                    });
    stream_->start();
  }

  void stop() override {
    on_bar_ = nullptr;
    if (stream_) {
      stream_->stop();
      fatal_ = stream_->fatal_error();
      subscriptions_ += stream_->subscriptions();
      stream_.reset();
    }
  }

  [[nodiscard]] FeedHealth health() const override {
    FeedHealth h;
    h.last_message = last_message_;
    if (stream_) {
      h.connected = stream_->subscribed();
      const int subscriptions = subscriptions_ + stream_->subscriptions();
      h.reconnects = subscriptions > 0 ? subscriptions - 1 : 0;
      h.fatal_error = stream_->fatal_error();
    } else {
      h.reconnects = subscriptions_ > 0 ? subscriptions_ - 1 : 0;
      h.fatal_error = fatal_;
    }
    return h;
  }

 private:
  static constexpr data::SymbolId kUnknown{0xFFFF'FFFFU};
  boost::asio::io_context& io_;
  alpaca::MarketDataStreamOptions options_;
  const data::SymbolTable& symbols_;
  Clock& clock_;
  std::function<void(const data::Bar&, bool)> on_bar_;
  std::optional<alpaca::MarketDataStream> stream_;
  core::Timestamp last_message_{};
  int subscriptions_ = 0;
  std::string fatal_;
};

}  // namespace

std::unique_ptr<BarFeed> live_bar_feed(boost::asio::io_context& io,
                                       alpaca::MarketDataStreamOptions options,
                                       const data::SymbolTable& symbols, Clock& clock) {
  return std::make_unique<LiveBarFeed>(io, std::move(options), symbols, clock);
}

}  // namespace trader::runtime
