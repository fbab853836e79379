// Boost.Asio and its SSL support, compiled once for the whole library
// (BOOST_ASIO_SEPARATE_COMPILATION): every other file then compiles only declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
