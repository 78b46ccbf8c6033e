#include "cli/commands.h"

#include <string>
#include <vector>

int main(int argc, char** argv) {
  return hookgate::cli::run(std::vector<std::string>(argv + 1, argv + argc));
}
