// The services' refusals that are decided before storage: rules 1 and the
// URL policy on create, the recover window, list filters. The pool points
// nowhere, so a refusal that reached storage would come back as
// db::Unavailable instead of the ApiError asserted here.

#include "services/delivery_service.h"
#include "services/endpoint_service.h"
#include "support/fakes/fixed_random.h"
#include "support/fakes/manual_clock.h"

#include <gtest/gtest.h>

#include <functional>

namespace hookgate {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const Catalogue> catalogue() {
  return std::make_shared<const Catalogue>(
      std::vector<ScopeDefinition>{{"store.orders:read", "", false},
                                   {"pay.intents:read", "", false},
                                   {"webhooks.endpoints:manage", "", false}},
      std::map<std::string, std::vector<std::string>>{},
      std::vector<EventTypeDefinition>{{"order.accepted", "store.orders:read", ""},
                                       {"order.created", "store.orders:read", ""},
                                       {"payment_intent.created", "pay.intents:read", ""}});
}

Principal caller(ScopeSet scopes) {
  return {ApiKeyId::from_trusted("key_svc"), AccountId::from_trusted("acct_svc"), KeyKind::secret, std::move(scopes)};
}

// The error a call throws; fails the test when it throws something else or nothing.
ApiError refusal_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const ApiError& error) {
    return error;
  } catch (const std::exception& other) {
    ADD_FAILURE() << "expected an ApiError, got: " << other.what();
  }
  ADD_FAILURE() << "expected an ApiError, nothing was thrown";
  return ApiError(Errc::internal, "none");
}

class ServiceRulesTest : public ::testing::Test {
 protected:
  EndpointCreate create_request(std::vector<std::string> events) {
    return {"https://receiver.example.com/hooks", "", {}, std::move(events)};
  }

  testing::ManualClock clock_;
  testing::FixedRandom random_;
  CatalogueStore catalogue_{catalogue()};
  SecretKeyRing no_keys_;
  db::ConnectionPool unreachable_{"postgresql://unused.invalid/none", 1, 10ms};
  db::ReadRouter reads_{unreachable_};
  EndpointService endpoints_{unreachable_, reads_, catalogue_, random_, no_keys_, UrlPolicy{}, EndpointLimits{}};
  DeliveryService deliveries_{unreachable_, reads_, catalogue_, random_, clock_, std::chrono::hours(24)};
};

TEST_F(ServiceRulesTest, Rule1NamesEveryMissingReadScopeAtOnce) {
  auto error = refusal_of([&] {
    endpoints_.create(caller({"webhooks.endpoints:manage"}), create_request({"order.*", "payment_intent.created"}));
  });
  EXPECT_EQ(error.code(), Errc::scope_required);
  EXPECT_EQ(error.details()["required_scopes"], nlohmann::json::array({"pay.intents:read", "store.orders:read"}));
}

TEST_F(ServiceRulesTest, AnUnknownEventTypeIsRefusedNamingItsIndex) {
  auto error = refusal_of([&] {
    endpoints_.create(caller({"store.orders:read"}), create_request({"order.accepted", "order.shipped"}));
  });
  EXPECT_EQ(error.code(), Errc::invalid_parameter);
  EXPECT_EQ(error.details()["param"], "enabled_events[1]");
}

TEST_F(ServiceRulesTest, APlainHttpUrlIsRefusedUnlessTheOperatorAllowsIt) {
  auto request = create_request({"order.accepted"});
  request.url = "http://receiver.example.com/hooks";
  auto error = refusal_of([&] { endpoints_.create(caller({"store.orders:read"}), request); });
  EXPECT_EQ(error.code(), Errc::invalid_parameter);
  EXPECT_EQ(error.details()["param"], "url");
}

TEST_F(ServiceRulesTest, ADescriptionOverTheLimitIsRefused) {
  auto request = create_request({"order.accepted"});
  request.description = std::string(EndpointLimits{}.max_description_length + 1, 'x');
  auto error = refusal_of([&] { endpoints_.create(caller({"store.orders:read"}), request); });
  EXPECT_EQ(error.code(), Errc::invalid_parameter);
  EXPECT_EQ(error.details()["param"], "description");
}

TEST_F(ServiceRulesTest, RecoverStaysInsideItsWindowAndNeverReachesTheFuture) {
  auto endpoint = EndpointId::from_trusted("we_svc");
  auto now = clock_.now();
  auto since_after_until = refusal_of([&] { deliveries_.recover(caller({}), endpoint, {now - 1h, now - 2h}); });
  EXPECT_EQ(since_after_until.details()["param"], "since");
  auto future = refusal_of([&] { deliveries_.recover(caller({}), endpoint, {now - 1h, now + 1min}); });
  EXPECT_EQ(future.details()["param"], "until");
  auto too_old = refusal_of([&] { deliveries_.recover(caller({}), endpoint, {now - 25h, std::nullopt}); });
  EXPECT_EQ(too_old.code(), Errc::invalid_parameter);
  EXPECT_EQ(too_old.details()["param"], "since");
}

TEST_F(ServiceRulesTest, ListingDeliveriesChecksItsFiltersFirst) {
  DeliveryFilter unknown_type;
  unknown_type.event_type = "order.shipped";
  auto error = refusal_of([&] { deliveries_.list(caller({}), unknown_type, PageRequest{}); });
  EXPECT_EQ(error.details()["param"], "event_type");

  DeliveryFilter reversed;
  reversed.created_gte = clock_.now();
  reversed.created_lte = clock_.now() - 1s;
  auto backwards = refusal_of([&] { deliveries_.list(caller({}), reversed, PageRequest{}); });
  EXPECT_EQ(backwards.details()["param"], "created[gte]");
}

}  // namespace
}  // namespace hookgate
