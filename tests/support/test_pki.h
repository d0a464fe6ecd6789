// Certificates made at test time with the openssl CLI (header only): a CA, and certificates it
// signs, as the files `DIR/NAME.crt` and `DIR/NAME.key` (EC P-256, valid two days).
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace outpost::testing {

class TestPki {
 public:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
  static bool have_openssl() { return std::system("command -v openssl > /dev/null 2>&1") == 0; }

  bool make_ca(const std::string& name) const {
    return run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
               " -subj /CN=" + name + " -keyout " + dir_ + "/" + name + ".key -out " + dir_ +
               "/" + name + ".crt");
  }
  // `extension`: an X.509 v3 extension line ("subjectAltName=IP:127.0.0.1"), or empty.
  // `common_name`: the subject's CN when it is not `name`.
  bool make_cert(const std::string& ca, const std::string& name, const std::string& extension,
                 const std::string& common_name = "") const {
    const std::string d = dir_ + "/";
    std::ofstream(d + name + ".ext") << extension << "\n";
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" +
               (common_name.empty() ? name : common_name) + " -keyout " + d + name + ".key -out " +
               d + name + ".csr") &&
           run("openssl x509 -req -days 2 -in " + d + name + ".csr -CA " + d + ca + ".crt -CAkey " +
               d + ca + ".key -CAcreateserial -out " + d + name + ".crt" +
               (extension.empty() ? "" : " -extfile " + d + name + ".ext"));
  }
  std::string crt(const std::string& name) const { return dir_ + "/" + name + ".crt"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  static bool run(const std::string& command) {
    return std::system((command + " > /dev/null 2>&1").c_str()) == 0;
  }
  std::string dir_;
};

}  // namespace outpost::testing
