#include "core/error.h"

#include <gtest/gtest.h>

namespace hookgate {
namespace {

TEST(ErrorTest, ScopeRequiredIsForbiddenWithStripeShape) {
  ApiError error(Errc::scope_required, "Missing scope.", {{"required_scopes", {"store.orders:read"}}});
  auto body = error_body(error, "req_1");
  EXPECT_EQ(http_status(error.code()), 403);
  EXPECT_EQ(body["error"]["code"], "SCOPE_REQUIRED");
  EXPECT_EQ(body["error"]["type"], "permission_error");
  EXPECT_EQ(body["error"]["required_scopes"][0], "store.orders:read");
  EXPECT_EQ(body["error"]["request_id"], "req_1");
}

TEST(ErrorTest, EveryCodeHasAClientOrServerStatusAndAName) {
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    auto code = static_cast<Errc>(i);
    EXPECT_GE(http_status(code), 400) << i;
    EXPECT_LT(http_status(code), 600) << i;
    EXPECT_FALSE(error_code(code).empty()) << i;
  }
}

TEST(ErrorTest, ValidationHelpersNameTheParameter) {
  auto body = error_body(invalid_parameter("url", "bad"), "req_2");
  EXPECT_EQ(body["error"]["param"], "url");
  EXPECT_EQ(body["error"]["code"], "INVALID_PARAMETER");
  EXPECT_EQ(http_status(unknown_parameter("x").code()), 400);
}

}  // namespace
}  // namespace hookgate
