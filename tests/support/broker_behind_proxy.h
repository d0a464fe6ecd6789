// The fleet's side of the uplink fault tests (header only): a persistent mosquitto, which keeps
// its sessions and queues across a stop and a start as a production broker does, and a TCP proxy
// in front of it that the test can cut, each on a free loopback port.
#pragma once

#include <memory>
#include <string>

#include "support/child_process.h"
#include "support/mqtt_test_broker.h"
#include "support/tcp_proxy.h"

namespace outpost::testing {

struct BrokerBehindProxy {
  explicit BrokerBehindProxy(const std::string& dir)
      : broker_port(free_tcp_port()),
        proxy_port(free_tcp_port()),
        broker(std::make_unique<MosquittoBroker>(dir, broker_port, "allow_anonymous true\n", true)),
        proxy(std::make_unique<TcpProxy>(proxy_port, broker_port)) {}

  // Where an agent connects: through the proxy.
  std::string proxied_uri() const { return "tcp://127.0.0.1:" + std::to_string(proxy_port); }

  int broker_port, proxy_port;
  std::unique_ptr<MosquittoBroker> broker;
  std::unique_ptr<TcpProxy> proxy;  // destroyed first
};

}  // namespace outpost::testing
