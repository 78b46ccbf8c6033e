#pragma once
// Thin wrappers over OpenSSL for the few primitives hookgate needs.

#include <string>
#include <string_view>
#include <vector>

namespace hookgate::crypto {

std::vector<unsigned char> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
std::vector<unsigned char> hmac_sha256(const std::vector<unsigned char>& key, std::string_view data);

std::string base64_encode(const std::vector<unsigned char>& data);
// Returns false on any character outside the standard alphabet or bad padding.
bool base64_decode(std::string_view text, std::vector<unsigned char>& out);
// RFC 4648 §5 alphabet without padding: safe in URLs and headers.
std::string base64url_encode(const std::vector<unsigned char>& data);
std::string hex_encode(const std::vector<unsigned char>& data);
// Lower- or upper-case digits, two per byte; returns false on anything else.
bool hex_decode(std::string_view text, std::string& out);

// Compares in time that depends only on the lengths, never on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace hookgate::crypto
