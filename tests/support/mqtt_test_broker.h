// A real MQTT broker and subscriber for tests (header only: the minimal build, which has no
// Paho, compiles no test that includes it). MosquittoBroker runs Debian's mosquitto on a loopback
// port the test chose; MqttSubscriber subscribes to outpost/v1/# in a process of its own.
#pragma once

#include <MQTTClient.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentd/paho_support.h"

namespace outpost::testing {

inline bool port_open(int port) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(s);
  return ok;
}

// The next line a child process wrote to `fd` within `seconds` (`buffer` keeps what was read
// past it); false when none came or the pipe closed.
inline bool read_line(int fd, std::string& buffer, double seconds, std::string* line) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  for (;;) {
    const size_t end = buffer.find('\n');
    if (end != std::string::npos) {
      *line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (fd < 0 || left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// mosquitto on 127.0.0.1:port, anonymous, no persistence: a process this test starts and kills.
class MosquittoBroker {
 public:
  // `settings`: the listener's configuration after its `listener` line (anonymous by default).
  // `persistent`: the broker keeps its sessions and their queued messages in DIR/mosquitto.db
  // across a stop (SIGTERM) and a start, as a production broker does.
  MosquittoBroker(std::string dir, int port, const std::string& settings = "allow_anonymous true\n",
                  bool persistent = false)
      : dir_(std::move(dir)), port_(port) {
    // Started as root, mosquitto would switch to its own user, who cannot read this test's
    // private directory (the keys): it stays the user running the test.
    const passwd* me = getpwuid(getuid());
    std::ofstream(dir_ + "/mosquitto.conf") << "user " << (me != nullptr ? me->pw_name : "root")
                                            << "\nlistener " << port_ << " 127.0.0.1\n"
                                            << settings
                                            // PUBACKs at once, not held by Nagle's algorithm
                                            // (docs/mqtt.md, "Brokers")
                                            << "set_tcp_nodelay true\n";
    if (persistent)  // no limit on what waits for a persistent subscriber that is away
      std::ofstream(dir_ + "/mosquitto.conf", std::ios::app)
          << "persistence true\npersistence_location " << dir_ << "/\nmax_queued_messages 0\n";
    else
      std::ofstream(dir_ + "/mosquitto.conf", std::ios::app) << "persistence false\n";
  }
  ~MosquittoBroker() { stop(); }
  bool start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string conf = dir_ + "/mosquitto.conf";
      const std::string log = dir_ + "/mosquitto.log";
      freopen(log.c_str(), "a", stderr);
      freopen(log.c_str(), "a", stdout);
      execlp("mosquitto", "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (port_open(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }
  std::string uri(const char* scheme = "tcp") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

inline bool have_mosquitto() { return std::system("command -v mosquitto > /dev/null 2>&1") == 0; }

// A subscriber to the device's topics in a process of its own (Paho's synchronous clients in
// two threads of one process read each other's acknowledgements), forked before the test starts
// any thread: it connects as soon as the broker is there, writes "ready" once subscribed, then
// one line per message, "TOPIC PAYLOAD".
class MqttSubscriber {
 public:
  // With `tls` (CA, certificate, key), it connects over TLS as that certificate's owner.
  // `persistent`: a persistent session (clean session off) under a fixed client id, so that
  // what the broker queued for it while it was away (the broker restarted) still comes.
  explicit MqttSubscriber(const std::string& uri, std::vector<std::string> tls = {},
                          bool persistent = false)
      : tls_(std::move(tls)), persistent_(persistent) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      serve(uri, fds[1], tls_, persistent_);
      _exit(0);
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  ~MqttSubscriber() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  // Waits up to `seconds` for the subscription.
  bool ready(double seconds) {
    std::string line;
    return next_line(seconds, &line) && line == "ready";
  }
  // Receives until `count` messages arrived or `seconds` passed.
  std::vector<std::pair<std::string, nlohmann::json>> receive(size_t count, double seconds) {
    std::vector<std::pair<std::string, nlohmann::json>> got;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    std::string line;
    while (got.size() < count && next_line(std::chrono::duration<double>(until - std::chrono::steady_clock::now()).count(), &line)) {
      if (line == "ready") continue;  // subscribed again after a reconnect
      const size_t space = line.find(' ');
      got.push_back({line.substr(0, space), nlohmann::json::parse(line.substr(space + 1))});
    }
    return got;
  }

 private:
  static void serve(const std::string& uri, int fd, const std::vector<std::string>& tls,
                    bool persistent) {
    MQTTClient client = nullptr;
    MQTTClient_create(&client, uri.c_str(), persistent ? "test-fleet" : "test-subscriber",
                      MQTTCLIENT_PERSISTENCE_NONE, nullptr);
    for (;;) {
      MQTTClient_connectOptions o = MQTTClient_connectOptions_initializer;
      o.cleansession = persistent ? 0 : 1;
      o.connectTimeout = 1;
      MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
      if (tls.size() == 3) {
        ssl.trustStore = tls[0].c_str();
        ssl.keyStore = tls[1].c_str();
        ssl.privateKey = tls[2].c_str();
        ssl.verify = 1;
        o.ssl = &ssl;
      }
      if (MQTTClient_connect(client, &o) != MQTTCLIENT_SUCCESS ||
          MQTTClient_subscribe(client, "outpost/v1/#", 1) != MQTTCLIENT_SUCCESS) {
        usleep(20'000);
        continue;
      }
      (void)!write(fd, "ready\n", 6);
      while (MQTTClient_isConnected(client)) {
        char* topic = nullptr;
        int topic_len = 0;
        MQTTClient_message* m = nullptr;
        if (MQTTClient_receive(client, &topic, &topic_len, &m, 100) != MQTTCLIENT_SUCCESS) break;
        if (m == nullptr) continue;
        std::string line = std::string(topic) + " " +
                           std::string(static_cast<char*>(m->payload), static_cast<size_t>(m->payloadlen)) +
                           "\n";
        (void)!write(fd, line.data(), line.size());
        MQTTClient_freeMessage(&m);
        MQTTClient_free(topic);
      }
    }
  }
  bool next_line(double seconds, std::string* line) { return read_line(fd_, buffer_, seconds, line); }

  std::vector<std::string> tls_;
  bool persistent_ = false;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

// Publishes `payload` on `topic`, retained, at QoS 1, from a child process (so that this
// process holds no Paho client beside the code under test); true once the broker took it.
inline bool publish_retained(const std::string& uri, const std::string& topic,
                             const std::string& payload) {
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    MQTTClient client = nullptr;
    MQTTClient_create(&client, uri.c_str(), "test-publisher", MQTTCLIENT_PERSISTENCE_NONE, nullptr);
    MQTTClient_connectOptions o = MQTTClient_connectOptions_initializer;
    o.connectTimeout = 5;
    if (MQTTClient_connect(client, &o) != MQTTCLIENT_SUCCESS) _exit(3);
    MQTTClient_deliveryToken token = 0;
    const int rc = MQTTClient_publish(client, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), 1, 1, &token);
    const bool ok = rc == MQTTCLIENT_SUCCESS &&
                    MQTTClient_waitForCompletion(client, token, 5000) == MQTTCLIENT_SUCCESS;
    MQTTClient_disconnect(client, 1000);
    _exit(ok ? 0 : 4);
  }
  int status = 0;
  return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A child device of an edge gateway (docs/gateway.md) in a process of its own, forked before
// the test starts threads: it connects with its user name and password, subscribes to
// `subscriptions`, then publishes `count` events {"seq": i, "child": ID} on `topic` (default
// outpost/v1/ID/events) at QoS 1, `per_second`, each acknowledged before the next is due. It
// writes "ready" once subscribed, "message TOPIC PAYLOAD" for each message it receives, "sent N"
// once all were acknowledged, "refused RC" when the broker refuses it, "lost" when its
// connection drops.
class MqttChildDevice {
 public:
  struct Options {
    std::string uri, id, password;
    std::vector<std::string> subscriptions;
    int count = 0;
    int per_second = 50;
    std::string topic;
    std::string ca_file;  // an ssl:// broker: the CA that signed its certificate
  };
  explicit MqttChildDevice(Options o) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      serve(o, fds[1]);
      _exit(0);
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  ~MqttChildDevice() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  // The next line starting with `prefix` within `seconds` (lines before it are kept in lines()).
  std::optional<std::string> wait_for(const std::string& prefix, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    std::string line;
    while (read_line(fd_, buffer_, std::chrono::duration<double>(until - std::chrono::steady_clock::now()).count(), &line)) {
      lines_.push_back(line);
      if (line.rfind(prefix, 0) == 0) return line;
    }
    return std::nullopt;
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  static void say(int fd, const std::string& line) {
    const std::string l = line + "\n";
    (void)!write(fd, l.data(), l.size());
  }
  static void serve(const Options& o, int fd) {
    MQTTClient client = nullptr;
    MQTTClient_create(&client, o.uri.c_str(), o.id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr);
    MQTTClient_connectOptions c = MQTTClient_connectOptions_initializer;
    c.cleansession = 1;
    c.connectTimeout = 5;
    c.username = o.id.c_str();
    c.password = o.password.c_str();
    MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
    if (!o.ca_file.empty()) {
      ssl.trustStore = o.ca_file.c_str();
      ssl.verify = 1;
      ssl.enableServerCertAuth = 1;
      c.ssl = &ssl;
    }
    int rc = MQTTCLIENT_FAILURE;
    for (int attempt = 0; attempt < 250; ++attempt) {  // the broker may still be starting
      rc = MQTTClient_connect(client, &c);
      if (rc == MQTTCLIENT_SUCCESS || rc == 4 || rc == 5) break;  // 4, 5: refused credentials
      usleep(20'000);
    }
    if (rc != MQTTCLIENT_SUCCESS) {
      say(fd, "refused " + std::to_string(rc));
      return;
    }
    for (const std::string& t : o.subscriptions) MQTTClient_subscribe(client, t.c_str(), 1);
    say(fd, "ready");
    auto take = [&](unsigned long timeout_ms) {
      std::optional<agentd::PahoMessage> m;
      const bool alive = agentd::receive_message(client, timeout_ms, &m);
      if (m) say(fd, "message " + m->topic + " " + m->payload);
      return alive;
    };
    const std::string topic = o.topic.empty() ? "outpost/v1/" + o.id + "/events" : o.topic;
    const auto start = std::chrono::steady_clock::now();
    for (int seq = 0; seq < o.count; ++seq) {
      const std::string body = nlohmann::json{{"seq", seq}, {"child", o.id}}.dump();
      MQTTClient_deliveryToken token = 0;
      if (MQTTClient_publish(client, topic.c_str(), static_cast<int>(body.size()), body.data(), 1,
                             0, &token) != MQTTCLIENT_SUCCESS) {
        say(fd, "lost");
        return;
      }
      while (!agentd::delivery_complete(client, token))
        if (!take(2)) {
          say(fd, "lost");
          return;
        }
      std::this_thread::sleep_until(start + std::chrono::microseconds((seq + 1) * 1'000'000 / o.per_second));
    }
    say(fd, "sent " + std::to_string(o.count));
    while (take(100)) {
    }
    say(fd, "lost");
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

// A mosquitto_passwd file at `path` with a line for each (user, password).
inline bool make_password_file(const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& users) {
  std::ofstream(path).close();
  for (const auto& [user, password] : users)
    if (std::system(("mosquitto_passwd -b '" + path + "' '" + user + "' '" + password + "'").c_str()) != 0)
      return false;
  return true;
}

}  // namespace outpost::testing
