// Sealed secrets as they come back from storage: arbitrary bytes never open
// (a forged or damaged value is refused, not crashed on), and any plaintext
// sealed under the ring opens again only under its own binding.

#include "core/secret_sealing.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace hookgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SecretKeyRing ring = SecretKeyRing::parse(
      "vRakbeZqJVTdnnvlRH4skLW9iN3pwTTVhURZ9adr5NM=, AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (ring.open(bytes, "endpoint_secrets.sealed_secret:we_1")) std::abort();  // a forgery opened
  (void)SecretKeyRing::key_id_of(bytes);

  auto sealed = ring.seal(bytes, "endpoint_secrets.sealed_secret:we_1");
  auto opened = ring.open(sealed, "endpoint_secrets.sealed_secret:we_1");
  if (!opened || *opened != bytes) std::abort();
  if (ring.open(sealed, "endpoint_secrets.sealed_secret:we_2")) std::abort();
  return 0;
}
