// main() of every integration test binary: installs the World (database and
// servers) as a GoogleTest environment, named after the binary.
#include <string>

#include <gtest/gtest.h>

#include "harness.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string name = argv[0];
  auto slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  signet::it::install_environment(name);
  return RUN_ALL_TESTS();
}
