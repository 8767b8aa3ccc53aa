/* ks-server-discovery.c: tell a client everything from one URL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-password-policy.h"
#include "ks-server-bucket.h"
#include "ks-server-discovery.h"
#include "ks-server-http.h"
#include "ks-server-urls.h"

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_boolean (JsonBuilder *builder,
             const char  *name,
             gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

/* So that a client can say what a new password needs before the user
 * tries one. An outside pool's own policy is not known here. */
static void
add_password_policy (JsonBuilder            *builder,
                     const KsPasswordPolicy *policy)
{
  json_builder_set_member_name (builder, "password_policy");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "minimum_length");
  json_builder_add_int_value (builder, policy->minimum_length);
  add_boolean (builder, "require_uppercase", policy->require_uppercase);
  add_boolean (builder, "require_lowercase", policy->require_lowercase);
  add_boolean (builder, "require_numbers", policy->require_numbers);
  add_boolean (builder, "require_symbols", policy->require_symbols);
  json_builder_end_object (builder);
}

static void
add_cognito (JsonBuilder *builder,
             KsServer    *server)
{
  KsServerDataDir  *data_dir = ks_server_get_data_dir (server);
  KsServerUserPool *pool = ks_server_get_user_pool (server);
  g_autofree char  *endpoint = NULL;

  json_builder_set_member_name (builder, "cognito");
  json_builder_begin_object (builder);
  if (pool != NULL)
    {
      add_string (builder, "endpoint", ks_server_user_pool_get_endpoint (pool));
      add_string (builder, "region", ks_server_user_pool_get_region (pool));
      add_string (builder, "user_pool_id", ks_server_user_pool_get_id (pool));
      add_string (builder, "client_id", ks_server_user_pool_get_client_id (pool));
    }
  else
    {
      endpoint = ks_server_urls_cognito (ks_server_get_public_url (server));
      add_string (builder, "endpoint", endpoint);
      add_string (builder, "region", ks_server_data_dir_get_region (data_dir));
      add_string (builder, "user_pool_id", ks_server_data_dir_get_user_pool_id (data_dir));
      add_string (builder, "client_id", ks_server_data_dir_get_client_id (data_dir));
      add_password_policy (builder, &ks_password_policy_default);
    }
  json_builder_end_object (builder);
}

static void
add_s3 (JsonBuilder *builder,
        KsServer    *server)
{
  KsServerBucket  *bucket = ks_server_get_bucket (server);
  KsServerDataDir *data_dir = ks_server_get_data_dir (server);
  g_autofree char *endpoint = NULL;

  json_builder_set_member_name (builder, "s3");
  json_builder_begin_object (builder);
  if (bucket != NULL)
    {
      add_string (builder, "endpoint", ks_server_bucket_get_endpoint (bucket));
      add_string (builder, "region", ks_server_bucket_get_region (bucket));
      add_string (builder, "bucket", ks_server_bucket_get_name (bucket));
    }
  else
    {
      endpoint = ks_server_urls_s3 (ks_server_get_public_url (server));
      add_string (builder, "endpoint", endpoint);
      add_string (builder, "region", ks_server_data_dir_get_region (data_dir));
      add_string (builder, "bucket", ks_server_data_dir_get_bucket (data_dir));
    }
  json_builder_end_object (builder);
}

/*
 * {"api_url": ..., "cognito": {"endpoint", "region", "user_pool_id",
 *  "client_id"}, "s3": {"endpoint", "region", "bucket"}, "version": ...}
 *
 * Public, like Cognito's pool and client ids: none of it is a secret.
 */
static void
discovery_cb (KsServer          *server,
              SoupServerMessage *msg,
              GHashTable        *params,
              gpointer           user_data)
{
  const char      *public_url = ks_server_get_public_url (server);
  g_autofree char *api_url = ks_server_urls_api (public_url);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  add_string (builder, "api_url", api_url);
  add_cognito (builder, server);
  add_s3 (builder, server);
  add_string (builder, "version", PACKAGE_VERSION);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  ks_server_http_respond_json (msg, SOUP_STATUS_OK, root);
}

void
ks_server_discovery_register (KsServer *server)
{
  ks_server_add_route (server, SOUP_METHOD_GET, KS_SERVER_PATH_DISCOVERY,
                       discovery_cb, NULL, NULL);
}
