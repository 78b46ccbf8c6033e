-- The platform's scope reference (api-key-scopes.txt), row for row.

INSERT INTO scopes (name, description, requires_sk) VALUES
  ('pay.intents:read',           'List and retrieve payment intents',                  false),
  ('pay.intents:write',          'Create, update, cancel, and refund payment intents', true),
  ('store.products:read',        'List and retrieve products',                         false),
  ('store.products:write',       'Create, update, and delete products',                true),
  ('store.orders:read',          'List and retrieve orders',                           false),
  ('store.orders:write',         'Update order status, fulfill orders',                true),
  ('store.inventory:read',       'Read inventory levels',                              false),
  ('store.inventory:write',      'Update stock quantities',                            true),
  ('store.import:write',         'Import products via CSV',                            true),
  ('enterprise.transfers:read',  'List and retrieve transfers',                        false),
  ('enterprise.transfers:write', 'Create transfers',                                   true),
  ('enterprise.bulk:write',      'Create bulk transfers',                              true),
  ('enterprise.bills:write',     'Pay bills',                                          true),
  ('enterprise.ledger:read',     'Read ledger entries',                                false),
  ('webhooks.endpoints:read',    'List webhook endpoints',                             false),
  ('webhooks.endpoints:manage',  'Create, update, and delete endpoints',               true),
  ('webhooks.deliveries:read',   'List webhook event deliveries',                      false),
  ('webhooks.deliveries:retry',  'Retry failed deliveries',                            true);

INSERT INTO scope_bundles (name, description) VALUES
  ('pay',   'Includes all Pay API scopes plus webhooks and account read. Ideal for payment integrations.'),
  ('store', 'Includes all Store API scopes plus webhooks and account read. Ideal for inventory and order management integrations.'),
  ('full',  'Includes every scope. Use with caution -- grant only the permissions your integration needs.');

INSERT INTO scope_bundle_members (bundle, scope) VALUES
  ('pay', 'pay.intents:read'),
  ('pay', 'pay.intents:write'),
  ('pay', 'webhooks.endpoints:read'),
  ('pay', 'webhooks.endpoints:manage'),
  ('pay', 'webhooks.deliveries:read'),
  ('pay', 'webhooks.deliveries:retry'),
  ('store', 'store.products:read'),
  ('store', 'store.products:write'),
  ('store', 'store.orders:read'),
  ('store', 'store.orders:write'),
  ('store', 'store.inventory:read'),
  ('store', 'store.inventory:write'),
  ('store', 'store.import:write'),
  ('store', 'webhooks.endpoints:read'),
  ('store', 'webhooks.endpoints:manage'),
  ('store', 'webhooks.deliveries:read'),
  ('store', 'webhooks.deliveries:retry');

INSERT INTO scope_bundle_members (bundle, scope)
  SELECT 'full', name FROM scopes;
